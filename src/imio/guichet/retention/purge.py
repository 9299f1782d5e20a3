"""The purge: requests past their retention anonymised or deleted, the
audit trail's old records deleted.

It works in small batches, one transaction each: a batch is applied
whole or not at all. A staff change committed meanwhile to a request of
the batch makes its commit conflict; the batch is then read again (the
request may now be held, or reopened) and applied again, a few times at
most. The purge runs inside the instance every day (:mod:`.worker`, one
instance at a time) and from the command line
(``scripts/purge_submissions.py``, for cron).
"""

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from imio.guichet.retention.erasure import anonymise
from imio.guichet.retention.erasure import delete
from imio.guichet.retention.policy import END_STATES
from imio.guichet.retention.policy import ended_at
from imio.guichet.retention.policy import Retention
from imio.guichet.retention.settings import DELETE
from imio.guichet.storage import time_key
from imio.guichet.submissions.storage import SubmissionStore
from ZODB.POSException import ConflictError

import logging


logger = logging.getLogger(__name__)

#: Requests changed per transaction: small, so that a conflict with a
#: staff change costs little to redo.
BATCH = 50
#: Times a conflicting batch is tried again before the run gives up (the
#: next run takes what is left).
ATTEMPTS = 5


@dataclass
class PurgeCounts:
    """What one run did (what the audit trail keeps: counts only)."""

    anonymised: int = 0
    deleted: int = 0
    held: int = 0
    retried: int = 0
    audit_records: int = 0
    journal_files: int = 0
    unfinished: int = 0

    def as_record(self) -> dict:
        return {
            "anonymised": self.anonymised,
            "deleted": self.deleted,
            "held": self.held,
            "retried": self.retried,
            "audit_records": self.audit_records,
            "journal_files": self.journal_files,
            "unfinished": self.unfinished,
        }


def _candidates(
    store: SubmissionStore,
    policy: Callable[[str | None], Retention],
    now: datetime,
    positions: dict[str, int],
) -> Iterator[int]:
    """Keys of the ended requests that may be past their retention, in
    creation order per end state, after ``positions`` (state -> the last
    key read, moved on as they are read: each batch resumes there, so a
    run reads each request once). Only those created before the shortest
    retention began (a request ends after it is created)."""
    shortest = min(
        [policy(None).days] + [policy(uid).days for uid in store.procedure_uids()]
    )
    bound = time_key(now - timedelta(days=shortest), 0)
    for state in sorted(END_STATES):
        for key in store.iter_keys(None, state, positions.get(state)):
            if key >= bound:
                break
            positions[state] = key
            yield key


def due_action(submission, retention: Retention, now: datetime) -> str | None:
    """What the purge does to ``submission`` now: ``"anonymise"``,
    ``"delete"``, ``"held"``, or None (still kept, or already anonymised)."""
    ended = ended_at(submission)
    if ended is None or retention.expiry(ended) > now:
        return None
    if submission.legal_hold is not None:
        return "held"
    if retention.action == DELETE:
        return DELETE
    if submission.anonymised is not None:
        return None
    return "anonymise"


def purge_store(
    get_store: Callable[[], SubmissionStore],
    policy: Callable[[str | None], Retention],
    *,
    now: datetime,
    commit: Callable[[], None],
    abort: Callable[[], None],
    batch: int = BATCH,
    counts: PurgeCounts | None = None,
) -> PurgeCounts:
    """Anonymise or delete every request of the store past its retention
    (``policy``: a procedure UID's :class:`Retention`, None: the site's),
    ``batch`` per transaction. ``get_store`` gives the store as the
    current transaction sees it (after an abort, what others committed)."""
    counts = counts or PurgeCounts()
    positions: dict[str, int] = {}
    while True:
        abort()  # start from what is committed now
        store = get_store()
        keys = []
        for key in _candidates(store, policy, now, positions):
            submission = store.by_key(key)
            action = (
                None
                if submission is None
                else due_action(submission, policy(submission.procedure_uid), now)
            )
            if action == "held":
                counts.held += 1
            elif action is not None:
                keys.append(key)
                if len(keys) >= batch:
                    break
        if not keys:
            return counts
        done = _apply_batch(get_store, policy, keys, now, commit, abort, counts)
        if done is None:
            counts.unfinished += len(keys)


def _apply_batch(get_store, policy, keys, now, commit, abort, counts):  # noqa: PLR0917
    for attempt in range(ATTEMPTS):
        store = get_store()
        anonymised = deleted = 0
        for key in keys:
            submission = store.by_key(key)
            if submission is None:
                continue
            retention = policy(submission.procedure_uid)
            action = due_action(submission, retention, now)
            if action == "anonymise":
                anonymise(store, submission, kept_fields=retention.kept_fields, now=now)
                anonymised += 1
            elif action == DELETE:
                delete(store, submission, now=now)
                deleted += 1
            elif action == "held":  # held by staff since it was read
                counts.held += 1
        try:
            commit()
        except ConflictError:
            # A staff change to one of them (or a filing into the same
            # index bucket) committed first: read them again, do it again.
            abort()
            counts.retried += 1
            logger.info("Purge batch conflicted (attempt %d); retrying", attempt + 1)
            continue
        counts.anonymised += anonymised
        counts.deleted += deleted
        return True
    abort()
    return None
