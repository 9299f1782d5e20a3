"""1021: the webhook outbox keys its pending deliveries by their arrival.

Before, pending deliveries were kept by a text key (event id and
subscription id) in a sharded map, with an index of their arrival times
beside it (``arrivals``): two structures written, a bucket of text keys
each time, whenever a submission of a subscribed procedure was filed or a
delivery sent. Now one :class:`~imio.guichet.storage.TimeMap` keyed by
arrival holds them, as the e-mail outbox since 1011. Each pending delivery
moves over with the arrival it had, so that the backlog's oldest entry
does not change.
"""

from datetime import timedelta
from imio.guichet.storage import EPOCH
from imio.guichet.storage import micros_of_time_key
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import TimeMap
from imio.guichet.webhooks.registry import get_registry

import logging


logger = logging.getLogger(__name__)


def key_webhook_outbox_by_arrival(setup_tool=None) -> None:
    registry = get_registry()
    if registry is None or not isinstance(registry.outbox, ShardedMap):
        return  # never used, or done
    old = registry.outbox
    registry.outbox = TimeMap()
    for text_key in list(old):
        delivery = old[text_key]
        arrived = delivery.queued
        if delivery.arrival_key is not None:
            micros = micros_of_time_key(delivery.arrival_key)
            arrived = EPOCH + timedelta(microseconds=micros)
        registry.add_delivery(delivery, arrived)
    if "arrivals" in vars(registry):
        del registry.arrivals
    logger.info("Keyed %d pending webhook deliveries by arrival", len(registry.outbox))
