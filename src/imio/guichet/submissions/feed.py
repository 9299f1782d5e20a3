"""The change feed: submissions in the order their changes were committed.

Back offices pull "everything created or changed since my cursor". A cursor
made of timestamps taken inside transactions skips a submission whose
transaction took its timestamp first but committed last. ZODB transaction
ids (tids) have no such flaw: they grow in commit order, so a reader that
resumes after the last tid it saw can never skip what commits meanwhile.

A transaction does not know its tid before it commits, so a change is first
written to the *open slot* of the moment (a sharded map keyed by the random
submission id: writers do not conflict). Once a slot is a full period old,
a small transaction run after some later commit *closes* it and moves its
entries to a tid-ordered index, where each entry is keyed by the tid the
submission was committed with (its ``_p_serial``). Writers read their slot
as current, so one still writing into a slot that gets closed conflicts and
is retried into an open slot: nothing is lost. Readers merge the index with
the open slots (a couple of periods of changes).
"""

from BTrees.OOBTree import OOBTree
from collections.abc import Iterator
from imio.guichet.storage import id_from_sort_key
from imio.guichet.storage import OrderedIndex
from imio.guichet.storage import ShardedMap
from imio.guichet.submissions.storage import Submission
from persistent import Persistent
from ZODB.POSException import ConflictError
from ZODB.utils import z64

import heapq
import logging
import time
import transaction


logger = logging.getLogger(__name__)

#: Length of a slot, in seconds: the delay before a change is settled, and
#: how far a writer's clock may lag behind the settler's. Readers load every
#: change still in an open slot (two or three slots' worth), so short slots
#: keep pages fast under load (bench: 68,000 open entries cost ~5 s a page).
SLOT_SECONDS = 10

#: Slots created ahead, so that writers (almost) never create one.
SLOTS_AHEAD = 5


def clock() -> float:
    """Now, in seconds (tests replace it)."""
    return time.time()


def committed_change_key(submission: Submission) -> str | None:
    """``"<tid>:<id>"`` of the submission's last committed change, or None
    while it is changed in the current transaction."""
    submission._p_activate()
    if submission._p_changed or submission._p_serial == z64:
        return None
    return f"{submission._p_serial.hex()}:{submission.id}"


class Slot(Persistent):
    """Changes noted during one period, until settled."""

    closed = False

    def __init__(self):
        self.entries = ShardedMap()  # submission id -> None


class ChangeLog(Persistent):
    """One feed (the site's, or a procedure's)."""

    def __init__(self):
        self._slots = OOBTree()  # slot number -> Slot
        self._logged = ShardedMap()  # submission id -> its key in _log
        self._log = OrderedIndex()  # "<tid>:<id>", one per submission

    # -- writing ------------------------------------------------------------

    def note(self, submission: Submission, store) -> None:
        """The submission changes in the current transaction."""
        slot = self._open_slot(int(clock() // SLOT_SECONDS))
        if slot._p_jar is not None:
            # Closing the slot concurrently must make this commit conflict.
            slot._p_jar.readCurrent(slot)
        slot.entries[submission.id] = None
        jar = store._p_jar
        if jar is not None:
            jar.transaction_manager.get().addAfterCommitHook(
                _settle_after_commit, (self, store)
            )

    def _open_slot(self, number: int) -> Slot:
        # The slot of the moment, or the next open one when a lagging clock
        # points at a slot already closed.
        for candidate in self._slots.values(min=number):
            if not candidate.closed:
                return candidate
        last = self._slots.maxKey() if self._slots else number - 1
        slot = self._slots[max(number, last + 1)] = Slot()
        return slot

    def settle(self, store, now: float) -> None:
        """Close the slots that are a full period old; index their changes;
        prepare the slots ahead."""
        current = int(now // SLOT_SECONDS)
        for number in list(self._slots.keys(max=current - 2)):
            slot = self._slots[number]
            slot.closed = True
            _read_current(slot.entries)
            for submission_id in slot.entries:
                self._index(store, submission_id)
            del self._slots[number]
        for number in range(current, current + SLOTS_AHEAD + 1):
            if number not in self._slots:
                self._slots[number] = Slot()

    def _index(self, store, submission_id: str) -> None:
        key = committed_change_key(store.get(submission_id))
        if key is None:
            return
        previous = self._logged.get(submission_id)
        if previous == key:
            return
        if previous is not None:
            self._log.remove(previous)
        self._log.insert(key)
        self._logged[submission_id] = key

    def needs_settling(self, now: float) -> bool:
        if not self._slots:
            return True
        current = int(now // SLOT_SECONDS)
        return self._slots.minKey() <= current - 2 or (
            self._slots.maxKey() < current + SLOTS_AHEAD
        )

    # -- reading ------------------------------------------------------------

    def keys_after(self, store, after: str | None) -> Iterator[str]:
        """Change keys in commit order, strictly after ``after``: lazy over
        the index, plus the changes of the open slots."""
        open_ids = {
            submission_id
            for slot in self._slots.values()
            for submission_id in slot.entries
        }
        recent = sorted(
            key
            for key in (committed_change_key(store.get(i)) for i in open_ids)
            if key is not None and (after is None or key > after)
        )
        indexed = (
            key
            for key in self._log.keys(after)
            # A submission changed again is in a slot: its old entry is stale.
            if id_from_sort_key(key) not in open_ids
        )
        return heapq.merge(indexed, recent)


def _read_current(entries: ShardedMap) -> None:
    # A writer that committed into this slot after this settler's snapshot
    # must make the settler conflict, or its entry would be dropped with the
    # slot: check every node the entries live in (root and leaves: a
    # minute's changes never need deeper trees).
    jar = entries._p_jar
    if jar is None:
        return
    for tree in entries._shards:
        jar.readCurrent(tree)
        bucket = tree._firstbucket
        while bucket is not None:
            if bucket._p_jar is not None:
                jar.readCurrent(bucket)
            bucket = bucket._next


def _settle_after_commit(committed: bool, feed: ChangeLog, store) -> None:
    # Off the citizen's path: the request has committed already.
    now = clock()
    if not committed or feed._p_oid is None or not feed.needs_settling(now):
        return
    manager = transaction.TransactionManager()
    connection = store._p_jar.db().open(transaction_manager=manager)
    try:
        manager.begin()
        connection.get(feed._p_oid).settle(connection.get(store._p_oid), now)
        manager.commit()
    except ConflictError:
        # Another settler did it; a later one will if not.
        manager.abort()
    except Exception:
        manager.abort()
        logger.exception("Could not settle the change feed")
    finally:
        connection.close()
