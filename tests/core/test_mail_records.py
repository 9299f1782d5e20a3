"""What the e-mail outbox writes per message: its body once, compressed; a
message sent at its first attempt is neither logged nor written again; the
pending messages are keyed by their arrival."""

from datetime import datetime
from datetime import UTC
from fixtures.mail import composed
from imio.guichet.notifications.outbox import Attempt
from imio.guichet.notifications.outbox import envelope
from imio.guichet.notifications.outbox import Mail
from imio.guichet.notifications.outbox import MAIL_DICTIONARIES
from imio.guichet.notifications.outbox import MAIL_DICTIONARY
from imio.guichet.notifications.outbox import MailBody
from imio.guichet.notifications.outbox import MailOutbox
from imio.guichet.notifications.outbox import record
from imio.guichet.notifications.outbox import UnknownMailDictionary
from persistent import Persistent

import hashlib
import pytest
import transaction
import zlib


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


def test_a_body_compressed_before_dictionaries_is_still_sent():
    raw = bytes(MESSAGE)
    body = MailBody(raw)
    body.__setstate__({"data": zlib.compress(raw), "compressed": True})
    assert body.dictionary is None and body.message == raw


#: A confirmation as the composer writes it (made-up values, another
#: procedure and address than the dictionary's own).
CONFIRMATION = composed(
    subject="Votre demande 4E0Z-FE9W a bien été reçue",
    text=(
        'Bonjour,\n\nNous avons bien reçu votre demande "Permis de '
        'location" le 02/12/2026 10:00. Sa référence est 4E0Z-FE9W : '
        "merci de la mentionner chaque fois que vous nous contactez à son "
        "sujet.\n\nSuivez votre demande ici :\nhttps://www.namur.be/"
        "@@track-request?reference=4E0Z-FE9W&secret=pdJ2IdG-qww\n\nPour "
        "protéger votre vie privée, cet e-mail ne reprend pas ce que vous "
        "avez complété."
    ),
)


def test_a_body_is_compressed_with_the_dictionary_of_the_default_messages():
    raw = bytes(CONFIRMATION)
    body = MailBody(raw)
    assert body.dictionary == MAIL_DICTIONARY
    assert body.message == raw
    assert len(body.data) < len(zlib.compress(raw, 9)) / 2


def test_released_dictionaries_are_frozen():
    """A stored body needs the very dictionary it was compressed with: a
    released one never changes (a new one is a new version, pinned here
    too)."""
    released = {
        1: "cf9dbe7741b6a2c200913bb072d612e45b05f3cb1de1e5f297b3affe85f4fca2",
    }
    assert set(MAIL_DICTIONARIES) == set(released)
    for version, digest in released.items():
        assert hashlib.sha256(MAIL_DICTIONARIES[version]).hexdigest() == digest


#: "Bonjour" compressed with dictionary 1 as released (level 9): a body
#: stored then must read the same whatever the compression's settings now.
STORED_WITH_1 = "78f9dac4d04883264b000ae602e0"


def test_a_body_stored_with_dictionary_1_is_read():
    body = MailBody(b"")
    body.__setstate__(
        {"data": bytes.fromhex(STORED_WITH_1), "compressed": True, "dictionary": 1}
    )
    assert body.message == b"Bonjour"


def test_a_damaged_body_fails_for_good_and_a_later_one_is_retried():
    raw = bytes(CONFIRMATION)
    cut = MailBody(raw)
    cut.data = cut.data[:-10]
    with pytest.raises(zlib.error):
        cut.message  # noqa: B018
    later = MailBody(raw)
    later.dictionary = max(MAIL_DICTIONARIES) + 1
    with pytest.raises(UnknownMailDictionary):
        later.message  # noqa: B018
    for body, permanent in ((cut, True), (later, False)):
        mail = Mail(MESSAGE, now=NOW)
        mail.body = body
        attempt = envelope(mail)
        assert attempt.permanent is permanent, attempt.error


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
