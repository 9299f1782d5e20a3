"""Retention by staff: anonymise or delete one request now, put it under a
legal hold or lift it (explicit caller, permission, audit); and the purge
run from the command line.

Erasing needs "imio.guichet: Erase submissions" and holding "imio.guichet:
Place legal hold", on the request's procedure (or the site). Both need a
reason, kept in the audit trail only (a held request's history says who
held it and why; anonymising empties those texts).
"""

from datetime import datetime
from datetime import UTC
from imio.guichet import _
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.errors import Conflict
from imio.guichet.errors import FieldError
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import NotFound
from imio.guichet.retention import erasure
from imio.guichet.retention.policy import retention_of
from imio.guichet.retention.run import run_purge
from imio.guichet.retention.settings import ANONYMISE
from imio.guichet.retention.settings import DELETE
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.access import may_erase_submission
from imio.guichet.submissions.access import may_hold_submission
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import get_submission
from imio.guichet.submissions.lifecycle import MAX_MESSAGE_LENGTH
from imio.guichet.submissions.storage import Submission


#: What a staff member may do to a request now.
HOW = (ANONYMISE, DELETE)

REASON_REQUIRED = _("error_reason_required", default="Say why.")
HOW_REQUIRED = _(
    "error_erase_how", default="Choose whether to anonymise or delete the request."
)
CONFIRM_REQUIRED = _(
    "error_erase_confirm",
    default="Confirm: the request's personal data cannot be brought back.",
)
NO_SUCH_REQUEST = _("error_no_submission", default="No such request.")
ALREADY_ANONYMISED = _(
    "error_already_anonymised", default="This request is already anonymised."
)
NOT_HELD = _("error_not_held", default="This request is not under a legal hold.")
ALREADY_HELD = _(
    "error_already_held", default="This request is already under a legal hold."
)


def _find(caller: Caller, submission_id: str, allowed) -> Submission:
    if caller.is_anonymous:
        raise LoginRequired()
    submission = get_submission(submission_id) if submission_id else None
    if submission is None:
        raise NotFound(NO_SUCH_REQUEST)
    if not allowed(submission):  # as the other staff operations refuse
        raise Forbidden()
    return submission


def _reason(reason) -> str:
    text = reason.strip()[:MAX_MESSAGE_LENGTH] if isinstance(reason, str) else ""
    if not text:
        raise InvalidInput(
            REASON_REQUIRED,
            fields=[FieldError("reason", "required", REASON_REQUIRED)],
        )
    return text


def may_erase(caller: Caller, submission: Submission) -> bool:
    return not caller.is_anonymous and may_erase_submission(submission)


def may_hold(caller: Caller, submission: Submission) -> bool:
    return not caller.is_anonymous and may_hold_submission(submission)


def erase(
    caller: Caller,
    submission_id: str,
    how: object,
    reason: object,
    *,
    confirmed: object = False,
    now: datetime | None = None,
) -> Submission:
    """Anonymise (``how="anonymise"``, keeping the procedure's fields that
    are not personal) or delete (``"delete"``) one request now, with a
    reason, ``confirmed`` (True: it cannot be undone); refused while it is
    under a legal hold. Returns the request
    (detached from the store when deleted)."""
    submission = _find(caller, submission_id, may_erase_submission)
    if how not in HOW:
        raise InvalidInput(
            HOW_REQUIRED, fields=[FieldError("action", "invalid", HOW_REQUIRED)]
        )
    text = _reason(reason)
    if confirmed is not True:
        raise InvalidInput(
            CONFIRM_REQUIRED,
            fields=[FieldError("confirm", "required", CONFIRM_REQUIRED)],
        )
    now = now or datetime.now(UTC)
    if how == ANONYMISE:
        if submission.anonymised is not None:
            raise Conflict(ALREADY_ANONYMISED)
        retention = retention_of(find_procedure(submission.procedure_uid))
        erasure.anonymise(
            get_store(),
            submission,
            kept_fields=retention.kept_fields,
            now=now,
            actor=caller.user_id,
        )
    else:
        erasure.delete(get_store(), submission, now=now)
    audit.record(caller, "erase", [submission], {"how": how, "reason": text})
    return submission


def place_hold(
    caller: Caller, submission_id: str, reason: object, *, now=None
) -> Submission:
    """Put the request under a legal hold, with a reason."""
    submission = _find(caller, submission_id, may_hold_submission)
    text = _reason(reason)
    if submission.legal_hold is not None:
        raise Conflict(ALREADY_HELD)
    erasure.place_hold(
        submission, reason=text, now=now or datetime.now(UTC), actor=caller.user_id
    )
    audit.record(caller, "legal_hold", [submission], {"reason": text})
    return submission


def release_hold(
    caller: Caller, submission_id: str, reason: object, *, now=None
) -> Submission:
    """Lift the request's legal hold, with a reason."""
    submission = _find(caller, submission_id, may_hold_submission)
    text = _reason(reason)
    if submission.legal_hold is None:
        raise Conflict(NOT_HELD)
    erasure.release_hold(
        submission, reason=text, now=now or datetime.now(UTC), actor=caller.user_id
    )
    audit.record(caller, "release_hold", [submission], {"reason": text})
    return submission


def purge_now(caller: Caller, *, now: datetime, commit, abort):
    """The purge, from a maintenance script (cron): its audit record names
    the script's caller and says "command line"."""
    return run_purge(
        now=now, commit=commit, abort=abort, actor=caller.user_id, by="command line"
    )
