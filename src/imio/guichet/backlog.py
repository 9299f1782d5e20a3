"""How far behind an outbox is, read without walking it.

The outboxes (webhook deliveries, e-mails) keep their pending entries in a
sharded map keyed by random ids: fine to add to concurrently, useless to
say how many wait or since when without loading every entry. Each also
keeps an :class:`ArrivalIndex` of its pending entries by the time they
entered it, whose length is a ``BTrees.Length`` and whose first key is
the oldest: the health check and the metrics read both in O(log n).
"""

from datetime import datetime
from datetime import timedelta
from imio.guichet.storage import EPOCH
from imio.guichet.storage import OrderedIndex
from imio.guichet.storage import sort_key
from typing import NamedTuple


class Backlog(NamedTuple):
    """What waits in an outbox."""

    pending: int
    #: When the entry waiting longest arrived; None when nothing waits.
    oldest: datetime | None

    def oldest_age(self, now: datetime) -> float | None:
        """Seconds the oldest entry has waited (None when nothing waits)."""
        if self.oldest is None:
            return None
        return max(0.0, (now - self.oldest).total_seconds())


EMPTY = Backlog(0, None)


def arrival_time(key: str) -> datetime:
    """The time a key of :func:`~imio.guichet.storage.sort_key` was made
    from."""
    return EPOCH + timedelta(microseconds=int(key.split(":", 1)[0]))


class ArrivalIndex(OrderedIndex):
    """An outbox's pending entries, by the time they entered it."""

    def add(self, when: datetime, entry_id: str) -> str:
        """Index ``entry_id`` as arrived at ``when``; return its key (the
        entry keeps it, to leave the index)."""
        key = sort_key(when, entry_id)
        self.insert(key)
        return key

    def backlog(self) -> Backlog:
        first = next(self.keys(), None)
        return Backlog(len(self), None if first is None else arrival_time(first))
