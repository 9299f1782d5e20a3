"""What back offices, staff and citizens do to a submission: take it, move
it on, answer a question, write to each other (with files), withdraw it.

All are recorded in the submission's history. Changing a submission needs
the version the caller last saw (its ETag), so that two people working on
the same submission cannot overwrite each other's change unawares.
"""

from collections.abc import Sequence
from datetime import datetime
from datetime import UTC
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import StaleVersion
from imio.guichet.forms.uploads import check_upload
from imio.guichet.forms.uploads import CheckedUpload
from imio.guichet.forms.uploads import descriptor
from imio.guichet.forms.uploads import Upload
from imio.guichet.forms.uploads import UploadLimits
from imio.guichet.forms.uploads import UploadRefused
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.attachments import make_attachments
from imio.guichet.submissions.due import due_date
from imio.guichet.submissions.due import processing_delay
from imio.guichet.submissions.events import SubmissionMessageEvent
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.submissions.lifecycle import check_transition
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.lifecycle import find_transition
from imio.guichet.submissions.lifecycle import is_open
from imio.guichet.submissions.lifecycle import MAX_MESSAGE_LENGTH
from imio.guichet.submissions.lifecycle import MessageRequired
from imio.guichet.submissions.lifecycle import STAFF
from imio.guichet.submissions.lifecycle import TransitionNotAllowed
from imio.guichet.submissions.storage import Submission
from zope.event import notify


#: Back offices' own references are identifiers, not prose.
MAX_EXTERNAL_REFERENCE_LENGTH = 200


def etag(submission: Submission) -> str:
    """The HTTP entity tag of the submission's current version."""
    return f'"{submission.id}.{submission.revision}"'


def check_version(submission: Submission, seen_etag: str | None) -> None:
    """Raise :class:`StaleVersion` unless the caller saw the current version."""
    if seen_etag != etag(submission):
        raise StaleVersion(f"the submission is now at {etag(submission)}")


def update_state(
    submission: Submission,
    to_state: str,
    *,
    seen_etag: str,
    user_id: str | None,
    public_message: str = "",
    internal_note: str = "",
    files: Sequence[CheckedUpload] = (),
) -> dict:
    """Move a submission on, as staff, if it is still as the caller saw it;
    ``files`` for the citizen (a decision, a permit) go with the change
    (stored as :func:`store_files` says).

    Raises :class:`StaleVersion`, or the lifecycle's
    ``TransitionNotAllowed`` / ``MessageRequired``; nothing changes then.
    """
    check_version(submission, seen_etag)
    check_transition(submission, to_state, STAFF, public_message)
    described = store_files(submission, "staff", files)
    return change_state(
        get_store(),
        submission,
        to_state,
        actor=STAFF,
        user_id=user_id,
        public_message=public_message,
        internal_note=internal_note,
        files=described,
    )


def assign(
    submission: Submission,
    assignee: str | None,
    *,
    seen_etag: str,
    user_id: str | None,
    now: datetime | None = None,
) -> dict | None:
    """Assign the submission to ``assignee`` (a user or group id; None:
    nobody), if it is still as the caller saw it; the history says who
    assigned it to whom, or unassigned it. Returns the event (None when it
    was already so: nothing changes)."""
    check_version(submission, seen_etag)
    before = submission.assignee
    if assignee == before:
        return None
    now = now or datetime.now(UTC)
    event = {
        "action": "assign" if assignee else "unassign",
        "date": now.isoformat(),
        "actor": user_id,
        "from_assignee": before,
        "to_assignee": assignee,
    }
    get_store().assign(submission, assignee)
    submission.add_event(event)
    submission.modified = now
    return event


def store_files(
    submission: Submission, prefix: str, files: Sequence[CheckedUpload]
) -> list[dict]:
    """Store checked files with the submission for the change about to be
    recorded, named ``<prefix>-<revision>-<n>`` (the revision the change
    makes: unique, and readable in the history), and return their
    descriptors for the event."""
    names = [
        f"{prefix}-{submission.revision + 1}-{n}" for n in range(1, len(files) + 1)
    ]
    stored = make_attachments(dict(zip(names, files, strict=True)))
    if stored:
        submission.attachments = {**(submission.attachments or {}), **stored}
    return [descriptor(upload, name) for upload, name in zip(files, names, strict=True)]


def post_message(
    submission: Submission,
    message: str,
    *,
    actor: str,
    seen_etag: str | None,
    user_id: str | None,
    files: Sequence[CheckedUpload] = (),
    now: datetime | None = None,
) -> dict:
    """A message between the citizen and the service (``actor``: CITIZEN
    or STAFF), with ``files``, while the request is open; the state does
    not change. Like a change of state, it is in the history (action
    ``message``), moves the request to the end of the change feed and
    fires :class:`SubmissionMessageEvent` (webhooks, e-mails).

    Raises :class:`StaleVersion`, ``MessageRequired`` (no text) or
    ``TransitionNotAllowed`` (the request is closed or withdrawn);
    nothing changes then.
    """
    check_version(submission, seen_etag)
    message = (message or "").strip()[:MAX_MESSAGE_LENGTH]
    if not message:
        raise MessageRequired("a message needs a text")
    if not is_open(submission):
        raise TransitionNotAllowed(f"no message in {submission.state!r}")
    described = store_files(submission, actor, files)
    event = {
        "action": "message",
        "date": (now or datetime.now(UTC)).isoformat(),
        "actor": user_id,
        "by": actor,
        "public_message": message,
    }
    if described:
        event["files"] = described
    store = get_store()
    submission.add_event(event)
    submission.modified = datetime.fromisoformat(event["date"])
    store.note_change(submission)
    notify(SubmissionMessageEvent(submission, event))
    return event


def reply_as_citizen(
    submission: Submission,
    message: str,
    *,
    seen_etag: str | None,
    user_id: str | None,
    files: Sequence[CheckedUpload] = (),
) -> dict:
    """The citizen answers what staff asked: the submission goes back from
    "waiting for the citizen" to "in progress", with the answer as the
    event's public message (staff see it in the history, back offices in
    the feed). ``user_id`` is None for a citizen following a tracking link.

    ``files`` (checked against the procedure's limits, see
    :func:`check_reply_files`) are stored as attachments of the submission,
    named ``reply-<revision>-<n>``, and listed in the event.

    Raises :class:`StaleVersion`, ``MessageRequired`` (an empty answer) or
    ``TransitionNotAllowed`` (nothing is asked now); nothing changes then.
    """
    check_version(submission, seen_etag)
    if not (message or "").strip():
        raise MessageRequired("an answer needs a message")
    if find_transition(submission.state, "in_progress", CITIZEN) is None:
        raise TransitionNotAllowed(f"nothing is asked in {submission.state!r}")
    described = store_files(submission, "reply", files)
    event = change_state(
        get_store(),
        submission,
        "in_progress",
        actor=CITIZEN,
        user_id=user_id,
        public_message=message,
        files=described,
    )
    # The delay starts again from the citizen's answer.
    procedure = find_procedure(submission.procedure_uid)
    if procedure is not None and processing_delay(procedure) is not None:
        answered = datetime.fromisoformat(event["date"])
        get_store().set_due(submission, due_date(procedure, answered))
    return event


def check_reply_files(
    limits: UploadLimits, uploads: Sequence[Upload]
) -> list[CheckedUpload]:
    """The files of a citizen's answer, if the procedure's ``limits``
    (:func:`~imio.guichet.forms.uploads.upload_limits`) accept them all:
    types, sizes, and at most its number of files per request.
    Raises :class:`~imio.guichet.forms.uploads.UploadRefused`."""
    if len(uploads) > limits.max_files:
        raise UploadRefused("too_many_files")
    return [check_upload(upload, limits) for upload in uploads]


def withdraw(
    submission: Submission,
    *,
    seen_etag: str | None,
    user_id: str | None,
    message: str = "",
) -> dict:
    """The citizen withdraws the submission, while the lifecycle allows it
    (raises ``TransitionNotAllowed`` otherwise, or :class:`StaleVersion`)."""
    return _as_citizen(submission, "withdrawn", seen_etag, user_id, message)


def _as_citizen(
    submission: Submission,
    to_state: str,
    seen_etag: str | None,
    user_id: str | None,
    message: str,
) -> dict:
    check_version(submission, seen_etag)
    return change_state(
        get_store(),
        submission,
        to_state,
        actor=CITIZEN,
        user_id=user_id,
        public_message=message,
    )


def acknowledge(
    submission: Submission,
    *,
    user_id: str | None,
    external_reference: str = "",
    now: datetime | None = None,
) -> tuple[dict, bool]:
    """Record that a back office took the submission; idempotent.

    Returns the acknowledgement and whether this call made it (a repeated
    call, a retry, returns the first one and changes nothing).
    """
    if submission.acknowledgement is not None:
        return submission.acknowledgement, False
    external_reference = (external_reference or "").strip()
    if len(external_reference) > MAX_EXTERNAL_REFERENCE_LENGTH:
        raise InvalidInput(
            f"external_reference is longer than {MAX_EXTERNAL_REFERENCE_LENGTH}"
        )
    now = now or datetime.now(UTC)
    acknowledgement = {
        "date": now.isoformat(),
        "actor": user_id,
        "external_reference": external_reference,
    }
    get_store().mark_acknowledged(submission, acknowledgement)
    submission.add_event({"action": "acknowledge", **acknowledgement})
    submission.modified = now
    return acknowledgement, True
