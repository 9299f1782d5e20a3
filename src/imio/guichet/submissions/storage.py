"""Persistent structures that hold the submissions of a site.

Submissions are data, not content: they are never catalogued and never
acquire anything from the site. They live in one :class:`SubmissionStore`
per site, designed for 100,000+ submissions:

* each submission is its own persistent record, so reading or changing one
  never loads or rewrites another;
* listings read ordered indexes with a cursor, so one page costs
  O(log n + page size) whatever the total, oldest or newest first;
* what a filing writes is small: every tree it touches is keyed by 64-bit
  integers (a submission's *key*: its creation time, to the microsecond,
  and random bits) with small buckets, and the submission's id starts with
  its key, so that no id -> submission map has to be written;
* the submission path writes nothing that every submission shares: there
  is no counter (lengths are ``BTrees.Length``, which merges concurrent
  changes), no list and no write to the procedure.

The sharded trees and ordered indexes they are made of, and why they are
sharded, are in :mod:`imio.guichet.storage`.
"""

from BTrees.OOBTree import OOBTree
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import date
from datetime import datetime
from datetime import timedelta
from imio.guichet.storage import CompactRecord
from imio.guichet.storage import DayIndex
from imio.guichet.storage import EPOCH
from imio.guichet.storage import IntToInt
from imio.guichet.storage import IntToObject
from imio.guichet.storage import merge_day_keys
from imio.guichet.storage import merge_due_keys
from imio.guichet.storage import merge_time_keys
from imio.guichet.storage import SALT_BITS
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import text_hash
from imio.guichet.storage import TextToInt
from imio.guichet.storage import time_key
from imio.guichet.storage import TimeIndex
from imio.guichet.submissions.search import Backlog
from imio.guichet.submissions.states import INITIAL_STATE
from persistent import Persistent
from plone.keyring.keyring import Keyring

import heapq
import re
import secrets
import zlib


#: The site annotation that holds the :class:`SubmissionStore`.
STORE_KEY = "imio.guichet.submissions"

#: What a submission id looks like: 32 lower-case hex digits.
SUBMISSION_ID = re.compile(r"^[0-9a-f]{32}\Z")


def new_submission_id(key: int) -> str:
    """The id of a new submission of key ``key``: the key in 16 hex digits,
    then 64 random bits (ids are in URLs: they must not be guessable)."""
    return f"{key:016x}{secrets.token_hex(8)}"


def key_from_id(submission_id: str) -> int | None:
    """The key a submission id starts with (None if it is not an id). Ids
    of submissions filed before keys existed start with random digits:
    the store maps those (see :meth:`SubmissionStore.key_of_id`)."""
    if not SUBMISSION_ID.match(submission_id):
        return None
    return int(submission_id[:16], 16) & ((1 << 63) - 1)


def derived_key(created: datetime, submission_id: str) -> int:
    """The key of a submission whose id does not carry one (filed before
    keys existed, or made by a script): from its creation and its id."""
    return time_key(created, zlib.crc32(submission_id.encode()))


class Submission(CompactRecord):
    """One citizen's submission of a procedure's form.

    ``data`` holds JSON-compatible values only, validated against the form
    schema version ``schema_version`` of procedure ``procedure_uid``. It is
    replaced as a whole, never mutated in place, so that ZODB always sees a
    change and readers can never alter what is stored.

    Written as a compact record (:class:`~imio.guichet.storage.CompactRecord`).
    """

    RECORD = (
        "id",
        "key",
        "reference",
        "procedure_uid",
        "schema_version",
        "data",
        "created",
        "modified",
        "state",
        "submitter",
        "submitter_key",
        "language",
        "history",
        "acknowledgement",
        "attachments",
        "search_terms",
        "request",
        "verified_identity",
        "prefill_sources",
        "assignee",
        "due",
        "legal_hold",
        "anonymised",
    )
    RECORD_TIMES = frozenset({"created", "modified"})

    #: Its place in every index (see :func:`~imio.guichet.storage.time_key`);
    #: None for submissions filed before keys existed (the store knows theirs).
    key = None
    #: What the request that filed it with an Idempotency-Key was (scope,
    #: fingerprint, submitter, draft, date), to recognise a retry; or None.
    request = None
    #: Filed by a citizen whose identity a provider verified: which
    #: provider, the level, when, and the authentic national register
    #: number and names (identities.VerifiedIdentity.record); else None.
    verified_identity = None
    #: Where the values of authentic sources came from, by field name:
    #: source, its title, status (verified, corrected, unverified) and why
    #: not verified (prefill.api.provenance); None when no source was asked.
    prefill_sources = None
    #: The principal (user or group id) the request is assigned to, or None.
    assignee = None
    #: The last day to decide (a ``date``), from the procedure's processing
    #: delay; None when the procedure sets none.
    due = None
    #: A legal hold (who, when, why): never purged while set; else None.
    legal_hold = None
    #: When its personal data was removed (imio.guichet.retention): who,
    #: when, why; None while it holds them.
    anonymised = None
    #: The terms it is found by in the search index (see search.py), as
    #: they were indexed; None until it was indexed.
    search_terms = None

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
        submitter_key: str | None = None,
        language: str | None = None,
        key: int | None = None,
    ):
        if created.tzinfo is None:
            raise ValueError("created must be an aware datetime")
        self.id = submission_id
        if key is not None:
            self.key = key
        self.reference = reference
        self.procedure_uid = procedure_uid
        self.schema_version = schema_version
        self.data = data
        self.created = created
        self.modified = created
        self.state = INITIAL_STATE
        self.submitter = submitter
        #: The identity key of the submitter's account (see
        #: imio.guichet.identities): kept when the account is deleted and
        #: ``submitter`` cleared, for the record.
        self.submitter_key = submitter_key
        self.language = language
        self.history = ()
        #: Set once by the first back office that takes it: who, when, and
        #: its own reference for it.
        self.acknowledgement = None
        #: Field name -> attachments.Attachment (its blob), replaced as a
        #: whole. None: no file.
        self.attachments = None

    @property
    def revision(self) -> int:
        """Grows with every change (each change adds a history event)."""
        return len(self.history)

    def add_event(self, event: dict) -> None:
        # A tuple, replaced as a whole: appending never mutates a shared list.
        self.history = (*self.history, event)

    def __repr__(self) -> str:
        return f"<Submission {self.reference} ({self.state})>"


#: The day of a submission without a due date, in due-date order: after
#: every day. Such submissions are in no due-date index (see
#: :func:`~imio.guichet.storage.merge_due_keys`).
NO_DUE = date.max.toordinal()


def due_day(submission: Submission) -> int:
    """A submission's place in the due-date indexes (a day's ordinal)."""
    return NO_DUE if submission.due is None else submission.due.toordinal()


def index_names(
    procedure_uid: str, state: str, assignee: str | None = None
) -> tuple[str, ...]:
    """Names of the ordered indexes a submission belongs to (the same names
    in the creation-order and the due-date families)."""
    names = (
        "all",
        f"procedure:{procedure_uid}",
        f"state:{state}",
        f"procedure:{procedure_uid}:state:{state}",
    )
    if assignee:
        names += (f"assignee:{assignee}", f"assignee:{assignee}:state:{state}")
    return names


def listing_index_names(
    procedure_uids: Iterable[str] | None,
    state: str | None,
    unacknowledged: bool = False,
    assignees: Iterable[str] | None = None,
) -> list[str]:
    """The indexes whose merge lists what a filter asks for. With
    ``assignees``, the assignees' indexes (the procedures are then checked
    on each submission read: an assignee handles few procedures)."""
    if assignees is not None:
        if unacknowledged:
            raise ValueError("assignee and unacknowledged filters do not combine")
        suffix = f":state:{state}" if state else ""
        return [f"assignee:{principal}{suffix}" for principal in assignees]
    if procedure_uids is None:
        return [index_name(None, state, unacknowledged)]
    return [index_name(uid, state, unacknowledged) for uid in procedure_uids]


def unacknowledged_index_names(procedure_uid: str) -> tuple[str, ...]:
    """Indexes of submissions that no back office acknowledged yet."""
    return (index_name(None, None, True), index_name(procedure_uid, None, True))


def index_name(
    procedure_uid: str | None, state: str | None, unacknowledged: bool = False
) -> str:
    """Name of the one index that answers a (procedure, state) filter, or a
    (procedure, not acknowledged) one."""
    if unacknowledged:
        if state:
            raise ValueError("state and unacknowledged filters do not combine")
        if procedure_uid:
            return f"procedure:{procedure_uid}:unacknowledged"
        return "unacknowledged"
    if procedure_uid and state:
        return f"procedure:{procedure_uid}:state:{state}"
    if procedure_uid:
        return f"procedure:{procedure_uid}"
    if state:
        return f"state:{state}"
    return "all"


class Tombstone(Persistent):
    """What is left of a deleted submission, for the change feed: its id,
    reference and procedure (no personal data), and when it was deleted."""

    deleted = True

    def __init__(self, submission: Submission, when: datetime):
        self.id = submission.id
        self.reference = submission.reference
        self.procedure_uid = submission.procedure_uid
        self.state = submission.state
        self.deleted_at = when

    def __repr__(self) -> str:
        return f"<Tombstone {self.reference}>"


class SubmissionStore(Persistent):
    """All submissions of one site, with their lookup and order indexes.

    Indexes hold submission keys (integers); ``_submissions`` maps a key to
    its submission. A submission's id starts with its key, except for
    submissions filed before keys existed, whose ids are in ``_other_ids``.
    """

    #: Made by the upgrade to 1016 in stores made before.
    _search = None
    #: Made by the upgrade to 1026 in stores made before (without it,
    #: filings enter the search trees at once).
    _search_backlog = None
    #: Made by the upgrade to 1029 in stores made before (without it, the
    #: due-date indexes hold every submission, those without a due date
    #: on the day after every day).
    _dated = None

    def __init__(self):
        self._submissions = ShardedMap(tree=IntToObject)  # key -> Submission
        # text_hash(reference) -> key (the submission found says whether
        # it is that reference: hashes may collide).
        self._references = ShardedMap(tree=IntToInt)
        # Ids that do not start with their submission's key -> key.
        self._other_ids = TextToInt()
        # Index name -> TimeIndex; written only when a procedure gets its
        # first submission in a state.
        self._indexes = OOBTree()
        # text_hash("<procedure uid>:<Idempotency-Key>") -> key of what the
        # first request filed (its ``request`` says which request it was).
        self._requests = ShardedMap(tree=IntToInt)
        # What requests with an Idempotency-Key filed before keys existed
        # (scope -> dict with the id): set by the upgrade to 1004 only.
        self._earlier_requests = None
        # Feed name ("all", "procedure:<uid>") -> feed.ChangeLog.
        self._feeds = OOBTree()
        # Submitter's identity key (imio.guichet.identities, never the
        # reusable login) -> TimeIndex of their submissions ("My
        # requests"); sharded by key: a citizen's first submission writes
        # one shard, not a tree every submission shares.
        self._by_submitter = ShardedMap()
        # Index name (as ``_indexes``) -> DayIndex of those of its
        # submissions that have a due date (see :func:`due_day`); the
        # others are read from ``_indexes`` in due-date order.
        self._due_indexes = OOBTree()
        # The keys of the submissions that have a due date.
        self._dated = TimeIndex()
        # Key -> Tombstone of each deleted submission (the feed tells back
        # offices of the deletion), since 1013.
        self._tombstones = ShardedMap(tree=IntToObject)
        # Procedure uid -> search.TermTree: term -> the keys of the
        # submissions that hold it (see search.py).
        self._search = OOBTree()
        # Filings whose terms wait to enter the trees (search.Backlog).
        self._search_backlog = Backlog()
        #: The keys of the tracking links (see tracking.py): the current one
        #: signs, the previous ones still open the links already sent.
        self.tracking_keys = Keyring()
        self.tracking_keys.fill()

    # -- keys -------------------------------------------------------------

    def new_key(self, created: datetime) -> int:
        """A key for a submission created at ``created`` that no stored
        submission has. Two concurrent transactions drawing the same key
        both insert it: ZODB refuses the second commit, which is retried."""
        while True:
            key = time_key(created, secrets.randbits(SALT_BITS))
            if key not in self._submissions:
                return key

    def key_of(self, submission: Submission) -> int:
        if submission.key is not None:
            return submission.key
        return self._other_ids[submission.id]

    def key_of_id(self, submission_id: str) -> int | None:
        """The key of the stored submission with this id, or None."""
        key = key_from_id(submission_id)
        if key is None:
            return None
        found = self._submissions.get(key)
        if found is not None and found.id == submission_id:
            return key
        return self._other_ids.get(submission_id)

    # -- the change feed --------------------------------------------------

    def note_change(self, submission: Submission) -> None:
        """Put the submission at the end of the change feeds."""

        self._note_key(self.key_of(submission), submission.procedure_uid)

    def _note_key(self, key: int, procedure_uid: str) -> None:
        from imio.guichet.submissions.feed import ChangeLog  # feed imports us

        for name in ("all", f"procedure:{procedure_uid}"):
            feed = self._feeds.get(name)
            if feed is None:
                feed = self._feeds[name] = ChangeLog()
            feed.note(key, self)

    def changes_after(
        self, procedure_uids: Iterable[str] | None, after: tuple[int, int] | None
    ) -> Iterator[tuple[int, int]]:
        """Changes ``(tid, key)`` in commit order after ``after``."""
        names = (
            ["all"]
            if procedure_uids is None
            else [f"procedure:{uid}" for uid in procedure_uids]
        )
        found = (self._feeds.get(name) for name in names)
        feeds = [feed for feed in found if feed is not None]
        return heapq.merge(*(feed.changes_after(self, after) for feed in feeds))

    def feeds(self) -> list:
        """Every change feed of the site (for the settling step)."""
        return list(self._feeds.values())

    # -- requests with an Idempotency-Key -----------------------------------

    def remember_request(self, submission: Submission, request: dict) -> None:
        """Keep what a request with an idempotency key (``request["scope"]``)
        filed: ``submission``.

        Two concurrent requests with the same key write the same BTree key:
        ZODB refuses the second commit, and its retry finds the first one's.
        """
        submission.request = request
        self._requests[text_hash(request["scope"])] = self.key_of(submission)

    def remembered_request(self, scope: str) -> tuple[Submission, dict] | None:
        """The submission filed by the request of this scope, and what that
        request was; None if none."""
        key = self._requests.get(text_hash(scope))
        submission = None if key is None else self._submissions.get(key)
        if submission is not None and (submission.request or {}).get("scope") == scope:
            return submission, submission.request
        # Kept from before keys existed (see upgrades/v1004.py).
        earlier = self._earlier_requests.get(scope) if self._earlier_requests else None
        if earlier is not None and (found := self.get(earlier["id"])) is not None:
            return found, earlier
        return None

    # -- writing ----------------------------------------------------------

    def add(self, submission: Submission) -> None:
        key = submission.key
        if key is None:  # made by a script or a test, or before keys
            key = derived_key(submission.created, submission.id)
            while key in self._submissions:
                key += 1
        if key in self._submissions:
            raise KeyError(f"Duplicate submission key {key}")
        if self.reference_taken(submission.reference):
            raise KeyError(f"Duplicate reference {submission.reference}")
        if self.key_of_id(submission.id) is not None:
            raise KeyError(f"Duplicate submission id {submission.id}")
        self._submissions[key] = submission
        if key_from_id(submission.id) != key:
            self._other_ids[submission.id] = key
        self._references[text_hash(submission.reference)] = key
        self._index_new(submission, key)
        self.note_change(submission)

    def _index_new(self, submission: Submission, key: int) -> None:
        day = due_day(submission)
        self._note_due(key, day)
        for name in _names_of(submission):
            self._index(name, create=True).insert(key)
            self._index_due(name, day, key)
        if submission.acknowledgement is None:
            for name in unacknowledged_index_names(submission.procedure_uid):
                self._index(name, create=True).insert(key)
        self.index_submitter(submission, key)

    def index_submitter(self, submission: Submission, key: int) -> None:
        """List the submission in its submitter's "My requests"."""
        if submission.submitter is None:  # filed anonymously
            return
        # Filing always records the identity key; a submission made without
        # one (by a script) is listed under its login.
        owner = submission.submitter_key or submission.submitter
        index = self._by_submitter.get(owner)
        if index is None:
            index = self._by_submitter[owner] = TimeIndex(shards=1)
        index.insert(key)

    def detach_submitter(self, submitter_key: str) -> list[Submission]:
        """The account of ``submitter_key`` is gone: its submissions lose
        their submitter (the key stays, for the record) and leave its
        "My requests" index. Returns them."""
        index = self._by_submitter.pop(submitter_key)
        if index is None:
            return []
        detached = []
        for key in index:
            submission = self._submissions.get(key)
            if submission is not None:
                submission.submitter = None
                detached.append(submission)
        return detached

    def forget_submitter(self, submission: Submission) -> None:
        """Take the submission out of its submitter's "My requests" and
        forget the request that filed it (its submitter, its draft): the
        first step of removing its personal data."""
        key = self.key_of(submission)
        owner = submission.submitter_key or submission.submitter
        index = self._by_submitter.get(owner) if owner else None
        if index is not None:
            index.remove(key)
        request = submission.request
        if request and request.get("scope"):
            scope = text_hash(request["scope"])
            if self._requests.get(scope) == key:
                self._requests.pop(scope)
        submission.request = None

    def remove(self, submission: Submission, when: datetime) -> Tombstone:
        """Delete the submission from the store and every index of it,
        leaving a :class:`Tombstone` in the change feed. Its attachments
        (blobs) go with it: nothing refers to them any more, and the
        database's next pack removes their files."""
        key = self.key_of(submission)
        self.forget_submitter(submission)
        day = due_day(submission)
        names = set(_names_of(submission)) | set(
            unacknowledged_index_names(submission.procedure_uid)
        )
        for name in names:
            index = self._index(name)
            if index is not None:
                index.remove(key)
            self._unindex_due(name, day, key)
        self._note_due(key, NO_DUE)
        reference = text_hash(submission.reference)
        if self._references.get(reference) == key:
            self._references.pop(reference)
        self._submissions.pop(key)
        tombstone = self._tombstones[key] = Tombstone(submission, when)
        self._note_key(key, submission.procedure_uid)
        return tombstone

    def tombstone_key(self, submission_id: str) -> int | None:
        """The key of the deleted submission with this id, or None."""
        if not isinstance(submission_id, str):
            return None
        for key in (key_from_id(submission_id), self._other_ids.get(submission_id)):
            found = None if key is None else self._tombstones.get(key)
            if found is not None and found.id == submission_id:
                return key
        return None

    def changed_by_key(self, key: int) -> "Submission | Tombstone | None":
        """What the change feed shows for a key: the submission, or the
        tombstone of a deleted one."""
        found = self._submissions.get(key)
        return found if found is not None else self._tombstones.get(key)

    def mark_acknowledged(self, submission: Submission, acknowledgement: dict) -> None:
        """Record that a back office took the submission (once)."""
        submission.acknowledgement = acknowledgement
        key = self.key_of(submission)
        for name in unacknowledged_index_names(submission.procedure_uid):
            index = self._index(name)
            if index is not None:
                index.remove(key)
        self.note_change(submission)

    def reference_taken(self, reference: str) -> bool:
        """Whether a new submission may not take this reference (another
        one has it, or a reference of the same hash)."""
        return text_hash(reference) in self._references

    def change_state(self, submission: Submission, new_state: str) -> None:
        """Move a submission to another state, keeping the indexes in step."""
        old = _names_of(submission)
        new = index_names(submission.procedure_uid, new_state, submission.assignee)
        self._move(submission, old, new)
        submission.state = new_state
        self.note_change(submission)

    def assign(self, submission: Submission, assignee: str | None) -> None:
        """Assign the submission to a principal (None: to nobody), keeping
        the indexes in step."""
        old = _names_of(submission)
        new = index_names(submission.procedure_uid, submission.state, assignee)
        self._move(submission, old, new)
        submission.assignee = assignee
        self.note_change(submission)

    def set_due(self, submission: Submission, due: date | None) -> None:
        """Give the submission a new due date (None: none)."""
        key, old_day = self.key_of(submission), due_day(submission)
        new_day = NO_DUE if due is None else due.toordinal()
        submission.due = due
        if new_day == old_day:
            return
        self._note_due(key, new_day)
        for name in _names_of(submission):
            self._unindex_due(name, old_day, key)
            self._index_due(name, new_day, key)

    def _move(
        self, submission: Submission, old: Iterable[str], new: Iterable[str]
    ) -> None:
        """Take the submission out of the indexes ``old`` and into ``new``."""
        key, day = self.key_of(submission), due_day(submission)
        old, new = set(old), set(new)
        for name in old - new:
            self._index(name).remove(key)
            self._unindex_due(name, day, key)
        for name in new - old:
            self._index(name, create=True).insert(key)
            self._index_due(name, day, key)

    def _index(self, name: str, create: bool = False) -> TimeIndex | None:
        index = self._indexes.get(name)
        if index is None and create:
            index = self._indexes[name] = TimeIndex()
        return index

    def _due_index(self, name: str, create: bool = False) -> DayIndex | None:
        index = self._due_indexes.get(name)
        if index is None and create:
            index = self._due_indexes[name] = DayIndex()
        return index

    def _index_due(self, name: str, day: int, key: int) -> None:
        # Without a due date, a submission is read from the creation-order
        # index in due-date order: most procedures set no delay.
        if day != NO_DUE or self._dated is None:  # (a store made before 1029)
            self._due_index(name, create=True).insert(day, key)

    def _unindex_due(self, name: str, day: int, key: int) -> None:
        index = self._due_index(name)
        if index is not None:
            index.remove(day, key)

    def _note_due(self, key: int, day: int) -> None:
        """Say whether the submission of ``key`` has a due date."""
        if self._dated is None:
            return
        if day == NO_DUE:
            self._dated.remove(key)
        else:
            self._dated.insert(key)

    # -- reading ----------------------------------------------------------

    def get(self, submission_id: str) -> Submission | None:
        key = self.key_of_id(submission_id) if isinstance(submission_id, str) else None
        return None if key is None else self._submissions.get(key)

    def by_key(self, key: int) -> Submission | None:
        return self._submissions.get(key)

    def by_reference(self, reference: str) -> Submission | None:
        key = self._references.get(text_hash(reference))
        found = None if key is None else self._submissions.get(key)
        return found if found is not None and found.reference == reference else None

    def count(
        self,
        procedure_uid: str | None = None,
        state: str | None = None,
        unacknowledged: bool = False,
    ) -> int:
        index = self._index(index_name(procedure_uid, state, unacknowledged))
        return 0 if index is None else len(index)

    def count_submitted_by(self, submitter_key: str) -> int:
        index = self._submitter_index(submitter_key)
        return 0 if index is None else len(index)

    def submitted_by(
        self, submitter_key: str, after: int | None = None, descending: bool = False
    ) -> Iterator[int]:
        """Keys of the submissions of the account with identity key
        ``submitter_key``, in creation order, lazily."""
        index = self._submitter_index(submitter_key)
        return iter(()) if index is None else index.keys(after, descending)

    def _submitter_index(self, submitter_key: str) -> TimeIndex | None:
        if not submitter_key:
            return None
        return self._by_submitter.get(submitter_key)

    def iter_keys(
        self,
        procedure_uids: Iterable[str] | None,
        state: str | None,
        after: int | None,
        *,
        unacknowledged: bool = False,
        descending: bool = False,
        assignees: Iterable[str] | None = None,
    ) -> Iterator[int]:
        """Keys in creation order (newest first if ``descending``),
        filtered, strictly after ``after`` (before it, if descending).

        ``procedure_uids=None`` means every procedure; an empty iterable
        means none.
        """
        names = listing_index_names(procedure_uids, state, unacknowledged, assignees)
        indexes = [i for i in (self._index(n) for n in names) if i is not None]
        return merge_time_keys(indexes, after, descending)

    def listing_indexes(
        self, procedure_uids: Iterable[str] | None, state: str | None
    ) -> list[TimeIndex]:
        """The indexes (those that exist) of ``procedure_uids`` (None:
        every procedure) in ``state``: whether a submission is in one of
        them is O(log n), without reading it."""
        names = listing_index_names(procedure_uids, state)
        return [i for i in (self._index(n) for n in names) if i is not None]

    def iter_due(
        self,
        procedure_uids: Iterable[str] | None,
        states: Iterable[str | None],
        after: tuple[int, int] | None,
        assignees: Iterable[str] | None = None,
        descending: bool = False,
    ) -> Iterator[tuple[int, int]]:
        """``(due day, key)`` entries in due-date order, then creation
        order (the other way if ``descending``), of the submissions in
        any of ``states`` (None: every state), strictly after ``after``."""
        names = [
            name
            for state in states
            for name in listing_index_names(procedure_uids, state, False, assignees)
        ]
        if self._dated is None:  # a store made before 1029: all in them
            found = (self._due_index(name) for name in names)
            return merge_day_keys(
                [i for i in found if i is not None], after, descending
            )
        pairs = [(self._index(name), self._due_index(name)) for name in names]
        pairs = [(keys, by_day) for keys, by_day in pairs if keys is not None]
        return merge_due_keys(
            pairs, after, descending, dated=self._dated, undated=NO_DUE
        )

    def procedure_uids(self) -> Iterator[str]:
        """The UIDs of the procedures that have (or had) submissions."""
        for name in self._indexes.keys("procedure:", "procedure;"):
            if name.count(":") == 1:
                yield name.partition(":")[2]

    def count_assigned(self, assignees: Iterable[str], state: str | None) -> int:
        names = listing_index_names(None, state, False, assignees)
        return sum(len(i) for i in (self._index(n) for n in names) if i is not None)

    def __len__(self) -> int:
        return self.count()

    def count_due_before(
        self, procedure_uid: str | None, states: Iterable[str], day: date
    ) -> int:
        """How many submissions of the procedure (None: all), in one of
        ``states``, are due before ``day`` (the dashboard's late requests)."""
        names = (index_name(procedure_uid, state) for state in states)
        found = (self._due_index(name) for name in names)
        return sum(i.count_before(day.toordinal()) for i in found if i is not None)

    def index_due_dates(self) -> int:
        """Make the due-date indexes again from the submissions (the
        upgrades to 1006 and 1029); returns how many submissions were read."""
        self._due_indexes = OOBTree()
        self._dated = TimeIndex()
        count = 0
        for key in self._index("all") or ():
            submission = self._submissions[key]
            day = due_day(submission)
            self._note_due(key, day)
            for name in _names_of(submission):
                self._index_due(name, day, key)
            count += 1
        return count


def _names_of(submission: Submission) -> tuple[str, ...]:
    return index_names(submission.procedure_uid, submission.state, submission.assignee)


def cursor_key(submission: Submission, key: int) -> str:
    """The text a listing cursor holds for ``submission`` (of key ``key``):
    ``"<µs since the epoch, 17 digits>:<id>"``, the shape cursors had before
    keys existed, so that cursors given out then still work."""
    micros = key >> SALT_BITS
    return f"{micros:017d}:{submission.id}"


def key_of_cursor(store: SubmissionStore, text: str) -> int:
    """The key a listing cursor's text (see :func:`cursor_key`) stands for:
    its submission's key, or, if it is gone, where it was."""
    micros, submission_id = text.split(":", 1)
    key = store.key_of_id(submission_id)
    if key is not None:
        return key
    when = EPOCH + timedelta(microseconds=int(micros))
    return time_key(when, zlib.crc32(submission_id.encode()))
