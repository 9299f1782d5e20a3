"""Operations as docs/deployment.md tells them (issue #11): several
instances on one PostgreSQL database, and backups taken while citizens
file, restored elsewhere.

Every step is a command of the Makefile (``make start STORAGE=postgresql
INSTANCE=… PORT=…``, ``make backup``, ``make restore``, ``make pack``),
run by :mod:`imio.guichet.testing_instance` against real servers and the
PostgreSQL of ``GUICHET_TEST_POSTGRESQL_DSN`` (its host, port and an
account that may create roles and databases). Without PostgreSQL the
tests that need it are skipped, except on CI, where ``.ci/run`` starts it.
"""

from collections import Counter
from contextlib import ExitStack
from fixtures.filings import BACK_OFFICE
from fixtures.filings import CITIZEN
from fixtures.filings import every_submission
from fixtures.filings import FeedReader
from fixtures.filings import file
from fixtures.filings import Filer
from fixtures.filings import JSON
from fixtures.filings import lost_object
from fixtures.filings import PDF
from fixtures.filings import street_occupation
from fixtures.stored import POSTGRESQL_DSN
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.testing_instance import InstanceError
from imio.guichet.testing_instance import run_make
from imio.guichet.testing_instance import started_instance
from threading import Thread

import os
import pytest
import requests
import time
import uuid


ADMIN = ("admin", "admin")
RATE_LIMIT = "imio.guichet.interfaces.IGuichetSettings.anonymous_submissions_per_hour"


def fail_or_skip(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)  # .ci/run starts PostgreSQL: it must be there
    pytest.skip(reason)


@pytest.fixture(scope="module")
def postgresql():
    """The Makefile's variables for a database and a role of their own on
    the test PostgreSQL (both made by ``make start``, dropped afterwards),
    and ``restored``: the same for a second database to restore into."""
    from psycopg2.extensions import make_dsn
    from psycopg2.extensions import parse_dsn

    import psycopg2

    try:
        psycopg2.connect(POSTGRESQL_DSN, connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        fail_or_skip(f"PostgreSQL not reachable ({POSTGRESQL_DSN}): {error}")
    admin = parse_dsn(POSTGRESQL_DSN)
    name = f"ops_test_{uuid.uuid4().hex[:8]}"
    settings = {
        "STORAGE": "postgresql",
        "PGHOST": admin.get("host", "127.0.0.1"),
        "PGPORT": admin.get("port", "5432"),
        "PGUSER": name,
        "PGDATABASE": name,
        "PGADMIN_DSN": make_dsn(**{**admin, "dbname": "postgres"}),
    }
    yield {**settings, "restored": {**settings, "PGDATABASE": f"{name}_restored"}}
    connection = psycopg2.connect(settings["PGADMIN_DSN"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}%",)
        )
        for (database,) in cursor.fetchall():
            cursor.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        cursor.execute(f'DROP ROLE IF EXISTS "{name}"')
    connection.close()


@pytest.fixture(scope="module")
def two_instances(postgresql, tmp_path_factory):
    """Two instances on one PostgreSQL database, each in its own folder on
    its own port, started as docs/deployment.md says: the first makes the
    role, the database and the demo site; both trust the load balancer
    (here, the tests on 127.0.0.1) to tell the client's address."""
    folders = tmp_path_factory.mktemp("instances")
    settings = {k: v for k, v in postgresql.items() if k != "restored"}
    settings["TRUSTED_PROXIES"] = "127.0.0.1"
    with ExitStack() as stack:
        try:
            first = stack.enter_context(started_instance(folders / "first", **settings))
            # The site exists: the second instance only serves it.
            second = stack.enter_context(
                started_instance(folders / "second", "serve", **settings)
            )
        except InstanceError as error:
            pytest.fail(str(error))
        yield first, second


def test_two_instances_share_one_database_and_one_change_feed(two_instances):
    first, second = two_instances
    sites = [first.url, second.url]
    reader = FeedReader(sites, limit=7)
    reader.drain()
    existing = list(reader.read)  # filed by the other tests of the module
    filed = []

    def file_on(site, count):
        for number in range(count):
            filed.append(file(site, "declaration-de-perte", lost_object(number))["id"])

    # Two filers per instance at once, while a back office follows the
    # feed with one cursor, reading each page from the other instance.
    filers = [Thread(target=file_on, args=(site, 8)) for site in sites * 2]
    for filer in filers:
        filer.start()
    while any(filer.is_alive() for filer in filers):
        reader.drain()
        time.sleep(0.2)
    for filer in filers:
        filer.join()
    assert len(filed) == 32
    reader.drain_until(set(filed))

    doubled = [item for item, times in Counter(reader.read).items() if times > 1]
    assert doubled == []
    assert sorted(reader.read) == sorted(existing + filed)
    # Read from the start on either instance: the same, once each.
    assert sorted(every_submission(second.url)) == sorted(existing + filed)
    assert sorted(every_submission(first.url)) == sorted(existing + filed)


def file_anonymously(site: str, client: str) -> int:
    """File as an anonymous citizen whose address the load balancer (on
    127.0.0.1, trusted) forwards; the answer's status."""
    return requests.post(
        f"{site}/{PROCEDURES_PATH}/declaration-de-perte/@submissions",
        json={"data": lost_object(0)},
        headers={"Accept": "application/json", "X-Forwarded-For": client},
        timeout=60,
    ).status_code


def test_behind_a_trusted_proxy_the_rate_limit_counts_clients_per_instance(
    two_instances,
):
    first, second = two_instances
    limit = requests.get(
        f"{first.url}/@registry/{RATE_LIMIT}", auth=ADMIN, headers=JSON, timeout=60
    ).json()
    assert limit > 0
    answers = [file_anonymously(second.url, "203.0.113.7") for _ in range(limit)]
    assert answers == [201] * limit
    assert file_anonymously(second.url, "203.0.113.7") == 429
    # Another citizen behind the same balancer has a counter of their own.
    assert file_anonymously(second.url, "198.51.100.20") == 201
    # And the other instance counts on its own (docs/deployment.md).
    assert file_anonymously(first.url, "203.0.113.7") == 201


def backup_during_filings(instance, sites, backup_dir, auth) -> tuple[set, set]:
    """``make backup`` of ``instance`` while a citizen files on ``sites``;
    the submissions acknowledged before it began, and all of them."""
    filer = Filer(sites, auth)
    filer.start()
    filer.wait_for(3)
    began = time.monotonic()
    try:
        run_make("backup", instance.folder, BACKUP_DIR=backup_dir)
    finally:
        ended = time.monotonic()
        acknowledged = filer.stop()
    # Else the test would prove nothing about a backup taken during filings:
    # at least one filing was under way while the backup ran.
    assert any(sent < ended and began < at for _, sent, at in acknowledged), (
        "no filing was under way while the backup ran"
    )
    return (
        {submission for submission, _, at in acknowledged if at < began},
        {submission for submission, _, _ in acknowledged},
    )


def read_as_back_office(site: str, submission: str) -> None:
    """A read the audit journal records (files outside the database)."""
    answer = requests.get(
        f"{site}/@submissions/{submission}", auth=BACK_OFFICE, headers=JSON, timeout=60
    )
    assert answer.status_code == 200


def audit_trail(site: str) -> list[dict]:
    """The whole audit trail of ``site``, changes and reads."""
    records, url = [], f"{site}/@guichet-audit?limit=500"
    while url:
        page = requests.get(url, auth=ADMIN, headers=JSON, timeout=60).json()
        records.extend(page["items"])
        url = page["next"]
    return records


def assert_restored(site, before, filed, with_file):
    # First (the checks below read too): the read recorded before the
    # backup came back with the journal.
    assert any(
        record["action"] == "read"
        and record["actor"] == "backoffice"
        and with_file in record["submissions"]
        for record in audit_trail(site)
    )
    restored = set(every_submission(site))
    assert before - restored == set()  # every acknowledged submission is there
    assert restored - filed == set()  # and nothing else
    submission = requests.get(
        f"{site}/@submissions/{with_file}",
        auth=BACK_OFFICE,
        headers={"Accept": "application/json"},
        timeout=60,
    ).json()
    plan = submission["data"]["plan"]["attachment"]
    download = requests.get(
        f"{site}/@submissions/{with_file}/@attachments/{plan}",
        auth=BACK_OFFICE,
        headers={"Accept": "application/json"},
        timeout=60,
    )
    assert download.status_code == 200
    assert download.content == PDF  # the blob came back too


def test_a_postgresql_backup_taken_during_filings_restores_them(
    two_instances, postgresql, tmp_path
):
    first, second = two_instances
    with_file = file(first.url, "occupation-domaine-public", street_occupation())
    read_as_back_office(first.url, with_file["id"])
    # Packed online first: what the restored instance reads (in a process
    # of its own, with nothing cached) proves the pack kept it all.
    run_make("pack", first.folder, PACK_DAYS=0)
    before, filed = backup_during_filings(
        first, [first.url, second.url], tmp_path / "backups", auth=CITIZEN
    )
    before.add(with_file["id"])
    filed |= set(every_submission(first.url))

    restored = postgresql["restored"]
    run_make(
        "restore", tmp_path / "restored", BACKUP_DIR=tmp_path / "backups", **restored
    )
    with started_instance(tmp_path / "restored", "serve", **restored) as instance:
        assert_restored(instance.url, before, filed, with_file["id"])


def test_a_filestorage_backup_taken_during_filings_restores_them(
    live_instance, tmp_path
):
    # The instance of the live tests (FileStorage): an account files, so
    # that the anonymous rate limit of its other tests is left alone.
    with_file = file(
        live_instance.url, "occupation-domaine-public", street_occupation()
    )
    read_as_back_office(live_instance.url, with_file["id"])
    before, filed = backup_during_filings(
        live_instance, [live_instance.url], tmp_path / "backups", auth=ADMIN
    )
    before.add(with_file["id"])
    filed |= set(every_submission(live_instance.url))

    run_make("restore", tmp_path / "restored", BACKUP_DIR=tmp_path / "backups")
    # FileStorage is packed with the instance stopped.
    run_make("pack", tmp_path / "restored", PACK_DAYS=0)
    with started_instance(tmp_path / "restored", "serve") as instance:
        assert_restored(instance.url, before, filed, with_file["id"])
