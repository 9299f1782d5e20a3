"""What the health check and the metrics read: the database probe against
real storages that go away, the outboxes' backlogs (read in O(log n)),
the addresses allowed to scrape."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.mail import composed
from fixtures.stored import POSTGRESQL_DSN
from imio.guichet.backlog import ArrivalIndex
from imio.guichet.metrics.addresses import address_allowed
from imio.guichet.metrics.addresses import is_network
from imio.guichet.metrics.readings import database_readable
from imio.guichet.notifications.outbox import Attempt
from imio.guichet.notifications.outbox import Mail
from imio.guichet.notifications.outbox import MailOutbox
from imio.guichet.notifications.outbox import record
from imio.guichet.webhooks.registry import Delivery
from imio.guichet.webhooks.registry import WebhookRegistry
from ZODB.DB import DB
from ZODB.FileStorage import FileStorage

import os
import pytest


NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class TestDatabaseProbe:
    def test_filestorage_closed(self, tmp_path):
        db = DB(FileStorage(str(tmp_path / "Data.fs")))
        try:
            assert database_readable(db)
            db.storage.close()  # its file is gone from under the instance
            assert not database_readable(db)
        finally:
            db.close()

    def test_postgresql_gone(self, tmp_path):
        """RelStorage whose PostgreSQL database stops taking connections
        and drops those it had, as when its server goes away."""
        psycopg2 = pytest.importorskip("psycopg2")
        from psycopg2.extensions import make_dsn
        from psycopg2.extensions import parse_dsn

        try:
            admin = psycopg2.connect(POSTGRESQL_DSN, connect_timeout=3)
        except psycopg2.OperationalError as error:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"PostgreSQL not reachable: {error}")
        admin.autocommit = True
        name = parse_dsn(POSTGRESQL_DSN)["dbname"] + "_health"
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        db = None
        try:
            from relstorage.adapters.postgresql import PostgreSQLAdapter
            from relstorage.options import Options
            from relstorage.storage import RelStorage

            options = Options(
                keep_history=False,
                create_schema=True,
                blob_dir=str(tmp_path / "blobs"),
                shared_blob_dir=False,
                cache_local_mb=0,
            )
            dsn = make_dsn(POSTGRESQL_DSN, dbname=name, connect_timeout=3)
            storage = RelStorage(PostgreSQLAdapter(dsn=dsn, options=options), options)
            db = DB(storage)
            assert database_readable(db)
            with admin.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s",
                    (name,),
                )
            assert not database_readable(db)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            if db is not None:
                db.close()
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


class TestBacklogs:
    def test_arrival_index(self):
        index = ArrivalIndex()
        assert index.backlog() == (0, None)
        later = index.add(NOW + timedelta(minutes=5))
        first = index.add(NOW)
        assert index.backlog() == (2, NOW)
        assert index.backlog().oldest_age(NOW + timedelta(minutes=1)) == 60.0
        index.remove(first)
        assert index.backlog() == (1, NOW + timedelta(minutes=5))
        index.remove(later)
        assert index.backlog() == (0, None)

    def test_entries_queued_together_each_have_their_key(self):
        # Two e-mails of one filing share their time: 2000 such entries
        # draw each of the 1024 low-bit values more than once.
        index = ArrivalIndex()
        keys = {index.add(NOW) for _ in range(2000)}
        assert len(keys) == len(index) == 2000
        assert index.backlog().oldest == NOW
        for key in keys:
            index.remove(key)
        assert index.backlog() == (0, None)

    def test_mail_outbox(self):
        outbox = MailOutbox()
        early = Mail(composed(subject="1"), now=NOW)
        late = Mail(composed(subject="2"), now=NOW + timedelta(seconds=30))
        outbox.add(early)
        outbox.add(late)
        assert outbox.backlog() == (2, NOW)
        record(outbox, early, Attempt(None), NOW + timedelta(seconds=40))  # sent
        assert outbox.backlog() == (1, NOW + timedelta(seconds=30))
        record(outbox, late, Attempt("SMTP 550", permanent=True), NOW)  # given up
        assert outbox.backlog() == (0, None)
        assert outbox.failed_count() == 1

    def test_webhook_outbox(self):
        registry = WebhookRegistry()
        deliveries = [
            Delivery(
                subscription_id="s1",
                event={"id": f"e{i}", "type": "t", "data": {"reference": "R"}},
                now=NOW + timedelta(seconds=i),
            )
            for i in range(3)
        ]
        for delivery in deliveries:
            registry.add_delivery(delivery)
        assert registry.backlog() == (3, NOW)
        registry.remove_delivery(deliveries[0])
        registry.remove_delivery(deliveries[0])  # twice: another instance did
        assert registry.backlog() == (2, NOW + timedelta(seconds=1))


class TestAddresses:
    @pytest.mark.parametrize(
        ("address", "allowed"),
        [
            ("10.0.0.5", True),
            ("10.0.1.7", True),
            ("::ffff:10.0.0.9", True),  # IPv4 seen through an IPv6 socket
            ("2001:db8::42", True),
            ("10.0.2.1", False),
            ("192.168.0.1", False),
            ("unknown", False),
            ("", False),
            (None, False),
        ],
    )
    def test_matching(self, address, allowed):
        networks = ["10.0.0.0/23", "2001:db8::/32", "not an address"]
        assert address_allowed(address, networks) is allowed

    @pytest.mark.parametrize(
        ("value", "valid"),
        [
            ("10.0.0.5", True),
            ("10.0.0.0/24", True),
            ("10.0.0.1/24", True),  # host bits ignored
            ("2001:db8::/32", True),
            ("intranet", False),
            ("10.0.0.0/33", False),
            ("", False),
        ],
    )
    def test_control_panel_values(self, value, valid):
        assert is_network(value) is valid
