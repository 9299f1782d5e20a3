"""Persistent structures that hold the submissions of a site.

Submissions are data, not content: they are never catalogued and never
acquire anything from the site. They live in one :class:`SubmissionStore`
per site, designed for 100,000+ submissions:

* each submission is its own persistent record, so reading or changing one
  never loads or rewrites another;
* listings read ordered indexes with a cursor, so one page costs
  O(log n + page size) whatever the total;
* the submission path writes nothing that every submission shares: there
  is no counter, no list and no write to the procedure. The keys written
  are random (ids, references) or spread over shards (the ordered
  indexes), so concurrent submissions, even to one procedure, rarely touch
  the same BTree bucket, and when they do, BTrees' conflict resolution
  merges the inserts (a conflict remains only when both split the same
  bucket; Zope's publisher retries those).
"""

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from persistent import Persistent

import heapq
import zlib


#: Shards of the site-wide index, and of each per-procedure or per-state one.
#: Two concurrent inserts conflict only when they land in the same shard and
#: one of them splits its last bucket, so more shards mean fewer conflicts
#: but more iterators to merge when listing.
DEFAULT_SHARDS = 16


def sort_key(created: datetime, submission_id: str) -> str:
    """The key that orders submissions by creation time, then id.

    Microseconds since the epoch, zero-padded so that string order is time
    order; the id breaks ties between submissions of the same microsecond.
    """
    micros = int(created.timestamp() * 1_000_000)
    return f"{micros:017d}:{submission_id}"


def id_from_sort_key(key: str) -> str:
    return key.split(":", 1)[1]


class OrderedIndex(Persistent):
    """Sort keys of submissions in creation order, spread over shards.

    A key goes to the shard chosen by a hash of its submission id (random),
    so that concurrent inserts, which all carry "now" and would otherwise
    all land in the last bucket of one tree, are scattered.
    """

    def __init__(self, shards: int = DEFAULT_SHARDS):
        self._shards = tuple(OOTreeSet() for _ in range(shards))
        # BTrees.Length resolves concurrent increments instead of conflicting.
        self._length = Length()

    def _shard_for(self, key: str) -> OOTreeSet:
        submission_id = id_from_sort_key(key)
        return self._shards[zlib.crc32(submission_id.encode()) % len(self._shards)]

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


class Submission(Persistent):
    """One citizen's submission of a procedure's form.

    ``data`` holds JSON-compatible values only, validated against the form
    schema version ``schema_version`` of procedure ``procedure_uid``. It is
    replaced as a whole, never mutated in place, so that ZODB always sees a
    change and readers can never alter what is stored.
    """

    def __init__(
        self,
        *,
        submission_id: str,
        reference: str,
        procedure_uid: str,
        schema_version: int,
        data: dict,
        created: datetime,
        submitter: str | None,
        language: str | None = None,
    ):
        self.id = submission_id
        self.reference = reference
        self.procedure_uid = procedure_uid
        self.schema_version = schema_version
        self.data = data
        self.created = created
        self.modified = created
        self.state = "submitted"
        self.submitter = submitter
        self.language = language
        self.history = ()

    @property
    def sort_key(self) -> str:
        return sort_key(self.created, self.id)

    def add_event(self, event: dict) -> None:
        # A tuple, replaced as a whole: appending never mutates a shared list.
        self.history = (*self.history, event)

    def __repr__(self) -> str:
        return f"<Submission {self.reference} ({self.state})>"


def index_names(procedure_uid: str, state: str) -> tuple[str, ...]:
    """Names of the ordered indexes a submission belongs to."""
    return (
        "all",
        f"procedure:{procedure_uid}",
        f"state:{state}",
        f"procedure:{procedure_uid}:state:{state}",
    )


def index_name(procedure_uid: str | None, state: str | None) -> str:
    """Name of the one index that answers a (procedure, state) filter."""
    if procedure_uid and state:
        return f"procedure:{procedure_uid}:state:{state}"
    if procedure_uid:
        return f"procedure:{procedure_uid}"
    if state:
        return f"state:{state}"
    return "all"


class SubmissionStore(Persistent):
    """All submissions of one site, with their lookup and order indexes."""

    def __init__(self):
        self._submissions = OOBTree()  # id -> Submission
        self._references = OOBTree()  # reference -> id
        self._indexes = OOBTree()  # index name -> OrderedIndex

    # -- writing ----------------------------------------------------------

    def add(self, submission: Submission) -> None:
        if submission.id in self._submissions:
            raise KeyError(f"Duplicate submission id {submission.id}")
        if submission.reference in self._references:
            raise KeyError(f"Duplicate reference {submission.reference}")
        self._submissions[submission.id] = submission
        self._references[submission.reference] = submission.id
        for name in index_names(submission.procedure_uid, submission.state):
            self._index(name, create=True).insert(submission.sort_key)

    def reference_taken(self, reference: str) -> bool:
        return reference in self._references

    def change_state(self, submission: Submission, new_state: str) -> None:
        """Move a submission to another state, keeping the indexes in step."""
        key = submission.sort_key
        old = set(index_names(submission.procedure_uid, submission.state))
        new = set(index_names(submission.procedure_uid, new_state))
        for name in old - new:
            self._index(name).remove(key)
        for name in new - old:
            self._index(name, create=True).insert(key)
        submission.state = new_state

    def _index(self, name: str, create: bool = False) -> OrderedIndex | None:
        index = self._indexes.get(name)
        if index is None and create:
            index = self._indexes[name] = OrderedIndex()
        return index

    # -- reading ----------------------------------------------------------

    def get(self, submission_id: str) -> Submission | None:
        return self._submissions.get(submission_id)

    def by_reference(self, reference: str) -> Submission | None:
        submission_id = self._references.get(reference)
        return None if submission_id is None else self._submissions[submission_id]

    def count(self, procedure_uid: str | None = None, state: str | None = None) -> int:
        index = self._index(index_name(procedure_uid, state))
        return 0 if index is None else len(index)

    def iter_keys(
        self,
        procedure_uids: Iterable[str] | None,
        state: str | None,
        after: str | None,
    ) -> Iterator[str]:
        """Sort keys in creation order, filtered, strictly after ``after``.

        ``procedure_uids=None`` means every procedure; an empty iterable
        means none.
        """
        if procedure_uids is None:
            names = [index_name(None, state)]
        else:
            names = [index_name(uid, state) for uid in procedure_uids]
        indexes = [i for i in (self._index(n) for n in names) if i is not None]
        return merge_keys(indexes, after)

    def __len__(self) -> int:
        return self.count()
