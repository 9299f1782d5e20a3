"""Upgrade step 1030: the e-mail and webhook outboxes' queues made before
get each shard's anchor (what was pending stays, in order); a second run
adds nothing; a site without an outbox is left as it is; the step is
registered up to 1030."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.mail import composed
from imio.guichet.notifications import outbox as outbox_module
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.notifications.outbox import Mail
from imio.guichet.storage import ANCHOR
from imio.guichet.upgrades.v1030 import anchor_queues
from imio.guichet.webhooks import registry as webhooks
from imio.guichet.webhooks.registry import Delivery
from imio.guichet.webhooks.registry import get_registry
from plone import api
from zope.annotation.interfaces import IAnnotations


QUEUED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def unanchored(queue) -> None:
    """``queue`` as made before 1030: no anchors, no count of marked entries."""
    for shard in queue._shards:
        shard.pop(ANCHOR, None)
    del queue._tombstones


def anchors(queue) -> int:
    return sum(ANCHOR in shard for shard in queue._shards)


def test_upgrade(portal):
    mails = get_outbox(portal, create=True)
    registry = get_registry(portal, create=True)
    for n in range(3):
        mails.add(Mail(composed(subject=f"Demande {n}"), now=QUEUED))
        delivery = Delivery(subscription_id="s1", event={"id": f"e{n}"}, now=QUEUED)
        registry.add_delivery(delivery, QUEUED + timedelta(minutes=n))
    for queue in (mails.pending, registry.outbox):
        unanchored(queue)
        assert anchors(queue) == 0

    anchor_queues()

    for queue in (mails.pending, registry.outbox):
        assert anchors(queue) == len(queue._shards)
        assert queue._tombstones is not None and queue.tombstone_count() == 0
        assert len(queue) == len(list(queue)) == 3
    assert sorted(m.subject for m in mails.pending_mails()) == [
        f"Demande {n}" for n in range(3)
    ]
    assert registry.backlog() == (3, QUEUED)
    anchor_queues()  # twice: nothing more
    assert anchors(mails.pending) == len(mails.pending._shards)


def test_upgrade_of_a_site_without_outboxes(portal):
    annotations = IAnnotations(portal)
    annotations.pop(outbox_module.ANNOTATION_KEY, None)
    annotations.pop(webhooks.ANNOTATION_KEY, None)
    anchor_queues()
    assert get_outbox(portal) is None
    assert get_registry(portal) is None


def test_registered(portal):
    setup = api.portal.get_tool("portal_setup")
    steps = setup.listUpgrades("imio.guichet:default", show_old=True)
    flat = [s for step in steps for s in (step if isinstance(step, list) else [step])]
    assert any(step["sdest"] == "1030" for step in flat)
