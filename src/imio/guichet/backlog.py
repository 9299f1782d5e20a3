"""How far behind an outbox is, read without walking it.

The webhook outbox keeps its pending deliveries in a sharded map keyed by
random ids: fine to add to concurrently, useless to say how many wait or
since when without loading every entry. It also keeps an
:class:`ArrivalIndex` of its pending entries by the time they entered it,
whose length is a ``BTrees.Length`` and whose first key is the oldest: the
health check and the metrics read both in O(log n). Its keys are small
integers in small buckets (``TimeIndex``).

The e-mail outbox keeps its pending messages keyed by their arrival
itself (a :class:`~imio.guichet.storage.TimeMap`): one structure written
per message queued or sent instead of two, and integer keys
(:func:`queue_backlog`).
"""

from datetime import datetime
from datetime import timedelta
from imio.guichet.storage import EPOCH
from imio.guichet.storage import micros_of_time_key
from imio.guichet.storage import SALT_BITS
from imio.guichet.storage import time_key
from imio.guichet.storage import TimeIndex
from imio.guichet.storage import TimeMap
from typing import NamedTuple

import secrets


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


class ArrivalIndex(TimeIndex):
    """An outbox's pending entries, by the time they entered it."""

    def add(self, when: datetime) -> int:
        """Index an entry arrived at ``when``; return its key (the entry
        keeps it, to leave the index)."""
        while True:
            # Entries queued together share their time: random low bits
            # tell them apart; on the rare collision, the entry arrives a
            # microsecond later (so that this ends however many share it).
            key = time_key(when, secrets.randbits(SALT_BITS))
            before = len(self)
            self.insert(key)
            if len(self) > before:
                return key
            when += timedelta(microseconds=1)

    def backlog(self) -> Backlog:
        return _backlog(len(self), next(self.keys(), None))


def queue_backlog(queue: TimeMap) -> Backlog:
    """What waits in a queue keyed by arrival (O(shards · log n))."""
    return _backlog(len(queue), queue.first_key())


def _backlog(count: int, first_key: int | None) -> Backlog:
    if first_key is None:
        return EMPTY
    oldest = EPOCH + timedelta(microseconds=micros_of_time_key(first_key))
    return Backlog(count, oldest)
