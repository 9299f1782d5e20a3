"""The life of a submission: its states and the transitions between them.

Defined here once, for the staff views, the REST API and the webhooks alike:

    submitted → received → in_progress ⇄ waiting_citizen
    in_progress → accepted | rejected → closed
    submitted → withdrawn (by the citizen)

Every transition adds an event to the submission's history: who, when,
from and to which state, the message for the citizen and the internal note
for staff.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet.errors import MessageRequired
from imio.guichet.errors import TransitionNotAllowed
from imio.guichet.submissions.events import SubmissionStateChangedEvent
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from zope.event import notify


STAFF = "staff"
CITIZEN = "citizen"

#: Messages and notes are free text kept in the history; bound them.
MAX_MESSAGE_LENGTH = 5_000


@dataclass(frozen=True)
class Transition:
    """Who may move a submission from which states to which state."""

    to_state: str
    from_states: frozenset[str]
    actor: str  # STAFF or CITIZEN
    #: Asking the citizen for something without saying what makes no sense.
    message_required: bool = False


TRANSITIONS = (
    Transition("received", frozenset({"submitted"}), STAFF),
    Transition("in_progress", frozenset({"submitted", "received"}), STAFF),
    Transition(
        "waiting_citizen", frozenset({"in_progress"}), STAFF, message_required=True
    ),
    Transition("in_progress", frozenset({"waiting_citizen"}), STAFF),
    Transition("in_progress", frozenset({"waiting_citizen"}), CITIZEN),
    Transition("accepted", frozenset({"in_progress"}), STAFF),
    Transition("rejected", frozenset({"received", "in_progress"}), STAFF),
    Transition("closed", frozenset({"accepted", "rejected"}), STAFF),
    Transition("withdrawn", frozenset({"submitted"}), CITIZEN),
)


def find_transition(from_state: str, to_state: str, actor: str) -> Transition | None:
    for candidate in TRANSITIONS:
        if (
            candidate.to_state == to_state
            and candidate.actor == actor
            and from_state in candidate.from_states
        ):
            return candidate
    return None


def allowed_states(submission: Submission, actor: str = STAFF) -> list[str]:
    """States ``actor`` may move ``submission`` to now, in a stable order."""
    seen = []
    for candidate in TRANSITIONS:
        if (
            candidate.actor == actor
            and submission.state in candidate.from_states
            and candidate.to_state not in seen
        ):
            seen.append(candidate.to_state)
    return seen


def is_open(submission: Submission) -> bool:
    """Whether the request is still being handled: someone may still move
    it on (closed and withdrawn requests are done; an accepted or rejected
    one is closed later, and the decision may still need a word)."""
    return bool(
        allowed_states(submission, STAFF) or allowed_states(submission, CITIZEN)
    )


def check_transition(
    submission: Submission, to_state: str, actor: str, public_message: str = ""
) -> Transition:
    """The transition ``actor`` makes to ``to_state`` with this message;
    raises :class:`TransitionNotAllowed` or :class:`MessageRequired`
    (before anything that goes with the change, its files, is stored)."""
    transition = find_transition(submission.state, to_state, actor)
    if transition is None:
        raise TransitionNotAllowed(
            f"{submission.state!r} cannot go to {to_state!r} ({actor}); "
            f"allowed: {', '.join(allowed_states(submission, actor)) or 'none'}"
        )
    if transition.message_required and not (public_message or "").strip():
        raise MessageRequired(f"going to {to_state!r} needs a message for the citizen")
    return transition


def change_state(
    store: SubmissionStore,
    submission: Submission,
    to_state: str,
    *,
    actor: str = STAFF,
    user_id: str | None,
    public_message: str = "",
    internal_note: str = "",
    files: list[dict] | None = None,
    now: datetime | None = None,
) -> dict:
    """Move ``submission`` to ``to_state`` and record it; return the event.

    ``files``: descriptors of files stored with the change (a citizen's
    answer), named in the event.

    Raises :class:`TransitionNotAllowed` or :class:`MessageRequired`;
    nothing changes then.
    """
    check_transition(submission, to_state, actor, public_message)
    public_message = (public_message or "").strip()[:MAX_MESSAGE_LENGTH]
    internal_note = (internal_note or "").strip()[:MAX_MESSAGE_LENGTH]
    now = now or datetime.now(UTC)
    event = {
        "action": "transition",
        "date": now.isoformat(),
        "actor": user_id,
        # Whether staff or the citizen moved it (the citizen may be anonymous).
        "by": actor,
        "from_state": submission.state,
        "to_state": to_state,
        "public_message": public_message,
        "internal_note": internal_note,
    }
    if files:
        event["files"] = list(files)
    store.change_state(submission, to_state)
    submission.add_event(event)
    submission.modified = now
    notify(SubmissionStateChangedEvent(submission, event))
    return event
