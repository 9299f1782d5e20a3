"""Removing a submission's personal data: anonymise it (kept for
statistics without them) or delete it (gone from the store, a tombstone in
the change feed). Both fire :class:`SubmissionErasedEvent`, so that
whatever keeps a copy (webhooks tell back offices) drops it."""

from collections.abc import Iterable
from datetime import datetime
from imio.guichet import _
from imio.guichet.errors import Conflict
from imio.guichet.submissions.events import ANONYMISED
from imio.guichet.submissions.events import DELETED
from imio.guichet.submissions.events import SubmissionErasedEvent
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.submissions.storage import Tombstone
from zope.event import notify


#: What a history entry keeps once anonymised: what happened, when, and
#: staff's ids (the citizen's are removed); never a free text or a file.
KEPT_EVENT_KEYS = frozenset(
    {
        "action",
        "date",
        "actor",
        "by",
        "from_state",
        "to_state",
        "from_assignee",
        "to_assignee",
        "external_reference",
    }
)
#: Free texts of history entries: emptied (their keys stay, for readers).
FREE_TEXTS = ("public_message", "internal_note", "reason")


class LegallyHeld(Conflict):
    """The request is under a legal hold: it cannot be erased."""

    code = "legal_hold"
    message = _(
        "error_legal_hold",
        default="This request is under a legal hold: it cannot be anonymised "
        "or deleted until the hold is lifted.",
    )


def scrubbed(event: dict) -> dict:
    """A history entry without its free texts, files or citizen's id."""
    kept = {key: value for key, value in event.items() if key in KEPT_EVENT_KEYS}
    for key in FREE_TEXTS:
        if key in event:
            kept[key] = ""
    if event.get("by") == CITIZEN:
        kept["actor"] = None
    return kept


def anonymise(
    store: SubmissionStore,
    submission: Submission,
    *,
    kept_fields: Iterable[str] = (),
    now: datetime,
    actor: str | None = None,
) -> Submission:
    """Remove the submission's personal data, keeping its state, dates,
    procedure, reference, history (without free texts) and the answers
    of ``kept_fields`` (with their files). Idempotent."""
    if submission.legal_hold is not None:
        raise LegallyHeld()
    kept = frozenset(kept_fields)
    submission.data = {
        name: value for name, value in (submission.data or {}).items() if name in kept
    }
    files = {
        name: attachment
        for name, attachment in (submission.attachments or {}).items()
        if name in kept
    }
    # Dropped attachments: nothing refers to their blobs any more, and the
    # database's next pack removes their files.
    submission.attachments = files or None
    store.forget_submitter(submission)
    submission.submitter = None
    submission.submitter_key = None
    submission.verified_identity = None
    # What the authentic sources answered (the values they gave) goes too.
    submission.prefill_sources = None
    history = tuple(scrubbed(event) for event in submission.history)
    submission.history = (
        *history,
        {"action": "anonymise", "date": now.isoformat(), "actor": actor},
    )
    submission.anonymised = {"date": now.isoformat(), "actor": actor}
    submission.modified = now
    store.note_change(submission)
    notify(SubmissionErasedEvent(submission, ANONYMISED))
    return submission


def delete(
    store: SubmissionStore, submission: Submission, *, now: datetime
) -> Tombstone:
    """Delete the submission from the store and all its indexes (its
    blobs with it); the change feed shows its tombstone."""
    if submission.legal_hold is not None:
        raise LegallyHeld()
    tombstone = store.remove(submission, now)
    notify(SubmissionErasedEvent(submission, DELETED))
    return tombstone


def place_hold(
    submission: Submission, *, reason: str, now: datetime, actor: str | None
) -> dict:
    """Put the submission under a legal hold (never purged while held)."""
    hold = {"date": now.isoformat(), "actor": actor, "reason": reason}
    submission.legal_hold = hold
    submission.add_event({"action": "legal_hold", **hold})
    return hold


def release_hold(
    submission: Submission, *, reason: str, now: datetime, actor: str | None
) -> dict:
    """Lift the submission's legal hold."""
    submission.legal_hold = None
    event = {
        "action": "release_hold",
        "date": now.isoformat(),
        "actor": actor,
        "reason": reason,
    }
    submission.add_event(event)
    return event
