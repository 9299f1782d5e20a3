"""1030: the outboxes' queues get their anchors.

An outbox takes its oldest messages out of its queue once they are sent,
while filings add new ones to the same buckets; ZODB could not merge a
commit that removed a bucket's first entry with one that changed that
bucket, so under a steady flow of filings the worker's record of what it
sent conflicted, was tried again, and at times was left unrecorded (those
messages were sent twice once their lease ran out). Since 1030 each shard
of a queue (:class:`imio.guichet.storage.TimeMap`) keeps an entry before
every other, never removed, and the queue counts the entries that a
record marked as taken out after a conflict (see its docstring). The step gives both to
the e-mail outbox's queue and the webhooks' one (a queue still keyed by
text, before 1011 or 1021, gets them from those steps' new queue); run
again, it adds nothing.
"""

from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.storage import TimeMap
from imio.guichet.webhooks.registry import get_registry

import logging


logger = logging.getLogger(__name__)


def anchor_queues(setup_tool=None) -> None:
    queues = {
        "e-mail outbox": getattr(get_outbox(), "pending", None),
        "webhook outbox": getattr(get_registry(), "outbox", None),
    }
    for name, queue in queues.items():
        if isinstance(queue, TimeMap):
            added = queue.anchor()
            logger.info("The %s's queue got %d anchors", name, added)
