"""1011: the e-mail outbox keys its pending messages by their arrival.

Before, pending messages were kept by their text id in a sharded map, with
an index of their arrival times beside it (``arrivals``): two structures
written, a bucket of text keys each time, whenever a message was queued or
sent. Now one :class:`~imio.guichet.storage.TimeMap` keyed by arrival holds
them. Each pending message moves over with the arrival it had (its key in
``arrivals``; its queuing time if it had none), so that the backlog's
oldest entry does not change.
"""

from datetime import timedelta
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.storage import EPOCH
from imio.guichet.storage import micros_of_time_key
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import TimeMap

import logging


logger = logging.getLogger(__name__)


def key_mail_outbox_by_arrival(setup_tool=None) -> None:
    outbox = get_outbox()
    if outbox is None or not isinstance(outbox.pending, ShardedMap):
        return  # never used, or done
    old = outbox.pending
    pending = TimeMap()
    for mail_id in list(old):
        mail = old[mail_id]
        arrived = mail.queued
        if mail.arrival_key is not None:
            micros = micros_of_time_key(mail.arrival_key)
            arrived = EPOCH + timedelta(microseconds=micros)
        mail.arrival_key = pending.add(arrived, mail)
    outbox.pending = pending
    if "arrivals" in vars(outbox):
        del outbox.arrivals
    logger.info("Keyed %d pending e-mails by arrival", len(pending))
