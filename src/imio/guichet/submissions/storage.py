"""Persistent structures that hold the submissions of a site.

Submissions are data, not content: they are never catalogued and never
acquire anything from the site. They live in one :class:`SubmissionStore`
per site, designed for 100,000+ submissions:

* each submission is its own persistent record, so reading or changing one
  never loads or rewrites another;
* listings read ordered indexes with a cursor, so one page costs
  O(log n + page size) whatever the total;
* the submission path writes nothing that every submission shares: there
  is no counter (lengths are ``BTrees.Length``, which merges concurrent
  changes), no list and no write to the procedure.

The sharded trees and ordered indexes they are made of, and why they are
sharded, are in :mod:`imio.guichet.storage`.
"""

from BTrees.OOBTree import OOBTree
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from imio.guichet.storage import merge_keys
from imio.guichet.storage import OrderedIndex
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import sort_key
from imio.guichet.submissions.states import INITIAL_STATE
from persistent import Persistent
from plone.keyring.keyring import Keyring

import heapq


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
        submitter_key: str | None = None,
        language: str | None = None,
    ):
        if created.tzinfo is None:
            raise ValueError("created must be an aware datetime")
        self.id = submission_id
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


class SubmissionStore(Persistent):
    """All submissions of one site, with their lookup and order indexes."""

    def __init__(self):
        self._submissions = ShardedMap()  # id -> Submission
        self._references = ShardedMap()  # reference -> id
        # Index name -> OrderedIndex; written only when a procedure gets its
        # first submission in a state.
        self._indexes = OOBTree()
        # "<procedure uid>:<Idempotency-Key>" -> what the first request made.
        self._idempotency = ShardedMap()
        # Feed name ("all", "procedure:<uid>") -> feed.ChangeLog.
        self._feeds = OOBTree()
        # Submitter's identity key (imio.guichet.identities, never the
        # reusable login) -> OrderedIndex of their submissions ("My
        # requests"); sharded by key: a citizen's first submission writes
        # one shard, not a tree every submission shares.
        self._by_submitter = ShardedMap()
        #: The keys of the tracking links (see tracking.py): the current one
        #: signs, the previous ones still open the links already sent.
        self.tracking_keys = Keyring()
        self.tracking_keys.fill()

    def note_change(self, submission: Submission) -> None:
        """Put the submission at the end of the change feeds."""
        from imio.guichet.submissions.feed import ChangeLog  # feed imports us

        for name in ("all", f"procedure:{submission.procedure_uid}"):
            feed = self._feeds.get(name)
            if feed is None:
                feed = self._feeds[name] = ChangeLog()
            feed.note(submission, self)

    def changes_after(
        self, procedure_uids: Iterable[str] | None, after: str | None
    ) -> Iterator[str]:
        """Change keys (``"<tid>:<id>"``) in commit order after ``after``."""
        names = (
            ["all"]
            if procedure_uids is None
            else [f"procedure:{uid}" for uid in procedure_uids]
        )
        found = (self._feeds.get(name) for name in names)
        feeds = [feed for feed in found if feed is not None]
        return heapq.merge(*(feed.keys_after(self, after) for feed in feeds))

    def remember_request(self, scope_key: str, record: dict) -> None:
        """Keep what a request with an idempotency key produced.

        Two concurrent requests with the same key write the same BTree key:
        ZODB refuses the second commit, and its retry finds the first one's.
        """
        self._idempotency[scope_key] = record

    def remembered_request(self, scope_key: str) -> dict | None:
        return self._idempotency.get(scope_key)

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
        if submission.acknowledgement is None:
            for name in unacknowledged_index_names(submission.procedure_uid):
                self._index(name, create=True).insert(submission.sort_key)
        self._index_submitter(submission)
        self.note_change(submission)

    def _index_submitter(self, submission: Submission) -> None:
        if submission.submitter is None:  # filed anonymously
            return
        # Filing always records the key; a submission made without one (by
        # a script) is listed under its login.
        owner = submission.submitter_key or submission.submitter
        index = self._by_submitter.get(owner)
        if index is None:
            index = self._by_submitter[owner] = OrderedIndex()
        index.insert(submission.sort_key)

    def detach_submitter(self, submitter_key: str) -> list[Submission]:
        """The account of ``submitter_key`` is gone: its submissions lose
        their submitter (the key stays, for the record) and leave its
        "My requests" index. Returns them."""
        index = self._by_submitter.pop(submitter_key)
        if index is None:
            return []
        detached = []
        for key in index.keys(None):
            submission = self._submissions.get(key.split(":", 1)[1])
            if submission is not None:
                submission.submitter = None
                detached.append(submission)
        return detached

    def mark_acknowledged(self, submission: Submission, acknowledgement: dict) -> None:
        """Record that a back office took the submission (once)."""
        submission.acknowledgement = acknowledgement
        for name in unacknowledged_index_names(submission.procedure_uid):
            index = self._index(name)
            if index is not None:
                index.remove(submission.sort_key)
        self.note_change(submission)

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
        self.note_change(submission)

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
        self, submitter_key: str, after: str | None = None
    ) -> Iterator[str]:
        """Sort keys of the submissions of the account with identity key
        ``submitter_key``, in creation order, lazily."""
        index = self._submitter_index(submitter_key)
        return iter(()) if index is None else index.keys(after)

    def _submitter_index(self, submitter_key: str) -> OrderedIndex | None:
        if not submitter_key:
            return None
        return self._by_submitter.get(submitter_key)

    def iter_keys(
        self,
        procedure_uids: Iterable[str] | None,
        state: str | None,
        after: str | None,
        unacknowledged: bool = False,
    ) -> Iterator[str]:
        """Sort keys in creation order, filtered, strictly after ``after``.

        ``procedure_uids=None`` means every procedure; an empty iterable
        means none.
        """
        if procedure_uids is None:
            names = [index_name(None, state, unacknowledged)]
        else:
            names = [index_name(uid, state, unacknowledged) for uid in procedure_uids]
        indexes = [i for i in (self._index(n) for n in names) if i is not None]
        return merge_keys(indexes, after)

    def __len__(self) -> int:
        return self.count()
