"""Upgrade step 1011: the e-mail outbox keys its pending messages by their
arrival, each keeping the arrival it had."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.mail import composed
from imio.guichet.backlog import ArrivalIndex
from imio.guichet.notifications import outbox as mail_outbox
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.notifications.outbox import Mail
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import TimeMap
from imio.guichet.upgrades.v1011 import key_mail_outbox_by_arrival
from zope.annotation.interfaces import IAnnotations


QUEUED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def as_before_1011(portal) -> list[Mail]:
    """An outbox of profile 1005: pending messages by id, their arrivals
    indexed beside them (one given a new round later than it was queued)."""
    outbox = get_outbox(portal, create=True)
    outbox.pending = ShardedMap()
    outbox.arrivals = ArrivalIndex()
    first = Mail(composed("a@example.org"), now=QUEUED)
    retried = Mail(composed("b@example.org"), now=QUEUED - timedelta(days=1))
    for mail, arrived in ((first, QUEUED), (retried, QUEUED + timedelta(hours=1))):
        outbox.pending[mail.id] = mail
        mail.arrival_key = outbox.arrivals.add(arrived)
    return [first, retried]


def test_upgrade(portal):
    first, retried = as_before_1011(portal)

    key_mail_outbox_by_arrival()

    outbox = get_outbox(portal)
    assert isinstance(outbox.pending, TimeMap)
    assert not hasattr(outbox, "arrivals")
    assert outbox.backlog() == (2, QUEUED)
    assert {m.id for m in outbox.pending_mails()} == {first.id, retried.id}
    assert [outbox.pending[key].id for key in outbox.pending] == [first.id, retried.id]
    assert mail_outbox.due(outbox, QUEUED + timedelta(days=1))  # still sent
    outbox.remove_pending(first)
    assert outbox.backlog() == (1, QUEUED + timedelta(hours=1))
    key_mail_outbox_by_arrival()  # twice: nothing changes
    assert outbox.backlog() == (1, QUEUED + timedelta(hours=1))


def test_upgrade_of_a_site_without_outbox(portal):
    IAnnotations(portal).pop(mail_outbox.ANNOTATION_KEY, None)
    key_mail_outbox_by_arrival()
    assert get_outbox(portal) is None
