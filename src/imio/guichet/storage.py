"""The core's persistent building blocks: sharded trees and site stores.

Every store of the add-on (submissions, drafts, webhooks, the audit trail)
is a persistent object kept in an annotation of the site, made of the
structures below. They are designed for 100,000+ entries written by
concurrent requests:

* lengths are ``BTrees.Length``, which merges concurrent changes: there is
  no shared counter;
* every tree written on a hot path is split into ``DEFAULT_SHARDS``
  independent trees by a hash of a random key;
* what every filing writes is keyed by 64-bit integers (:func:`time_key`),
  not strings: a bucket of integers is about a sixth of the size of one of
  ``"<µs>:<id>"`` strings, and a commit rewrites whole buckets.

Why small buckets: every insert rewrites the bucket it lands in, so the
bytes a filing adds to the database are, for each tree it writes, the size
of a bucket. Buckets of the trees filings write hold at most
``SMALL_LEAF`` entries (about 0.4 KB of integers), and their inner nodes at
most ``SMALL_NODE`` children, so that a bucket split (every ~``SMALL_LEAF /
2`` appends to a shard) rewrites a node of ~1 KB, not one of 500 children.

Why shards: BTrees merge concurrent inserts into one bucket, but not a
bucket split, and an insert also checks (``readCurrent``) every tree node
on its path, so a split anywhere under a small tree's root fails every
concurrent insert into that tree. Measured with 8 concurrent writers on
one tree, half of the commits conflicted. With shards, two concurrent
writers conflict only when they hit the same shard of the same tree while
one of them splits a bucket, and Zope's publisher retries those rare
conflicts.
"""

from Acquisition import aq_chain
from BTrees.Length import Length
from BTrees.LLBTree import LLBTree
from BTrees.LLBTree import LLTreeSet
from BTrees.LOBTree import LOBTree
from BTrees.OLBTree import OLBTree
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from itertools import chain
from itertools import filterfalse
from itertools import islice
from persistent import Persistent
from plone import api
from Products.CMFCore.interfaces import ISiteRoot
from typing import TypeVar
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite

import contextlib
import contextvars
import hashlib
import heapq
import secrets
import zlib


Store = TypeVar("Store")


#: Shards of every sharded tree. More shards mean fewer conflicts, but more
#: iterators to merge when listing in order.
DEFAULT_SHARDS = 16

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_MICROSECOND = timedelta(microseconds=1)


def _in_utc(value) -> bool:
    # A datetime exactly (a subclass would come back as a datetime), in
    # datetime.UTC (another zone, even one at UTC's offset, is kept).
    return type(value) is datetime and value.tzinfo is UTC


class CompactRecord(Persistent):
    """A persistent object written as the tuple of its attributes' values,
    in the order of its class's :attr:`RECORD`, instead of a dict of their
    names and values: a pickled dict repeats every attribute's name, and
    the first aware datetime of a record costs three lookups of a class in
    ZODB's class factory each time it is read, so the UTC datetimes of
    :attr:`RECORD_TIMES` are written as microseconds since the epoch. For
    what every filing writes (a submission, its e-mails, its webhook
    deliveries) a record is smaller (a submission by 349 bytes, a delivery
    by ~240), and a submission is loaded in 20 µs instead of 25
    (bench/bench_export.py; bench/README.md, "Compact records").

    The tuple: the attributes outside :attr:`RECORD` (a dict, or None),
    then the values of :attr:`RECORD`, the trailing ones that are None
    left out; with ``RECORD = ("id", "created", "note")``,
    ``(None, "a1", 1767225600000000)``. Every name of ``RECORD`` reads
    None until set (its class default, None: given if the class has none,
    any other refused): an attribute that is None is written as None and
    not kept in the instance's dict once read.

    ``RECORD`` only grows, at its end: a record lists values by position.
    A name joins ``RECORD_TIMES`` only when it joins ``RECORD`` (never
    later, never leaving): an int where ``RECORD_TIMES`` says is read as a
    time (writing an int there is refused). Records written as a dict (before
    this class) are read as they were, and written as a tuple at their
    next change. An instance of an earlier release cannot read a tuple,
    and this one refuses a tuple longer than its ``RECORD`` (a later
    release's). Tools that show states (fsdump, zodbbrowser), and a
    ``_p_resolveConflict`` if one is ever written, see this tuple.
    """

    #: The attributes written by position (append only: stored records
    #: list their values in this order).
    RECORD: tuple[str, ...] = ()
    #: Those of them that hold aware datetimes, written as microseconds
    #: since the epoch when in UTC (another time zone is kept as it is).
    RECORD_TIMES: frozenset[str] = frozenset()

    #: The positions in ``RECORD`` of the names of ``RECORD_TIMES``.
    _TIMES_AT: tuple[int, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not set(cls.RECORD) >= cls.RECORD_TIMES:
            raise TypeError(f"{cls.__name__}: RECORD_TIMES names outside RECORD")
        cls._TIMES_AT = tuple(cls.RECORD.index(name) for name in cls.RECORD_TIMES)
        for name in cls.RECORD:
            default = getattr(cls, name, None)
            if default is not None:
                # Read back as None when None is written: it would be lost.
                raise TypeError(
                    f"{cls.__name__}.{name} is recorded: its class default "
                    f"must be None, not {default!r}"
                )
            setattr(cls, name, None)

    def __getstate__(self):
        attributes = super().__getstate__()  # a copy
        values = [attributes.pop(name, None) for name in self.RECORD]
        for position in self._TIMES_AT:
            value = values[position]
            if _in_utc(value):
                values[position] = (value - EPOCH) // _MICROSECOND
            elif type(value) is int:
                name = self.RECORD[position]
                raise TypeError(f"{name}: an int would be read as a time")
        while values and values[-1] is None:
            values.pop()
        return (attributes or None, *values)

    def __setstate__(self, state):
        if isinstance(state, dict):  # written before, as a dict
            super().__setstate__(state)
            return
        others, *values = state
        if len(values) > len(self.RECORD):
            raise ValueError(
                f"A {type(self).__name__} of a later release: {len(values)} "
                f"values, {len(self.RECORD)} known"
            )
        # None is the class default: not kept in the instance's dict.
        attributes = {
            name: value
            for name, value in zip(self.RECORD, values, strict=False)
            if value is not None
        }
        for name in self.RECORD_TIMES:
            value = attributes.get(name)
            if type(value) is int:
                attributes[name] = EPOCH + timedelta(microseconds=value)
        if others:
            attributes.update(others)
        super().__setstate__(attributes)


def in_a_site() -> bool:
    """Whether a site is current: the subscribers that keep a site's
    derived data (the search index, the dashboard's counters) have none to
    keep for a submission store used on its own (its tests, a script
    before the site is set)."""
    return getSite() is not None


def current_portal():
    """The current Plone site, the first object up from the closest site
    that provides ``ISiteRoot``: ``api.portal.get()`` faster (it asks
    ``ISiteRoot in providedBy(obj)``, which walks the site's dozens of
    interfaces, and a filing asks about ten times: each store it writes
    is in the site's annotations). Unlike it, an object providing an
    interface that extends ``ISiteRoot`` counts too (a Plone site
    provides both)."""
    closest = getSite()
    if closest is not None:
        for candidate in aq_chain(closest):
            if ISiteRoot.providedBy(candidate):
                return candidate
    return api.portal.get()  # raises CannotGetPortalError, as it would


def site_store(
    key: str, factory: Callable[[], Store], *, create: bool = False, site=None
) -> Store | None:
    """The store kept in the site's annotation ``key``.

    ``None`` when there is none yet, unless ``create``: then ``factory()``
    makes it. Stores the submission path writes are created when the
    add-on is installed, so that the first concurrent requests do not all
    write the site's annotations. ``site`` defaults to the current portal.
    """
    annotations = IAnnotations(site if site is not None else current_portal())
    store = annotations.get(key)
    if store is None and create:
        store = annotations[key] = factory()
    return store


#: Entries of a bucket, and children of an inner node, of the integer-keyed
#: trees filings write (see the module's docstring): ~0.3 KB a bucket.
SMALL_LEAF = 32
SMALL_NODE = 64


class _KeySet(OOTreeSet):
    # Twice the default leaf size: half as many splits (so conflicts) for
    # append-mostly keys, at ~3 KB rewritten per insert.
    max_leaf_size = 60


class _Map(OOBTree):
    max_leaf_size = 60


class IntKeySet(LLTreeSet):
    """A set of 64-bit integers with small buckets."""

    max_leaf_size = SMALL_LEAF
    max_internal_size = SMALL_NODE


class IntToObject(LOBTree):
    """64-bit integer -> persistent object, with small buckets (half the
    sets': a reference to an object takes twice the bytes of an integer)."""

    max_leaf_size = SMALL_LEAF // 2
    max_internal_size = SMALL_NODE


class TextToInt(OLBTree):
    """Short text -> 64-bit integer, with small buckets."""

    max_leaf_size = SMALL_LEAF // 2
    max_internal_size = SMALL_NODE


class IntToInt(LLBTree):
    """64-bit integer -> 64-bit integer, with small buckets (keys are
    hashes: inserts land anywhere, and buckets are a third emptier than
    those of appended keys)."""

    max_leaf_size = SMALL_LEAF * 3 // 4
    max_internal_size = SMALL_NODE


#: Shards of a slot: a slot holds a few seconds of keys, so fewer than
#: an index (each is a record to write when the slot is made).
SLOT_SHARDS = 8


class Slot(Persistent):
    """Keys noted during one period, until a settling step takes them (the
    change feed's, the search backlog's). Sharded: concurrent writers
    rarely touch one bucket."""

    closed = False

    def __init__(self):
        self._shards = tuple(IntKeySet() for _ in range(SLOT_SHARDS))

    def add(self, key: int) -> None:
        self._shards[key % len(self._shards)].insert(key)

    def __iter__(self) -> Iterator[int]:
        for shard in self._shards:
            yield from shard

    def __contains__(self, key: int) -> bool:
        return key in self._shards[key % len(self._shards)]

    def __bool__(self) -> bool:
        return any(self._shards)

    def read_current(self) -> None:
        # A writer that committed into this slot after the settler's
        # snapshot must make the settler conflict, or its entry would be
        # dropped with the slot: check every node the entries live in
        # (a slot's few seconds of changes never need deep trees).
        jar = self._p_jar
        if jar is None:
            return
        for tree in self._shards:
            jar.readCurrent(tree)
            bucket = tree._firstbucket
            while bucket is not None:
                if bucket._p_jar is not None:
                    jar.readCurrent(bucket)
                bucket = bucket._next


def note_in_slot(slots, number: int, key: int) -> Slot:
    """Add ``key`` to the slot of period ``number`` in ``slots`` (an
    ``OOBTree`` of slot number -> :class:`Slot`), or to the next open one
    when a lagging clock points at a slot already closed (made if none);
    the slot is read as current, so that a settling step closing it
    concurrently makes this commit conflict (and be retried)."""
    slot = None
    for candidate in slots.values(min=number):
        if not candidate.closed:
            slot = candidate
            break
    if slot is None:
        last = slots.maxKey() if slots else number - 1
        slot = slots[max(number, last + 1)] = Slot()
    if slot._p_jar is not None:
        slot._p_jar.readCurrent(slot)
    slot.add(key)
    return slot


#: Keys the slots closed by one settling step must have held for it to
#: make the slots ahead: a lone change (most of a small authority's day)
#: does not pay for slots that would be closed empty (a slot and its
#: shards are nine records); its writer makes the one it needs.
BUSY_SLOTS = 2


def settle_slots(slots, current: int, ahead: int, take: Callable[[int], None]):
    """Close the slots of ``slots`` a full period old (numbered up to
    ``current - 2``), each read as current, hand each of their keys to
    ``take`` and drop them; when changes came (:data:`BUSY_SLOTS`), make
    the ``ahead`` next slots so that writers (almost) never make one (once
    changes stop, the last slots are closed and nothing more is written)."""
    taken = 0
    for number in list(slots.keys(max=current - 2)):
        slot = slots[number]
        slot.closed = True
        slot.read_current()
        for key in slot:
            taken += 1
            take(key)
        del slots[number]
    if taken >= BUSY_SLOTS:
        for number in range(current, current + ahead + 1):
            if number not in slots:
                slots[number] = Slot()


def shard_of(key: str | int, shards: int) -> int:
    if isinstance(key, int):
        # Integer keys carry random low bits (see time_key, text_hash).
        return key % shards
    return zlib.crc32(key.encode()) % shards


class ShardedMap(Persistent):
    """A mapping spread over independent BTrees (``tree``: their type; by
    default text keys to anything)."""

    def __init__(self, shards: int = DEFAULT_SHARDS, tree: type = _Map):
        self._shards = tuple(tree() for _ in range(shards))

    def _shard(self, key: str | int) -> OOBTree:
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

    def __len__(self) -> int:
        """Counts every key: O(n), for tests and maintenance only."""
        return sum(len(shard) for shard in self._shards)


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


#: Bits of a time key below the microseconds: random, to pick a shard and
#: to tell apart entries of the same microsecond.
SALT_BITS = 10
_SALT_MASK = (1 << SALT_BITS) - 1


def time_key(when: datetime, salt: int) -> int:
    """A 64-bit integer that orders entries by a date (to the microsecond),
    then by ``salt`` (only its low ``SALT_BITS`` bits are kept).

    Positive and below 2**63 until the year 2255.
    """
    micros = (when - EPOCH) // timedelta(microseconds=1)
    return (micros << SALT_BITS) | (salt & _SALT_MASK)


def micros_of_time_key(key: int) -> int:
    return key >> SALT_BITS


def text_hash(text: str) -> int:
    """A signed 64-bit hash of ``text``, for integer-keyed lookup trees
    (whoever looks up checks the entry found: collisions are possible)."""
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True
    )


class TimeIndex(Persistent):
    """Time keys (see :func:`time_key`) in order, spread over shards.

    A key goes to the shard given by its random low bits, so that
    concurrent inserts, which all carry "now" and would otherwise all land
    in the last bucket of one tree, are scattered. ``shards=1`` for an index
    only one person writes (a citizen's own requests).
    """

    def __init__(self, shards: int = DEFAULT_SHARDS):
        self._shards = tuple(IntKeySet() for _ in range(shards))
        self._length = Length()

    def _shard_for(self, key: int) -> IntKeySet:
        return self._shards[key % len(self._shards)]

    def insert(self, key: int) -> None:
        if self._shard_for(key).insert(key):
            self._length.change(1)

    def remove(self, key: int) -> None:
        shard = self._shard_for(key)
        if key in shard:
            shard.remove(key)
            self._length.change(-1)

    def __len__(self) -> int:
        return self._length()

    def __contains__(self, key: int) -> bool:
        return key in self._shard_for(key)

    def __iter__(self) -> Iterator[int]:
        return self.keys()

    def keys(self, after: int | None = None, descending: bool = False) -> Iterator[int]:
        """Keys in order, strictly after ``after`` if given; lazy."""
        return merge_time_keys([self], after, descending)


#: The key of each :class:`TimeMap` shard's anchor (no time key is 0).
ANCHOR = 0
#: Whether :meth:`TimeMap.pop` marks its value instead (see :func:`tombstones`).
_TOMBSTONES: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "imio.guichet TimeMap tombstones", default=False
)


@contextlib.contextmanager
def tombstones():
    """A block in which :meth:`TimeMap.pop` takes an entry out by marking
    its value (``left_queue_at``) instead of deleting its key: it writes the
    value's record and none of the queue's buckets, which filings write
    meanwhile (see :class:`TimeMap`)."""
    token = _TOMBSTONES.set(True)
    try:
        yield
    finally:
        _TOMBSTONES.reset(token)


def _left(key: int, value) -> bool:
    """Whether a :class:`TimeMap`'s entry was marked as taken out: its value
    left the queue from that key (the same value may be queued again
    under another key: a message given up, then retried)."""
    return getattr(value, "left_queue_at", None) == key


class TimeMap(Persistent):
    """Time keys -> persistent objects, spread over shards like
    :class:`TimeIndex`, with their count: a queue (an outbox) whose size and
    oldest entry are read without loading its entries, and whose entries
    are added and removed by integer keys (a bucket of them is a fraction
    of the size of one keyed by text ids, and a commit rewrites whole
    buckets).

    An outbox takes its oldest entries out (sent) while filings add new
    ones, and ZODB cannot merge a commit that deleted a bucket's first
    entry, or emptied a bucket, with another that changed that bucket or
    split it. Two things keep that from making messages go twice:

    - each shard holds an *anchor*, before every entry and never taken
      out: while a shard's entries, the filings' new ones included, fit in
      its first bucket (fewer than sixteen: the usual case, an outbox
      emptied every second), the entries taken out are never its first,
      and the bucket is never emptied;
    - beyond that (a backlog), an outbox whose record conflicted takes its
      entries out by marking them instead (within :func:`tombstones`): each
      value (a persistent ``Mail`` or ``Delivery``) gets ``left_queue_at``, a
      write of its own record, which no filing writes, and no bucket of
      the queue is written. Marked values are not entries (not counted,
      read or found); :meth:`sweep` deletes their keys later, in a commit
      that may conflict at no cost.
    """

    #: How many marked entries wait for :meth:`sweep` (None: made before 1030).
    _tombstones = None

    def __init__(self, shards: int = DEFAULT_SHARDS):
        self._shards = tuple(IntToObject() for _ in range(shards))
        self._length = Length()
        self.anchor()

    def anchor(self) -> int:
        """Give each shard its anchor, and the map its count of marked
        entries (a map made before 1030 had neither); returns how many
        anchors were added."""
        if self._tombstones is None:
            self._tombstones = Length()
        return sum(shard.insert(ANCHOR, None) for shard in self._shards)

    def _shard_for(self, key: int) -> IntToObject:
        return self._shards[key % len(self._shards)]

    def add(self, when: datetime, value) -> int:
        """Add ``value`` arrived at ``when``; return its key."""
        left = getattr(value, "left_queue_at", None)
        if left is not None:
            # Taken out with a mark, and queued again before the sweep (a
            # message given up, then retried): its old key goes now, or
            # the mark it may get under its new key would revive it.
            shard = self._shard_for(left)
            if shard.get(left) is value:
                del shard[left]
                self._tombstones.change(-1)
            value.left_queue_at = None
        while True:
            # Entries added together share their time: random low bits
            # tell them apart; on the rare collision, the entry arrives a
            # microsecond later (so that this ends however many share it).
            key = time_key(when, secrets.randbits(SALT_BITS))
            if self._shard_for(key).insert(key, value):
                self._length.change(1)
                return key
            when += timedelta(microseconds=1)

    def get(self, key: int, default=None):
        value = self._shard_for(key).get(key) if key != ANCHOR else None
        if value is None or (self.tombstone_count() and _left(key, value)):
            return default
        return value

    def __getitem__(self, key: int):
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: int) -> bool:
        return self.get(key) is not None

    def pop(self, key: int, default=None):
        """Take the entry of ``key`` out (within :func:`tombstones`, by
        marking its value); its value, else ``default``."""
        value = self.get(key)
        if value is None:
            return default
        if _TOMBSTONES.get() and self._tombstones is not None:
            value.left_queue_at = key
            self._tombstones.change(1)
        else:
            del self._shard_for(key)[key]
        self._length.change(-1)
        return value

    def sweep(self) -> int:
        """Delete the keys of the values marked as taken out (read oldest
        first, until all are found); returns how many."""
        count = self.tombstone_count()
        marked = heapq.merge(*(self._marked(shard) for shard in self._shards))
        # Read, then deleted: a tree does not change under its own iterator.
        keys = list(islice(marked, count))
        for key in keys:
            del self._shard_for(key)[key]
        if len(keys) == count:
            if keys:
                self._tombstones.change(-len(keys))
            return len(keys)
        # The whole queue was read and holds fewer marks than counted: a key
        # marked in one transaction was deleted in another (a subscription's
        # deliveries dropped meanwhile), and both committed, each counting
        # it out. Counted again from what the queue holds (set() merges as
        # a change with the filings' additions).
        self._tombstones.set(0)
        held = (shard.keys(ANCHOR, excludemin=True) for shard in self._shards)
        self._length.set(sum(1 for keys in held for _key in keys))
        return len(keys)

    @staticmethod
    def _marked(shard: IntToObject) -> Iterator[int]:
        items = shard.items(ANCHOR, excludemin=True)
        return (key for key, value in items if _left(key, value))

    def tombstone_count(self) -> int:
        return 0 if self._tombstones is None else self._tombstones()

    def __len__(self) -> int:
        return self._length()

    def _items(self, shard: IntToObject) -> Iterator[tuple[int, object]]:
        """A shard's entries, oldest first (neither its anchor nor a marked
        one)."""
        items = shard.items(ANCHOR, excludemin=True)
        if not self.tombstone_count():
            return iter(items)
        return ((key, value) for key, value in items if not _left(key, value))

    def __iter__(self) -> Iterator[int]:
        """The keys, oldest first."""
        return heapq.merge(
            *((key for key, _value in self._items(shard)) for shard in self._shards)
        )

    def values(self) -> Iterator:
        """The entries, shard after shard (in no useful order)."""
        for shard in self._shards:
            for _key, value in self._items(shard):
                yield value

    def first_key(self) -> int | None:
        """The oldest key (None when empty), in O(shards · log n); while
        marked entries wait for the sweep, the values before it are read
        to skip the marked ones."""
        firsts = [next(self._items(shard), (None,))[0] for shard in self._shards]
        return min((key for key in firsts if key is not None), default=None)


def _ascending(tree: IntKeySet, after: int | None) -> Iterator[int]:
    if after is None:
        return iter(tree.keys())
    return iter(tree.keys(min=after, excludemin=True))


def _descending(tree: IntKeySet, before: int | None) -> Iterator[int]:
    # BTrees only walk forwards; each step back is one O(log n) descent
    # through nodes already in memory.
    bound = None if before is None else before - 1
    while True:
        try:
            key = tree.maxKey() if bound is None else tree.maxKey(bound)
        except ValueError:  # nothing (left) below the bound
            return
        yield key
        bound = key - 1


def merge_time_keys(
    indexes: Iterable[TimeIndex], after: int | None, descending: bool = False
) -> Iterator[int]:
    """Lazily merge the keys of several time indexes, after a cursor (in
    ``descending`` order: before it). Each shard is entered in O(log n), and
    only as many keys are read as the caller consumes."""
    walk = _descending if descending else _ascending
    iterators = [walk(shard, after) for index in indexes for shard in index._shards]
    return heapq.merge(*iterators, reverse=descending)


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


class DayIndex(Persistent):
    """Submission keys ordered by a day, then by key (creation), spread
    over shards as :class:`TimeIndex` (by the key's random low bits).

    A shard maps a day (its ordinal, :meth:`datetime.date.toordinal`) to the
    set of keys of that day: the two levels are integers, and an entry is
    found, added or removed in O(log n). Read in (day, key) order from a
    cursor ``(day, key)`` with :func:`merge_day_keys`, or, beside the
    creation-order index of the same entries and days, with
    :func:`merge_due_keys`.
    """

    def __init__(self, shards: int = DEFAULT_SHARDS, common_days: Iterable[int] = ()):
        """``common_days`` get their set in every shard now: the first two
        entries of a day in a shard, from concurrent transactions, would
        each create that day's set, a conflict ZODB cannot resolve (only
        the retry of one of them succeeds)."""
        self._shards = tuple(LOBTree() for _ in range(shards))
        self._length = Length()
        for shard in self._shards:
            for day in common_days:
                shard[day] = IntKeySet()

    def _shard_for(self, key: int) -> LOBTree:
        return self._shards[key % len(self._shards)]

    def insert(self, day: int, key: int) -> None:
        shard = self._shard_for(key)
        keys = shard.get(day)
        if keys is None:
            keys = shard[day] = IntKeySet()
        if keys.insert(key):
            self._length.change(1)

    def remove(self, day: int, key: int) -> None:
        # An emptied day keeps its (empty) set: removing it would conflict
        # with a concurrent insert on that day.
        keys = self._shard_for(key).get(day)
        if keys is not None and key in keys:
            keys.remove(key)
            self._length.change(-1)

    def __len__(self) -> int:
        return self._length()

    def count_before(self, day: int) -> int:
        """How many entries have a day strictly before ``day``: all of
        them but those of ``day`` and after (the days to come are few,
        whereas the days past grow with the index), one count per day and
        shard, no entry read."""
        later = sum(
            len(keys) for shard in self._shards for keys in shard.values(min=day)
        )
        return len(self) - later


def _days_ascending(
    shard: LOBTree, after: tuple[int, int] | None
) -> Iterator[tuple[int, int]]:
    days = shard.keys() if after is None else shard.keys(min=after[0])
    for day in days:
        keys = shard[day]
        if after is not None and day == after[0]:
            found = keys.keys(min=after[1], excludemin=True)
        else:
            found = keys.keys()
        for key in found:
            yield day, key


def _days_descending(
    shard: LOBTree, before: tuple[int, int] | None
) -> Iterator[tuple[int, int]]:
    # Each step back is one O(log n) descent, as in _descending.
    day_bound = None if before is None else before[0]
    while True:
        try:
            day = shard.maxKey() if day_bound is None else shard.maxKey(day_bound)
        except ValueError:
            return
        same_day = before is not None and day == before[0]
        for key in _descending(shard[day], before[1] if same_day else None):
            yield day, key
        day_bound = day - 1


def merge_day_keys(
    indexes: Iterable[DayIndex],
    after: tuple[int, int] | None,
    descending: bool = False,
) -> Iterator[tuple[int, int]]:
    """Lazily merge ``(day, key)`` entries of several day indexes in order,
    strictly after the cursor ``after`` (before it, if ``descending``)."""
    walk = _days_descending if descending else _days_ascending
    iterators = [walk(shard, after) for index in indexes for shard in index._shards]
    return heapq.merge(*iterators, reverse=descending)


def merge_due_keys(
    pairs: Iterable[tuple[TimeIndex, DayIndex | None]],
    after: tuple[int, int] | None,
    descending: bool = False,
    *,
    dated: TimeIndex,
    undated: int,
) -> Iterator[tuple[int, int]]:
    """Lazily merge ``(day, key)`` entries, strictly after ``after`` (before
    it, if ``descending``), of pairs of a creation-order index and a day
    index of those of its keys that are in ``dated``: the others are
    entries of the day ``undated``, a day after every other.

    Why: most requests have no due date (most procedures set no delay);
    keeping them in the day indexes too cost every filing four index
    writes for an order their creation-order indexes already give.
    """
    pairs = list(pairs)
    by_day = merge_day_keys([d for _, d in pairs if d is not None], after, descending)
    if after is None or after[0] == undated:
        bound = None if after is None else after[1]
        without_day = _undated_keys(pairs, dated, bound, descending)
    elif descending:  # before a dated entry: no undated one
        without_day = iter(())
    else:  # after a dated entry: every undated one
        without_day = _undated_keys(pairs, dated, None, descending)
    entries = ((undated, key) for key in without_day)
    return chain(entries, by_day) if descending else chain(by_day, entries)


def _undated_keys(
    pairs: list[tuple[TimeIndex, DayIndex | None]],
    dated: TimeIndex,
    after: int | None,
    descending: bool,
) -> Iterator[int]:
    walks = []
    for keys, by_day in pairs:
        held = 0 if by_day is None else len(by_day)
        if held == 0:
            walks.append(keys.keys(after, descending))
        elif held < len(keys):
            walks.append(filterfalse(dated.__contains__, keys.keys(after, descending)))
    return heapq.merge(*walks, reverse=descending)
