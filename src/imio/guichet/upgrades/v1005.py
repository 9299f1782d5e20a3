"""1005: health and metrics.

- The Guichet control panel gets ``metrics_allowed_networks`` (empty: only
  Managers read ``@@guichet-metrics``).
- The permission *imio.guichet: Read metrics* is given to Managers.
- The webhook and e-mail outboxes get their ``arrivals`` index (how many
  wait and since when, read in O(log n)), filled with what is pending.
"""

from datetime import datetime
from datetime import UTC
from imio.guichet.backlog import ArrivalIndex
from imio.guichet.interfaces import IGuichetSettings
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.storage import ShardedMap
from imio.guichet.webhooks.registry import get_registry
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import logging


logger = logging.getLogger(__name__)

PROFILE = "profile-imio.guichet:default"


def health_and_metrics(setup_tool=None) -> None:
    getUtility(IRegistry).registerInterface(IGuichetSettings)
    setup_tool = setup_tool or api.portal.get_tool("portal_setup")
    setup_tool.runImportStepFromProfile(PROFILE, "rolemap")
    index_outboxes()


def _event_time(delivery) -> datetime:
    """When a delivery made before 1005 entered the outbox: its event's
    time (the same moment), else its next attempt."""
    try:
        return datetime.fromisoformat(delivery.event["time"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return delivery.next_attempt


def index_outboxes() -> None:
    registry = get_registry()
    if registry is not None and not hasattr(registry, "arrivals"):
        registry.arrivals = ArrivalIndex()
        # The outbox as it was then (a map by text key; 1021 changes it).
        for delivery in map(registry.outbox.get, list(registry.outbox)):
            if getattr(delivery, "queued", None) is None:
                delivery.queued = _event_time(delivery)
            delivery.arrival_key = registry.arrivals.add(delivery.queued)
        logger.info("Indexed %d pending webhook deliveries", len(registry.arrivals))
    outbox = get_outbox()
    if (
        outbox is not None
        and isinstance(outbox.pending, ShardedMap)  # 1011 keys it by arrival
        and not hasattr(outbox, "arrivals")
    ):
        outbox.arrivals = ArrivalIndex()
        for mail_id in list(outbox.pending):
            mail = outbox.pending[mail_id]
            mail.arrival_key = outbox.arrivals.add(mail.queued)
        logger.info("Indexed %d pending e-mails", len(outbox.arrivals))
