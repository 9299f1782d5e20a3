"""What a citizen does with a request filed: find it (in their space or by
its tracking link), answer the service, write to it (with files) while the
request is open, download the files of the request, withdraw it, get its
receipt.

Who may: the logged-in citizen who filed it, or whoever holds its
tracking secret; for the receipt, also staff who may read it (an access
written to the audit trail). Anyone else gets
:class:`~imio.guichet.errors.NotFound`, the same for an unknown reference
and a wrong secret: no hint whether it exists.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.errors import FieldError
from imio.guichet.errors import MessageRequired
from imio.guichet.errors import NotFound
from imio.guichet.errors import StaleVersion
from imio.guichet.errors import TransitionNotAllowed
from imio.guichet.errors import VersionRequired
from imio.guichet.identities import is_same_account
from imio.guichet.rights.nrn import as_seen
from imio.guichet.submissions import handling
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.access import may_read_submission
from imio.guichet.submissions.api import find_by_reference
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import get_submission
from imio.guichet.submissions.attachments import find_attachment
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.lifecycle import find_transition
from imio.guichet.submissions.lifecycle import is_open
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.tracking import check_tracking_secret
from imio.guichet.usecases.uploads import checked_files
from typing import Any


REQUEST_NOT_FOUND = _(
    "error_request_not_found",
    default="We cannot find this request. Check the link or the reference.",
)
ANSWER_REQUIRED = _("error_answer_required", default="Write your answer.")
STALE = _(
    "error_stale_citizen",
    default="Your request changed since you opened this page: nothing was "
    "sent. Read it again below.",
)
NOT_POSSIBLE = _(
    "error_citizen_not_allowed",
    default="This is not possible any more for this request.",
)
MESSAGE_REQUIRED = _("error_citizen_message_required", default="Write your message.")
VERSION_REQUIRED = _(
    "error_citizen_version_required",
    default="Send the version of the request you read (If-Match: its ETag).",
)


def is_submitter(caller: Caller, submission: Submission) -> bool:
    """Whether ``caller`` is the logged-in citizen who filed ``submission``:
    the same login *and* the same account (a new account that reuses a
    deleted one's login is someone else: see :mod:`imio.guichet.identities`)."""
    return is_same_account(
        caller.user_id, submission.submitter, submission.submitter_key
    )


def own_request(caller: Caller, reference: Any) -> Submission:
    """The request ``reference`` (as typed) that ``caller`` filed logged in."""
    found = find_by_reference(reference)
    if found is None or not is_submitter(caller, found):
        raise NotFound(REQUEST_NOT_FOUND)
    return found


def tracked_request(caller: Caller, reference: Any, secret: Any) -> Submission:
    """The request that a tracking link (reference and secret) opens."""
    found = find_by_reference(reference)
    if found is None or not check_tracking_secret(get_store(), found, secret):
        raise NotFound(REQUEST_NOT_FOUND)
    return found


def citizen_request(caller: Caller, key: Any, secret: Any) -> Submission:
    """The request ``key`` (its id, or its reference as a tracking link
    gives it) for the citizen who filed it logged in, or for the holder of
    its tracking ``secret``: the API's way to what :func:`own_request` and
    :func:`tracked_request` find for the pages."""
    found = get_submission(key) or find_by_reference(key)
    if found is None or not (
        is_submitter(caller, found) or check_tracking_secret(get_store(), found, secret)
    ):
        raise NotFound(REQUEST_NOT_FOUND)
    return found


def is_own_request(caller: Caller, key: Any) -> bool:
    """Whether ``caller`` is logged in and filed the request ``key`` (its
    id or reference): the channels then open it as the citizen's."""
    if caller.is_anonymous:
        return False
    found = get_submission(key) or find_by_reference(key)
    return found is not None and is_submitter(caller, found)


def may_answer(submission: Submission) -> bool:
    """Whether the service waits for the citizen's answer now."""
    return find_transition(submission.state, "in_progress", CITIZEN) is not None


def may_write(submission: Submission) -> bool:
    """Whether the citizen may write to the service now (an open request)."""
    return is_open(submission)


def may_withdraw(submission: Submission) -> bool:
    """Whether the citizen may still withdraw the request."""
    return find_transition(submission.state, "withdrawn", CITIZEN) is not None


def _check_seen(submission: Submission, seen_etag: str | None) -> None:
    """As staff's changes: the version the citizen read is required, and
    must still be the current one (its ETag goes with the refusal)."""
    if not seen_etag:
        raise VersionRequired(VERSION_REQUIRED)
    if seen_etag != handling.etag(submission):
        raise StaleVersion(STALE, headers={"ETag": handling.etag(submission)})


def answer(
    caller: Caller,
    key: Any,
    message: str,
    *,
    secret: Any = None,
    seen_etag: str | None,
    files: Sequence[Any] = (),
) -> Submission:
    """The citizen's answer to what the service asked, with ``files``
    (uploaded parts: ``filename`` and ``read(size)``, or the API's JSON
    file objects), checked against the procedure's limits and stored with
    the request.

    The request ``key`` (id or reference) opens as in
    :func:`citizen_request` (its citizen, or its tracking ``secret``), else
    NotFound. Raises VersionRequired / StaleVersion (the version read),
    TransitionNotAllowed (nothing is asked now) or
    :class:`~imio.guichet.errors.InvalidData` on the field ``files``; an
    empty answer is :class:`MessageRequired` on the field ``message``.
    """
    submission = citizen_request(caller, key, secret)
    _check_seen(submission, seen_etag)
    if not may_answer(submission):
        # Before reading any file: nothing is asked now.
        raise TransitionNotAllowed(NOT_POSSIBLE)
    checked = checked_files(submission, files)
    try:
        handling.reply_as_citizen(
            submission,
            message,
            files=checked,
            seen_etag=seen_etag,
            user_id=caller.user_id,
        )
    except MessageRequired as refused:
        # Said of the field, as staff's change of state says it: every
        # channel shows it next to the answer.
        raise MessageRequired(
            ANSWER_REQUIRED,
            fields=[FieldError("message", "message_required", ANSWER_REQUIRED)],
        ) from refused
    return submission


def write(
    caller: Caller,
    key: Any,
    message: str,
    *,
    secret: Any = None,
    seen_etag: str | None,
    files: Sequence[Any] = (),
) -> Submission:
    """The citizen writes to the service, with ``files`` (as for
    :func:`answer`), at any time while the request is open; its state does
    not change. Opened and refused as :func:`answer`; TransitionNotAllowed
    once the request is closed or withdrawn; an empty message is
    :class:`MessageRequired` on the field ``message``."""
    submission = citizen_request(caller, key, secret)
    _check_seen(submission, seen_etag)
    if not may_write(submission):
        raise TransitionNotAllowed(NOT_POSSIBLE)
    if not (message or "").strip():  # before reading any file
        raise MessageRequired(
            MESSAGE_REQUIRED,
            fields=[FieldError("message", "message_required", MESSAGE_REQUIRED)],
        )
    checked = checked_files(submission, files)
    handling.post_message(
        submission,
        message,
        actor=CITIZEN,
        files=checked,
        seen_etag=seen_etag,
        user_id=caller.user_id,
    )
    return submission


def download_attachment(caller: Caller, key: Any, name: str, *, secret: Any = None):
    """A file of the request (what the citizen sent, or what the service
    sent them), opened as :func:`citizen_request`; :class:`NotFound` for
    a file it does not have, as for a request they may not open."""
    submission = citizen_request(caller, key, secret)
    attachment = find_attachment(submission, name)
    if attachment is None:
        raise NotFound(_("error_no_attachment", default="No such attachment."))
    return attachment


def withdraw(
    caller: Caller, key: Any, *, secret: Any = None, seen_etag: str | None
) -> Submission:
    """The citizen withdraws a request not yet taken up (opened, and
    refused, as in :func:`answer`)."""
    submission = citizen_request(caller, key, secret)
    _check_seen(submission, seen_etag)
    if not may_withdraw(submission):
        raise TransitionNotAllowed(NOT_POSSIBLE)
    handling.withdraw(submission, seen_etag=seen_etag, user_id=caller.user_id)
    return submission


@dataclass(frozen=True)
class ReceiptAccess:
    submission: Submission
    procedure: Any
    #: The citizen's own access (not staff's): the receipt may show their
    #: way back to the request.
    by_citizen: bool


def open_receipt(caller: Caller, reference: Any, secret: Any) -> ReceiptAccess:
    """Who may download a request's receipt: the holder of its tracking
    secret, the citizen who filed it, or staff who may read it (an access
    written to the audit trail, like its page). Else NotFound."""
    submission = find_by_reference(reference)
    if submission is None:
        raise NotFound(REQUEST_NOT_FOUND)
    by_citizen = is_submitter(caller, submission) or check_tracking_secret(
        get_store(), submission, secret
    )
    if not by_citizen:
        if not may_read_submission(submission):
            raise NotFound(REQUEST_NOT_FOUND)
        audit.record(caller, "read", [submission], {"receipt": True})
        # Staff's copy: national register numbers as they may see them.
        submission = as_seen(submission)
    procedure = find_procedure(submission.procedure_uid)
    return ReceiptAccess(submission, procedure, by_citizen)
