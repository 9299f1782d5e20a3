"""The core's persistent building blocks: sharded trees and site stores.

Every store of the add-on (submissions, drafts, webhooks, the audit trail)
is a persistent object kept in an annotation of the site, made of the
structures below. They are designed for 100,000+ entries written by
concurrent requests:

* lengths are ``BTrees.Length``, which merges concurrent changes: there is
  no shared counter;
* every tree written on a hot path is split into ``DEFAULT_SHARDS``
  independent trees by a hash of a random key.

Why shards: BTrees merge concurrent inserts into one bucket, but not a
bucket split, and an insert also checks (``readCurrent``) every tree node
on its path, so a split anywhere under a small tree's root fails every
concurrent insert into that tree. Measured with 8 concurrent writers on
one tree, half of the commits conflicted. With shards, two concurrent
writers conflict only when they hit the same shard of the same tree while
one of them splits a bucket, and Zope's publisher retries those rare
conflicts.
"""

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from persistent import Persistent
from plone import api
from typing import TypeVar
from zope.annotation.interfaces import IAnnotations

import heapq
import zlib


Store = TypeVar("Store")


#: Shards of every sharded tree. More shards mean fewer conflicts, but more
#: iterators to merge when listing in order.
DEFAULT_SHARDS = 16

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def site_store(
    key: str, factory: Callable[[], Store], *, create: bool = False, site=None
) -> Store | None:
    """The store kept in the site's annotation ``key``.

    ``None`` when there is none yet, unless ``create``: then ``factory()``
    makes it. Stores the submission path writes are created when the
    add-on is installed, so that the first concurrent requests do not all
    write the site's annotations. ``site`` defaults to the current portal.
    """
    annotations = IAnnotations(site if site is not None else api.portal.get())
    store = annotations.get(key)
    if store is None and create:
        store = annotations[key] = factory()
    return store


class _KeySet(OOTreeSet):
    # Twice the default leaf size: half as many splits (so conflicts) for
    # append-mostly keys, at ~3 KB rewritten per insert.
    max_leaf_size = 60


class _Map(OOBTree):
    max_leaf_size = 60


def shard_of(key: str, shards: int) -> int:
    return zlib.crc32(key.encode()) % shards


class ShardedMap(Persistent):
    """A str-keyed mapping spread over independent BTrees."""

    def __init__(self, shards: int = DEFAULT_SHARDS):
        self._shards = tuple(_Map() for _ in range(shards))

    def _shard(self, key: str) -> OOBTree:
        return self._shards[shard_of(key, len(self._shards))]

    def __contains__(self, key: str) -> bool:
        return key in self._shard(key)

    def __getitem__(self, key: str):
        return self._shard(key)[key]

    def __setitem__(self, key: str, value) -> None:
        self._shard(key)[key] = value

    def get(self, key: str, default=None):
        return self._shard(key).get(key, default)

    def pop(self, key: str, default=None):
        return self._shard(key).pop(key, default)

    def __iter__(self) -> Iterator[str]:
        """The keys, shard after shard (in no useful order)."""
        for shard in self._shards:
            yield from shard.keys()


def sort_key(when: datetime, entry_id: str) -> str:
    """The key that orders entries by a date, then by id.

    Microseconds since the epoch, zero-padded so that string order is time
    order; the id breaks ties between entries of the same microsecond.
    """
    # Integer arithmetic: exact, and the same on every server (a naive
    # datetime would depend on the process's time zone, so none is taken).
    micros = (when - EPOCH) // timedelta(microseconds=1)
    return f"{micros:017d}:{entry_id}"


def id_from_sort_key(key: str) -> str:
    return key.split(":", 1)[1]


class OrderedIndex(Persistent):
    """Sort keys (see :func:`sort_key`) in order, spread over shards.

    A key goes to the shard chosen by a hash of its id (random), so that
    concurrent inserts, which all carry "now" and would otherwise all land
    in the last bucket of one tree, are scattered.
    """

    def __init__(self, shards: int = DEFAULT_SHARDS):
        self._shards = tuple(_KeySet() for _ in range(shards))
        self._length = Length()

    def _shard_for(self, key: str) -> OOTreeSet:
        return self._shards[shard_of(id_from_sort_key(key), len(self._shards))]

    def insert(self, key: str) -> None:
        if self._shard_for(key).insert(key):
            self._length.change(1)

    def remove(self, key: str) -> None:
        shard = self._shard_for(key)
        if key in shard:
            shard.remove(key)
            self._length.change(-1)

    def __len__(self) -> int:
        return self._length()

    def keys(self, after: str | None = None) -> Iterator[str]:
        """Keys in order, strictly after ``after`` if given; lazy."""
        return merge_keys([self], after)


def merge_keys(indexes: Iterable[OrderedIndex], after: str | None) -> Iterator[str]:
    """Lazily merge the keys of several ordered indexes, after a cursor.

    Each shard is entered with a BTree range search (O(log n)), and only as
    many keys are read as the caller consumes.
    """
    iterators = []
    for index in indexes:
        for shard in index._shards:
            if after is None:
                iterators.append(iter(shard.keys()))
            else:
                iterators.append(iter(shard.keys(min=after, excludemin=True)))
    return heapq.merge(*iterators)
