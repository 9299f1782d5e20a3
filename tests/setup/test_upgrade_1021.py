"""Upgrade step 1021: the webhook outbox keys its pending deliveries by
their arrival, each keeping the arrival it had."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.backlog import ArrivalIndex
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import TimeMap
from imio.guichet.upgrades.v1021 import key_webhook_outbox_by_arrival
from imio.guichet.webhooks import registry as webhooks
from imio.guichet.webhooks.delivery import due
from imio.guichet.webhooks.registry import Delivery
from imio.guichet.webhooks.registry import get_registry
from zope.annotation.interfaces import IAnnotations


QUEUED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def as_before_1021(portal) -> list[Delivery]:
    """A registry of profile 1005: pending deliveries by a text key, their
    arrivals indexed beside them (one given a later arrival than its
    queuing time)."""
    registry = get_registry(portal, create=True)
    registry.outbox = ShardedMap()
    registry.arrivals = ArrivalIndex()
    first = Delivery(subscription_id="s1", event={"id": "e1"}, now=QUEUED)
    later = Delivery(subscription_id="s2", event={"id": "e2"}, now=QUEUED)
    for delivery, arrived in ((first, QUEUED), (later, QUEUED + timedelta(hours=1))):
        registry.outbox[f"{delivery.id}:{delivery.subscription_id}"] = delivery
        delivery.arrival_key = registry.arrivals.add(arrived)
    return [first, later]


def test_upgrade(portal):
    first, later = as_before_1021(portal)

    key_webhook_outbox_by_arrival()

    registry = get_registry(portal)
    assert isinstance(registry.outbox, TimeMap)
    assert not hasattr(registry, "arrivals")
    assert registry.backlog() == (2, QUEUED)
    assert {d.id for d in registry.pending()} == {"e1", "e2"}
    assert {d.id for d in due(registry, QUEUED + timedelta(days=1))} == {"e1", "e2"}
    registry.remove_delivery(first)
    assert registry.pending_delivery(first) is None
    assert registry.backlog() == (1, QUEUED + timedelta(hours=1))
    key_webhook_outbox_by_arrival()  # twice: nothing changes
    assert registry.backlog() == (1, QUEUED + timedelta(hours=1))
    assert registry.pending_delivery(later) is later


def test_upgrade_of_a_site_without_webhooks(portal):
    IAnnotations(portal).pop(webhooks.ANNOTATION_KEY, None)
    key_webhook_outbox_by_arrival()
    assert get_registry(portal) is None
