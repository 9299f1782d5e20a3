"""Upgrade step 1005: the setting of the metrics' addresses, the permission
to read them, and the outboxes indexed by arrival from what is pending."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.mail import composed
from imio.guichet.metrics.addresses import RECORD
from imio.guichet.notifications.outbox import ANNOTATION_KEY as MAIL_OUTBOX
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.notifications.outbox import Mail
from imio.guichet.permissions import ReadMetrics
from imio.guichet.storage import ShardedMap
from imio.guichet.upgrades.v1005 import health_and_metrics
from imio.guichet.upgrades.v1021 import key_webhook_outbox_by_arrival
from imio.guichet.webhooks.delivery import make_event
from imio.guichet.webhooks.registry import ANNOTATION_KEY as WEBHOOKS
from imio.guichet.webhooks.registry import Delivery
from imio.guichet.webhooks.registry import get_registry
from imio.guichet.webhooks.registry import SUBMISSION_CREATED
from plone import api
from zope.annotation.interfaces import IAnnotations


QUEUED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def as_before_1005(portal):
    """A site of profile 1004: no setting, no permission given, outboxes
    without their index, holding what was pending then."""
    api.portal.get_tool("portal_registry").records.__delitem__(RECORD)
    portal.manage_permission(ReadMetrics, roles=[], acquire=True)
    outbox = get_outbox(portal, create=True)
    mail = Mail(composed(), now=QUEUED)
    outbox.pending = ShardedMap()  # as before 1011
    outbox.pending[mail.id] = mail
    registry = get_registry(portal, create=True)
    event = make_event(
        SUBMISSION_CREATED,
        source="http://site",
        submission_id="s1",
        reference="ABCD1234",
        procedure_uid="p1",
        state="submitted",
        link="http://site/@submissions/s1",
        now=QUEUED + timedelta(minutes=1),
    )
    delivery = Delivery(subscription_id="sub", event=event, now=QUEUED)
    del delivery.queued  # deliveries had no such attribute
    registry.outbox = ShardedMap()  # as before 1021
    registry.outbox[f"{delivery.id}:{delivery.subscription_id}"] = delivery
    vars(registry).pop("arrivals", None)


def test_upgrade(portal):
    as_before_1005(portal)
    assert RECORD not in api.portal.get_tool("portal_registry")

    with api.env.adopt_roles(["Manager"]):
        health_and_metrics()

    assert api.portal.get_registry_record(RECORD) == []
    roles = {r["name"] for r in portal.rolesOfPermission(ReadMetrics) if r["selected"]}
    assert roles == {"Manager"}
    assert get_outbox(portal).arrivals.backlog() == (1, QUEUED)  # 1011 moves it
    # A delivery arrived when its event was made (1021 moves it).
    assert get_registry(portal).arrivals.backlog() == (
        1,
        QUEUED + timedelta(minutes=1),
    )
    key_webhook_outbox_by_arrival()
    assert get_registry(portal).backlog() == (1, QUEUED + timedelta(minutes=1))
    [delivery] = get_registry(portal).pending()
    get_registry(portal).remove_delivery(delivery)
    assert get_registry(portal).backlog() == (0, None)


def test_upgrade_of_a_site_without_outboxes(portal):
    api.portal.get_tool("portal_registry").records.__delitem__(RECORD)
    annotations = IAnnotations(portal)
    annotations.pop(MAIL_OUTBOX, None)  # made when something is first queued
    annotations.pop(WEBHOOKS, None)
    with api.env.adopt_roles(["Manager"]):
        health_and_metrics()
    assert api.portal.get_registry_record(RECORD) == []
    assert get_outbox(portal) is None and get_registry(portal) is None
