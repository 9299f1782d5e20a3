"""The change feed: submissions in the order their changes were committed.

Back offices pull "everything created or changed since my cursor". A cursor
made of timestamps taken inside transactions skips a submission whose
transaction took its timestamp first but committed last. ZODB transaction
ids (tids) have no such flaw: they grow in commit order, so a reader that
resumes after the last tid it saw can never skip what commits meanwhile.

A transaction does not know its tid before it commits, so a change is first
written to the *open slot* of the moment (sharded sets of submission keys:
writers do not conflict). Once a slot is a full period old, the *settling
step* (a background thread per site and process, :data:`FEED`, woken by the
commit of any change) *closes* it and moves its entries to a tid-ordered
index, where each entry is keyed by the tid the submission was committed
with (its ``_p_serial``). Writers read their slot as current, so one still
writing into a slot that gets closed conflicts and is retried into an open
slot: nothing is lost. Readers merge the index with the open slots (a few
seconds of changes): a page costs the same whether or not anyone filed
since a burst.
"""

from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet import outbox_worker
from imio.guichet.storage import IntToInt
from imio.guichet.storage import note_in_slot
from imio.guichet.storage import settle_slots
from imio.guichet.storage import Slot  # noqa: F401 (slots stored before 1026 name feed.Slot)
from imio.guichet.submissions import search
from imio.guichet.submissions.storage import STORE_KEY
from imio.guichet.submissions.storage import Submission
from persistent import Persistent
from ZODB.POSException import ConflictError
from ZODB.utils import p64
from ZODB.utils import u64
from ZODB.utils import z64
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite

import heapq
import time


#: Length of a slot, in seconds: a change is settled two to three slots
#: after it was noted, and a writer's clock may lag the settler's by up to
#: a slot. Readers load every change still in an open slot, so short slots
#: keep pages fast right after a burst.
SLOT_SECONDS = 2

#: Slots the settling step creates ahead, so that writers during a burst
#: (almost) never create one (which would conflict with that step). Only
#: when settling: an idle site writes nothing.
SLOTS_AHEAD = 3

#: A change: (the tid it was committed with, the submission's key).
Change = tuple[int, int]


def clock() -> float:
    """Now, in seconds (tests replace it)."""
    return time.time()


def committed_change(submission: Submission, key: int) -> Change | None:
    """The submission's last committed change, or None while it is changed
    in the current transaction."""
    submission._p_activate()
    if submission._p_changed or submission._p_serial == z64:
        return None
    return u64(submission._p_serial), key


class _ChangeSet(OOTreeSet):
    # Keys are 16 bytes: the tid, then the submission key, both big-endian,
    # so that byte order is (tid, key) order. Written by the settling step
    # only, a slot's worth at a time, always at its end: a slot of a few
    # changes (most of the day) rewrites the last bucket, ~0.7 KB at this
    # size (it was 120: 2 KB), and a busy one fills buckets whatever the
    # size (measured with bench/bench_bytes.py --rate 1 and 100).
    max_leaf_size = 40


def _packed(change: Change) -> bytes:
    return p64(change[0]) + p64(change[1])


def _unpacked(packed: bytes) -> Change:
    return u64(packed[:8]), u64(packed[8:])


class ChangeLog(Persistent):
    """One feed (the site's, or a procedure's)."""

    def __init__(self):
        self._slots = OOBTree()  # slot number -> Slot
        self._logged = IntToInt()  # submission key -> tid of its entry in _log
        self._log = _ChangeSet()  # packed changes, one per submission

    # -- writing ------------------------------------------------------------

    def note(self, key: int, store) -> None:
        """The submission of key ``key`` changes in the current transaction."""
        note_in_slot(self._slots, int(clock() // SLOT_SECONDS), key)
        site = getSite()
        if store._p_jar is not None and getattr(site, "_p_jar", None) is not None:
            outbox_worker.wake_after_commit(FEED, site)

    def settle(self, store, now: float) -> None:
        """Close the slots that are a full period old and index their
        changes; while changes come, prepare the slots ahead (once they stop,
        the last slots are closed and nothing more is written)."""
        settle_slots(
            self._slots,
            int(now // SLOT_SECONDS),
            SLOTS_AHEAD,
            lambda key: self._index(store, key),
        )

    def _index(self, store, key: int) -> None:
        # A deleted submission's change is its tombstone's.
        submission = store.changed_by_key(key)
        change = None if submission is None else committed_change(submission, key)
        if change is not None:
            self.log_settled(change)

    def log_settled(self, change: Change) -> None:
        """Index a committed change, in place of the submission's earlier one."""
        tid, key = change
        previous = self._logged.get(key)
        if previous == tid:
            return
        if previous is not None:
            self._log.remove(_packed((previous, key)))
        self._log.insert(_packed(change))
        self._logged[key] = tid

    def needs_settling(self, now: float) -> bool:
        """Whether a slot is old enough to close (empty ones too)."""
        return (
            bool(self._slots) and self._slots.minKey() <= int(now // SLOT_SECONDS) - 2
        )

    def unsettled(self, now: float) -> tuple[int, float | None]:
        """How many changes wait in open slots, and how long ago the oldest
        of those slots began (seconds; None when none waits)."""
        count, oldest = 0, None
        for number, slot in self._slots.items():
            waiting = sum(1 for _key in slot)
            if waiting:
                count += waiting
                if oldest is None:
                    oldest = max(0.0, now - number * SLOT_SECONDS)
        return count, oldest

    def next_settling(self, now: float) -> float | None:
        """When the oldest slot holding changes may be closed (seconds since
        the epoch), None when no slot holds any."""
        for number, slot in self._slots.items():
            if slot:
                return max(now, (number + 2) * SLOT_SECONDS)
        return None

    # -- reading ------------------------------------------------------------

    def changes_after(self, store, after: Change | None) -> Iterator[Change]:
        """Changes in commit order, strictly after ``after``: lazy over the
        index, plus the changes of the open slots."""
        open_keys = {key for slot in self._slots.values() for key in slot}
        committed = (
            committed_change(submission, key)
            for key in open_keys
            if (submission := store.changed_by_key(key)) is not None
        )
        recent = sorted(
            change
            for change in committed
            if change is not None and (after is None or change > after)
        )
        start = None if after is None else _packed(after)
        packed = (
            self._log.keys()
            if start is None
            else self._log.keys(start, excludemin=True)
        )
        indexed = (
            change
            for change in map(_unpacked, packed)
            # A submission changed again is in a slot: its old entry is stale.
            if change[1] not in open_keys
        )
        return heapq.merge(indexed, recent)


def settle_feeds(store, now: float) -> None:
    """Settle every feed of ``store`` that needs it, and the search index's
    backlog (in the current transaction)."""
    for feed in store.feeds():
        if feed.needs_settling(now):
            feed.settle(store, now)
    search.settle(store, now)


def _needs_settling(store, now: float) -> bool:
    return search.needs_settling(store, now) or any(
        feed.needs_settling(now) for feed in store.feeds()
    )


def pending_changes(store) -> tuple[int, float | None]:
    """Changes not settled yet in the site's feed, and the age in seconds of
    the oldest slot holding any (None when none)."""
    feed = store._feeds.get("all") if store is not None else None
    return (0, None) if feed is None else feed.unsettled(clock())


# -- the settling step: a background thread per site and process ------------


def _store_of(site):
    return IAnnotations(site).get(STORE_KEY)


def _has_pending(site) -> bool:
    store = _store_of(site)
    if store is None:
        return False
    now = clock()
    return search.next_settling(store, now) is not None or any(
        feed.next_settling(now) is not None for feed in store.feeds()
    )


def _settle_due(site, commit, abort) -> datetime | None:
    store = _store_of(site)
    if store is None:
        return None
    now = clock()
    if _needs_settling(store, now):
        settle_feeds(store, now)
        site._p_jar.transaction_manager.get().note(SETTLING_NOTE)
        try:
            commit()
        except ConflictError:
            # Another instance's step, or a writer into a slot being
            # closed: the next pass, a second later, does it.
            abort()
            return datetime.now(UTC)
    upcoming = [
        due for feed in store.feeds() if (due := feed.next_settling(now)) is not None
    ]
    if (due := search.next_settling(store, now)) is not None:
        upcoming.append(due)
    if not upcoming and any(feed._slots for feed in store.feeds()):
        # Only empty slots are left: close them when they are old enough.
        upcoming = [now + 2 * SLOT_SECONDS]
    if not upcoming:
        return None
    return datetime.now(UTC) + timedelta(seconds=min(upcoming) - now)


#: The note of the settling step's transactions (what undo and the
#: database's tools show).
SETTLING_NOTE = "imio.guichet: settling the change feed"

FEED = outbox_worker.OutboxKind("feed", _has_pending, _settle_due)


def resume_settling(event) -> None:
    """On start-up, settle what the last run left in open slots."""
    outbox_worker.resume_pending(FEED, event)
