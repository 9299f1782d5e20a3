"""What a citizen does with a request filed: find it (in their space or by
its tracking link), answer the service, withdraw it, get its receipt.

Who may: the logged-in citizen who filed it, or whoever holds its
tracking secret; for the receipt, also staff who may read it (an access
written to the audit trail). Anyone else gets
:class:`~imio.guichet.errors.NotFound`, the same for an unknown reference
and a wrong secret: no hint whether it exists.
"""

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidData
from imio.guichet.errors import MessageRequired
from imio.guichet.errors import NotFound
from imio.guichet.forms.uploads import MESSAGES as UPLOAD_MESSAGES
from imio.guichet.forms.uploads import Upload
from imio.guichet.forms.uploads import upload_from_json
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.forms.uploads import UploadRefused
from imio.guichet.identities import is_same_account
from imio.guichet.submissions import handling
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.access import may_read_submission
from imio.guichet.submissions.api import find_by_reference
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import get_submission
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.lifecycle import find_transition
from imio.guichet.submissions.lifecycle import TransitionNotAllowed
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.tracking import check_tracking_secret
from typing import Any


REQUEST_NOT_FOUND = _(
    "error_request_not_found",
    default="We cannot find this request. Check the link or the reference.",
)
ANSWER_REQUIRED = _("error_answer_required", default="Write your answer.")


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


def _upload(part: Any, limits) -> Upload:
    """A file of an answer: a JSON file object (base64, as the API files
    them) or an uploaded part (``filename`` and ``read(size)``)."""
    if isinstance(part, Mapping):
        return upload_from_json(part, limits)
    # No further than the limit (one byte more, so that the size check
    # refuses a larger file).
    return Upload(part.filename, part.read(limits.max_size + 1))


def answer(
    caller: Caller,
    submission: Submission,
    message: str,
    *,
    seen_etag: str | None,
    files: Sequence[Any] = (),
) -> dict:
    """The citizen's answer to what the service asked, with ``files``
    (uploaded parts: ``filename`` and ``read(size)``, or the API's JSON
    file objects), checked against the procedure's limits and stored with
    the request.

    ``submission`` was found with :func:`own_request` or
    :func:`tracked_request`. Raises the lifecycle's refusals (nothing asked
    now, an empty answer, a version not seen) or
    :class:`~imio.guichet.errors.InvalidData` on the field ``files``;
    an empty answer is :class:`MessageRequired` on the field ``message``.
    """
    if find_transition(submission.state, "in_progress", CITIZEN) is None:
        # Before reading any file: nothing is asked now.
        raise TransitionNotAllowed(f"nothing is asked in {submission.state!r}")
    limits = upload_limits(find_procedure(submission.procedure_uid))
    try:
        if len(files) > limits.max_files:
            raise UploadRefused("too_many_files")
        uploads = [_upload(part, limits) for part in files]
        checked = handling.check_reply_files(limits, uploads)
    except UploadRefused as refused:
        error = FieldError("files", refused.code, UPLOAD_MESSAGES[refused.code])
        raise InvalidData([error]) from refused
    try:
        return handling.reply_as_citizen(
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


def withdraw(caller: Caller, submission: Submission, *, seen_etag: str | None):
    """The citizen withdraws a request not yet taken up (see :func:`answer`
    for how ``submission`` was found)."""
    return handling.withdraw(submission, seen_etag=seen_etag, user_id=caller.user_id)


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
    procedure = find_procedure(submission.procedure_uid)
    return ReceiptAccess(submission, procedure, by_citizen)
