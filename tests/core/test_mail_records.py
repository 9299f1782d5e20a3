"""What the e-mail outbox writes per message: its body once, compressed; a
message sent at its first attempt is neither logged nor written again; the
pending messages are keyed by their arrival."""

from datetime import datetime
from datetime import UTC
from fixtures.mail import composed
from imio.guichet.notifications.outbox import Attempt
from imio.guichet.notifications.outbox import Mail
from imio.guichet.notifications.outbox import MailBody
from imio.guichet.notifications.outbox import MailOutbox
from imio.guichet.notifications.outbox import record
from persistent import Persistent

import pytest
import transaction


NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)


#: One message (each one composed has its own date, id and boundary).
MESSAGE = composed(subject="Votre demande 7K4M-9QXP", text="Bonjour,\n" * 200)


@pytest.fixture
def stored(db):
    with db.transaction() as connection:
        outbox = connection.root()["outbox"] = MailOutbox()
        mail = Mail(MESSAGE, now=NOW)
        outbox.add(mail)
    return db, mail.arrival_key


def test_the_body_is_kept_apart(stored):
    db, key = stored
    with db.transaction() as connection:
        mail = connection.root()["outbox"].pending[key]
        assert mail.message == bytes(MESSAGE)
        assert "message" not in vars(mail)  # in its MailBody, written once
        assert mail.body._p_oid != mail._p_oid
        assert len(mail.body.data) < len(mail.message) / 10  # compressed


def test_a_body_stored_before_bodies_were_compressed_is_still_sent():
    raw = bytes(MESSAGE)
    body = MailBody(raw)
    body.__setstate__({"data": raw})  # as stored before: no flag
    assert body.message == raw


def test_pending_messages_are_keyed_by_arrival(stored):
    db, key = stored
    with db.transaction() as connection:
        outbox = connection.root()["outbox"]
        later = Mail(MESSAGE, now=NOW.replace(hour=11))
        outbox.add(later)
        assert outbox.backlog() == (2, NOW)
        assert list(outbox.pending) == [key, later.arrival_key]  # oldest first
        assert outbox.pending_mail(later) is later
        outbox.remove_pending(outbox.pending[key])
        assert outbox.backlog() == (1, NOW.replace(hour=11))
        outbox.remove_pending(later)
        assert outbox.backlog() == (0, None)
        assert outbox.pending_mail(later) is None


def test_sent_at_the_first_attempt_writes_no_log_and_not_the_mail(stored):
    db, key = stored
    connection = db.open()
    try:
        transaction.begin()
        outbox = connection.root()["outbox"]
        mail = outbox.pending[key]
        assert record(outbox, mail, Attempt(None), NOW) == "sent"
        assert key not in outbox.pending
        assert not mail._p_changed  # nothing of it is written again
        assert outbox.attempts(10) == []
        transaction.commit()
    finally:
        connection.close()


def test_a_retry_and_the_sending_after_it_are_logged(stored):
    db, key = stored
    with db.transaction() as connection:
        outbox = connection.root()["outbox"]
        mail = outbox.pending[key]
        assert record(outbox, mail, Attempt("SMTP 451: busy"), NOW) == "retrying"
    with db.transaction() as connection:
        outbox = connection.root()["outbox"]
        mail = outbox.pending[key]
        later = NOW.replace(minute=1)
        assert record(outbox, mail, Attempt(None), later) == "sent"
        assert [a["outcome"] for a in outbox.attempts(10)] == ["sent", "retrying"]


def test_a_message_queued_before_bodies_were_apart_is_still_sent():
    raw = bytes(MESSAGE)
    mail = Mail(MESSAGE, now=NOW)
    state = Persistent.__getstate__(mail)  # a dict, as records were then
    del state["body"]
    mail.__setstate__({**state, "message": raw})  # as queued before
    assert mail.message == raw
