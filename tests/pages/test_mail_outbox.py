"""The e-mail outbox: never lost, never stalling the site (a real SMTP
server on loopback that is down, hangs, then recovers, across a restart)."""

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from aiosmtpd.smtp import SMTP
from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from fixtures.mail import composed
from fixtures.mail import configure_mailhost
from fixtures.mail import flush_mail_outbox
from fixtures.mail import free_port
from fixtures.mail import Inbox
from fixtures.mail import SERVICE
from imio.guichet.notifications import outbox
from imio.guichet.notifications.delivery import queue_messages
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.notifications.outbox import Mail
from imio.guichet.notifications.outbox import MailOutbox
from imio.guichet.notifications.outbox import SmtpSettings
from imio.guichet.submissions.api import submit
from plone import api
from plone.testing.zope import Browser
from ZODB.DB import DB
from ZODB.FileStorage import FileStorage
from zope.processlifetime import DatabaseOpenedWithRoot

import asyncio
import contextlib
import itertools
import logging
import pytest
import re
import socket
import threading
import time
import transaction
import types


CITIZEN = "jeanne@example.org"


def wait_for(condition, seconds=20.0):
    """Poll ``condition`` until it holds (bounded: the test fails after)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def smtp_server(port, handler=None):
    handler = handler or Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler


def current_outbox(site) -> MailOutbox:
    transaction.begin()  # see what the requests and the worker committed
    return get_outbox(site)


@pytest.fixture
def closed_port(site):
    """The Mail control panel points to a port nobody listens on (yet)."""
    port = free_port()
    configure_mailhost(port)
    site.demarches.x.service_emails = [SERVICE]
    transaction.commit()
    return port


@pytest.fixture
def sending_threads(monkeypatch):
    """The name of the thread of every attempt to reach the SMTP server."""
    names = []
    original = outbox.connect

    def recorded(*args, **kwargs):
        names.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(outbox, "connect", recorded)
    return names


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(outbox, "BACKOFF_BASE", outbox.timedelta(seconds=0.2))


class TestOutage:
    def test_server_down_then_up(
        self, site, closed_port, session_for, sending_threads, quick_retries
    ):
        response = session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        assert response.status_code == 201
        # Both e-mails are in the outbox, committed with the submission.
        assert len(list(current_outbox(site).pending)) == 2
        wait_for(lambda: len(sending_threads) >= 2)  # the worker tried them
        assert all(name.startswith("guichet-mail:") for name in sending_threads)
        assert len(list(current_outbox(site).pending)) == 2  # kept to retry
        controller, inbox = smtp_server(closed_port)
        try:
            wait_for(lambda: len(inbox.messages) == 2)
        finally:
            controller.stop()
        assert len(inbox.to(CITIZEN)) == 1 and len(inbox.to(SERVICE)) == 1
        wait_for(lambda: not list(current_outbox(site).pending))
        attempts = current_outbox(site).attempts(10)
        assert {a["outcome"] for a in attempts} == {"retrying", "sent"}
        # Which message and why, never the citizen's address.
        assert "j…@example.org" in {r for a in attempts for r in a["recipients"]}
        assert CITIZEN not in repr(attempts)

    def test_a_server_that_never_answers(
        self, site, closed_port, session_for, monkeypatch, quick_retries
    ):
        monkeypatch.setenv("GUICHET_SMTP_TIMEOUT", "10")
        listener = socket.create_server(("127.0.0.1", closed_port))
        accepted = []
        threading.Thread(
            target=lambda: accepted.append(listener.accept()[0]), daemon=True
        ).start()
        try:
            response = session_for("Anonymous").post(
                "demarches/x/@submissions", json={"data": VALID_DATA}
            )
            assert response.status_code == 201
            wait_for(lambda: accepted)  # the worker is stuck in the greeting
            page = session_for("Anonymous").get("@site")
            assert page.status_code == 200  # the requests' threads are free
            assert not current_outbox(site).attempts(1)  # still waiting
            wait_for(lambda: current_outbox(site).attempts(1), seconds=40)
            [attempt] = current_outbox(site).attempts(1)
            assert "timed out" in attempt["error"]
            assert attempt["outcome"] == "retrying"
            assert len(list(current_outbox(site).pending)) == 2
        finally:
            for connection in accepted:
                connection.close()
            listener.close()
        # Retried later, and delivered once the server answers.
        controller, inbox = smtp_server(closed_port)
        try:
            wait_for(lambda: len(inbox.messages) == 2)
        finally:
            controller.stop()

    def test_nothing_is_sent_from_the_request(
        self, site, closed_port, sending_threads, monkeypatch
    ):
        # With no worker at all, a filing over HTML still answers and its
        # e-mails wait in the outbox.
        monkeypatch.setattr(outbox.outbox_worker, "wake", lambda *args: None)
        browser = Browser(site.aq_parent)
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        browser.getControl("Nom").value = "Jeanne Dupont"
        browser.getControl("E-mail").value = CITIZEN
        browser.getControl("Nombre d'exemplaires").value = "2"
        browser.getControl(name="form.widgets.delivery").value = ["email"]
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" in browser.url
        assert sending_threads == []
        assert len(list(current_outbox(site).pending)) == 2

    def test_an_aborted_transaction_queues_nothing(self, site, closed_port):
        submit(site.demarches.x, VALID_DATA, submitter=None)
        assert len(list(get_outbox(site).pending)) == 2
        transaction.abort()
        outbox_now = current_outbox(site)
        assert outbox_now is None or not list(outbox_now.pending)

    def test_given_up_then_retried_by_a_site_administrator(
        self, site, closed_port, session_for, monkeypatch
    ):
        monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 1)
        admin = session_for("siteadmin")
        session_for("Anonymous").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        flush_mail_outbox(site)
        state = admin.get("@guichet-mail-outbox").json()
        assert (state["pending"], state["failed"]) == (0, 2)
        assert {a["outcome"] for a in state["attempts"]} == {"failed"}
        assert "Connection refused" in state["attempts"][0]["error"]
        controller, inbox = smtp_server(closed_port)
        try:
            refused = admin.post("@guichet-mail-outbox", json={"action": "resend"})
            assert refused.status_code == 400
            answer = admin.post("@guichet-mail-outbox", json={"action": "retry-failed"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["retried"] == 2
            wait_for(lambda: len(inbox.messages) == 2)
        finally:
            controller.stop()
        flush_mail_outbox(site)
        state = admin.get("@guichet-mail-outbox").json()
        assert (state["pending"], state["failed"]) == (0, 0)
        audit = admin.get("@guichet-audit").json()["items"]
        assert [r["details"] for r in audit if r["action"] == "retry_failed_mail"] == [
            {"count": 2}
        ]

    def test_a_permanent_refusal_is_not_retried(self, site, closed_port):
        class Refusing(Inbox):
            async def handle_RCPT(self, server, session, envelope, address, options):
                return "550 No such user"

        controller, _inbox = smtp_server(closed_port, Refusing())
        try:
            queue_messages([composed(CITIZEN, "Refused")])
            transaction.commit()
            flush_mail_outbox(site)
        finally:
            controller.stop()
        box = current_outbox(site)
        assert not list(box.pending)
        [failed] = box.failed_mails()
        assert failed.attempts == 1 and "550" in failed.last_error


class TestIntegrationsPage:
    def test_counts_attempts_and_retry(self, site, closed_port, browser_for):
        # The page in English, on this French site: the counts as it says them.
        api.portal.set_registry_record("plone.use_request_negotiation", True)
        queue_messages([composed(CITIZEN, "Votre demande X-1")])
        transaction.commit()
        flush_mail_outbox(site)
        browser = browser_for("siteadmin")
        browser.addHeader("Accept-Language", "en")
        browser.open(f"{site.absolute_url()}/@@guichet-integrations")
        assert "Votre demande X-1" in browser.contents
        assert "j…@example.org" in browser.contents
        assert CITIZEN not in browser.contents
        pending = browser.contents.split('class="mail-pending">')[1].split("<")[0]
        assert pending == "1"
        box = current_outbox(site)
        [mail] = box.pending_mails()
        box.remove_pending(mail)
        box.failed[mail.id] = mail  # as if given up
        transaction.commit()
        browser.open(f"{site.absolute_url()}/@@guichet-integrations")
        browser.getForm(id="retry-failed-mail").submit()
        assert retried_said(browser) == "1 failed e-mail will be sent again now."
        box = current_outbox(site)
        assert len(box.pending_mails()) == 1 and not box.failed_mails()


def retried_said(browser) -> str:
    [said] = re.findall(
        r'class="alert alert-info mail-retried"[^>]*>([^<]*)<', browser.contents
    )
    return " ".join(said.split())


def test_resumed_when_the_database_opens(site, closed_port):
    """Pending when the process stopped: sent by the next one, without a
    new e-mail to wake it."""
    queue_messages([composed(CITIZEN, "Left over")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox.outbox_worker, "wake", lambda *args: None)
        transaction.commit()
    controller, inbox = smtp_server(closed_port)
    try:
        outbox.resume_pending(DatabaseOpenedWithRoot(site._p_jar.db()))
        wait_for(lambda: len(inbox.messages) == 1)
    finally:
        controller.stop()


def _send_all(db, settings):
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        manager.begin()
        box = connection.root()["outbox"]
        outbox.send_due(
            box, manager.commit, manager.abort, settings=settings, timeout=5
        )
    finally:
        manager.abort()
        connection.close()


def test_outbox_survives_a_restart(tmp_path):
    path = str(tmp_path / "Data.fs")
    db = DB(FileStorage(path))
    with db.transaction() as connection:
        box = connection.root()["outbox"] = MailOutbox()
        box.add(Mail(composed(CITIZEN, "Before the restart"), now=datetime.now(UTC)))
    port = free_port()
    _send_all(db, SmtpSettings("127.0.0.1", port, None, None))  # server down
    db.close()  # the instance stops with a retry pending

    db = DB(FileStorage(path))
    controller, inbox = smtp_server(port)
    try:
        with db.transaction() as connection:
            [pending] = connection.root()["outbox"].pending_mails()
            assert pending.attempts == 1
            pending.next_attempt = datetime.now(UTC)  # its retry is due
        _send_all(db, SmtpSettings("127.0.0.1", port, None, None))
    finally:
        controller.stop()
    assert [m["Subject"] for _rcpts, m in inbox.messages] == ["Before the restart"]
    with db.transaction() as connection:
        assert not connection.root()["outbox"].pending_mails()
    db.close()


def test_two_workers_never_send_the_same_message(db, monkeypatch):
    """Two instances (FileStorage: two connections; RelStorage: as two
    servers would) share one outbox, in batches of 3."""
    monkeypatch.setattr(outbox, "BATCH", 3)

    class Slow(Inbox):
        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(0.05)  # both workers are busy at once
            return await super().handle_DATA(server, session, envelope)

    with db.transaction() as connection:
        box = connection.root()["outbox"] = MailOutbox()
        for n in range(20):
            box.add(Mail(composed(CITIZEN, f"Message {n}"), now=datetime.now(UTC)))
    controller, inbox = smtp_server(free_port(), Slow())
    settings = SmtpSettings("127.0.0.1", controller.port, None, None)
    try:
        workers = [
            threading.Thread(target=_send_all, args=(db, settings)) for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        _send_all(db, settings)  # whatever a conflict left for later
    finally:
        controller.stop()
    subjects = sorted(m["Subject"] for _rcpts, m in inbox.messages)
    assert subjects == sorted(f"Message {n}" for n in range(20))


def test_masked():
    assert outbox.masked("jeanne@example.org") == "j…@example.org"
    assert outbox.masked("nobody") == "…"


def test_the_worker_stops_with_its_database(tmp_path):
    from imio.guichet import outbox_worker

    db = DB(FileStorage(str(tmp_path / "Data.fs")))
    kind = outbox_worker.OutboxKind("test", lambda site: False, lambda *args: None)
    outbox_worker.wake(kind, db, ("plone",))
    worker = outbox_worker._workers[outbox_worker._key(kind, db, ("plone",))]
    db.close()
    worker.wakeup.set()
    worker.join(10)
    assert not worker.is_alive()


class Sessions(Inbox):
    """Counts the SMTP conversations (one EHLO each)."""

    def __init__(self):
        super().__init__()
        self.conversations = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.conversations += 1
        session.host_name = hostname
        return responses


@contextlib.contextmanager
def serving(handler=None):
    """An SMTP server on loopback answering with ``handler`` (an
    :class:`Inbox` by default): that handler and settings that reach it."""
    controller, handler = smtp_server(free_port(), handler)
    try:
        yield handler, SmtpSettings("127.0.0.1", controller.port, None, None)
    finally:
        controller.stop()


def _the_one_retried(db) -> Mail:
    """The one message tried, kept to be retried (none given up)."""
    with db.transaction() as connection:
        box = connection.root()["outbox"]
        assert not box.failed_mails()
        [tried] = [m for m in box.pending_mails() if m.attempts]
    return tried


def _send_counting_commits(db, settings, timeout=5) -> int:
    """Send what is due, as the worker does; return how many commits."""
    commits = []
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        manager.begin()
        box = connection.root()["outbox"]

        def commit():
            commits.append(True)
            manager.commit()

        outbox.send_due(box, commit, manager.abort, settings=settings, timeout=timeout)
    finally:
        manager.abort()
        connection.close()
    return len(commits)


def _queued(db, subjects, to=CITIZEN) -> None:
    """A new outbox holding a message per subject (to ``to``, or to the
    address a subject gives as ``(address, subject)``)."""
    with db.transaction() as connection:
        box = connection.root()["outbox"] = MailOutbox()
        for given in subjects:
            address, subject = given if isinstance(given, tuple) else (to, given)
            box.add(Mail(composed(address, subject), now=datetime.now(UTC)))


class TestBatches:
    """A burst of filings leaves many messages due: they are leased by one
    commit, sent over one connection and recorded by one commit."""

    def test_many_messages_one_conversation_two_commits(self, db, monkeypatch):
        monkeypatch.setattr(outbox, "BATCH", 4)
        _queued(db, [f"Message {n}" for n in range(6)])
        with serving(Sessions()) as (inbox, settings):
            commits = _send_counting_commits(db, settings)
        assert sorted(m["Subject"] for _rcpts, m in inbox.messages) == [
            f"Message {n}" for n in range(6)
        ]
        # One conversation; batches of 1 (does the server take any?), 4 and
        # the last 1: a lease and a record each.
        assert (inbox.conversations, commits) == (1, 6)
        with db.transaction() as connection:
            assert not connection.root()["outbox"].pending_mails()

    def test_a_refused_message_does_not_stop_the_others(self, db):
        class RefusingOne(Sessions):
            async def handle_RCPT(self, server, session, envelope, address, options):
                if address.startswith("nobody@"):
                    return "550 No such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"

        _queued(db, ["First", ("nobody@example.org", "Lost"), "Third"])
        with serving(RefusingOne()) as (inbox, settings):
            _send_counting_commits(db, settings)
        assert [m["Subject"] for _rcpts, m in inbox.messages] == ["First", "Third"]
        assert inbox.conversations == 1
        with db.transaction() as connection:
            box = connection.root()["outbox"]
            assert not box.pending_mails()
            [failed] = box.failed_mails()
            assert (failed.subject, failed.attempts) == ("Lost", 1)

    def test_a_server_failing_midway_leaves_the_rest_free(self, db):
        class TiredAfterOne(Inbox):
            async def handle_DATA(self, server, session, envelope):
                if self.messages:
                    return "451 Try again later"
                return await super().handle_DATA(server, session, envelope)

        _queued(db, ["First", "Second", "Third"])
        with serving(TiredAfterOne()) as (inbox, settings):
            _send_counting_commits(db, settings)
        assert [m["Subject"] for _rcpts, m in inbox.messages] == ["First"]
        with db.transaction() as connection:
            box = connection.root()["outbox"]
            waiting = {m.subject: m for m in box.pending_mails()}
            assert sorted(waiting) == ["Second", "Third"]
            # The refused one waits for its retry; the next was not tried,
            # and is free for the next pass at once (not leased 5 minutes).
            assert (waiting["Second"].attempts, waiting["Third"].attempts) == (1, 0)
            assert "451" in waiting["Second"].last_error
            assert waiting["Third"].leased_until is None
            assert waiting["Third"].next_attempt <= datetime.now(UTC)

    def test_an_outage_writes_one_message_per_pass(self, db):
        # The server cannot be reached: the first due message takes the
        # attempt, the others are not written (no lease to free).
        _queued(db, [f"Message {n}" for n in range(5)])
        with db.transaction() as connection:
            serials = {
                m.id: m._p_serial for m in connection.root()["outbox"].pending_mails()
            }
        settings = SmtpSettings("127.0.0.1", free_port(), None, None)
        assert _send_counting_commits(db, settings) == 1
        with db.transaction() as connection:
            mails = connection.root()["outbox"].pending_mails()
        tried = [m for m in mails if m.attempts]
        assert len(tried) == 1 and "Connection refused" in tried[0].last_error
        untouched = [m for m in mails if m._p_serial == serials[m.id]]
        assert len(untouched) == 4

    def test_a_refused_login_is_retried_not_given_up(self, db):
        # A wrong password in the Mail control panel is not the message's
        # fault: a 535 at login never fails a message for good.
        _queued(db, ["First", "Second"])
        controller = Controller(
            Inbox(),
            hostname="127.0.0.1",
            port=free_port(),
            authenticator=lambda *args: AuthResult(success=False, handled=False),
            auth_require_tls=False,
        )
        controller.start()
        try:
            settings = SmtpSettings("127.0.0.1", controller.port, "guichet", "wrong")
            _send_counting_commits(db, settings)
        finally:
            controller.stop()
        tried = _the_one_retried(db)
        assert "535" in tried.last_error and tried.failed is None

    def test_a_batch_starts_no_message_its_lease_may_not_cover(self, db, monkeypatch):
        # A slow server (one that scans each message): once the lease may
        # not cover one more message (every step timing out), the rest is
        # leased again in the next batch, in the same conversation; no
        # worker taking over an expired lease could send a message twice.
        # The clock moves a second each time it is read: a message takes
        # about a second, its worst time is 0.7 s, a lease 5 s.
        ticks = itertools.count()
        monkeypatch.setattr(
            outbox,
            "time",
            types.SimpleNamespace(
                monotonic=lambda: float(next(ticks)), sleep=time.sleep
            ),
        )
        monkeypatch.setattr(outbox, "LEASE", outbox.timedelta(seconds=5))
        leases = []
        original = outbox._leased

        def leased(*args):
            batch, seconds = original(*args)
            leases.append((len(batch), seconds))
            return batch, seconds

        monkeypatch.setattr(outbox, "_leased", leased)
        _queued(db, [f"Message {n}" for n in range(12)])
        with serving(Sessions()) as (inbox, settings):
            _send_counting_commits(db, settings, timeout=0.1)
        subjects = sorted(m["Subject"] for _rcpts, m in inbox.messages)
        assert subjects == sorted(f"Message {n}" for n in range(12))
        assert inbox.conversations == 1
        # One message; of the next 11, the five the lease covered; the six
        # left leased again, as many as the lease covered (5), then 1.
        assert leases == [(1, 5.0), (11, 5.0), (5, 5.0), (1, 5.0)]
        with db.transaction() as connection:
            assert not connection.root()["outbox"].pending_mails()

    def test_an_unreadable_message_holds_back_no_other(self, db):
        _queued(db, ["First", "Broken", "Third"])
        with db.transaction() as connection:
            box = connection.root()["outbox"]
            [broken] = [m for m in box.pending_mails() if m.subject == "Broken"]
            broken.body = None  # as if queued before bodies, without one
        with serving() as (inbox, settings):
            _send_counting_commits(db, settings)
            _send_counting_commits(db, settings)
        assert sorted(m["Subject"] for _rcpts, m in inbox.messages) == [
            "First",
            "Third",
        ]
        with db.transaction() as connection:
            [waiting] = connection.root()["outbox"].pending_mails()
        assert waiting.subject == "Broken" and waiting.attempts == 1
        assert waiting.last_error == "Unreadable message: KeyError"

    def test_a_server_refusing_every_message_for_now_costs_one(self, db):
        # 451 to every message (a full disk, greylisting): the pass writes
        # the message it tried, not a batch leased and freed again.
        class Busy(Inbox):
            async def handle_MAIL(self, server, session, envelope, address, options):
                return "451 Try again later"

        _queued(db, [f"Message {n}" for n in range(5)])
        with db.transaction() as connection:
            box = connection.root()["outbox"]
            serials = {m.id: m._p_serial for m in box.pending_mails()}
        with serving(Busy()) as (_inbox, settings):
            _send_counting_commits(db, settings)
        with db.transaction() as connection:
            mails = connection.root()["outbox"].pending_mails()
        written = [m for m in mails if m._p_serial != serials[m.id]]
        assert len(written) == 1 and written[0].attempts == 1

    @pytest.mark.parametrize("command", ["MAIL", "RCPT", "DATA"])
    def test_a_conversation_ended_by_the_server_counts_no_attempt(self, db, command):
        # A server taking two messages per connection (saying so at MAIL or
        # at RCPT): the third is not counted as tried, and goes in the next
        # conversation.
        class TwoPerConnection(Inbox):
            async def handle_MAIL(self, server, session, envelope, address, options):
                if command == "MAIL" and getattr(session, "taken", 0) >= 2:
                    return "421 Too many messages, come back"
                envelope.mail_from = address
                return "250 OK"

            async def handle_RCPT(self, server, session, envelope, address, options):
                if command == "RCPT" and getattr(session, "taken", 0) >= 2:
                    return "421 Too many messages, come back"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                session.taken = getattr(session, "taken", 0) + 1
                return await super().handle_DATA(server, session, envelope)

        class Server(SMTP):
            async def smtp_DATA(self, arg):
                # A 421 to DATA itself: smtplib does not close then.
                if command == "DATA" and getattr(self.session, "taken", 0) >= 2:
                    await self.push("421 Too many messages, come back")
                    return
                await super().smtp_DATA(arg)

        class Serving(Controller):
            def factory(self):
                return Server(self.handler, **self.SMTP_kwargs)

        _queued(db, ["First", "Second", "Third"])
        controller = Serving(TwoPerConnection(), hostname="127.0.0.1", port=free_port())
        controller.start()
        inbox = controller.handler
        try:
            settings = SmtpSettings("127.0.0.1", controller.port, None, None)
            _send_counting_commits(db, settings)
            assert len(inbox.messages) == 2
            with db.transaction() as connection:
                [third] = connection.root()["outbox"].pending_mails()
            assert (third.subject, third.attempts) == ("Third", 0)
            assert third.leased_until is None
            _send_counting_commits(db, settings)
        finally:
            controller.stop()
        assert len(inbox.messages) == 3

    def test_a_refused_sender_is_retried_not_given_up(self, db):
        # The sender is the site's: a relay to set up, not the message.
        class NoRelay(Inbox):
            async def handle_MAIL(self, server, session, envelope, address, options):
                return "554 Relay access denied"

        _queued(db, ["First", "Second"])
        with serving(NoRelay()) as (_inbox, settings):
            _send_counting_commits(db, settings)
        tried = _the_one_retried(db)
        assert tried.last_error == "Sender refused: SMTP 554: Relay access denied"


def test_flush_waits_for_the_workers_pass(site, closed_port, monkeypatch, caplog):
    """The worker and ``flush`` (tests, scripts) never run a pass over one
    outbox at once: once ``flush`` returns, what the worker tried is
    committed, logged and counted."""
    original = outbox.logged

    def slow(recorded):
        if threading.current_thread().name.startswith("guichet-mail:"):
            time.sleep(0.3)  # the worker's record committed, not yet logged
        return original(recorded)

    monkeypatch.setattr(outbox, "logged", slow)
    with caplog.at_level(logging.ERROR):
        queue_messages([composed(CITIZEN, "One"), composed(CITIZEN, "Two")])
        transaction.commit()  # wakes the worker
        flush_mail_outbox(site)
    failures = [r for r in caplog.records if r.name == outbox.logger.name]
    assert sorted(r.args[0] for r in failures) == ["One", "Two"]
