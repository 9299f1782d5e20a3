"""What staff and back offices do with submissions: list them, read one,
take it (acknowledge), move it on, export them, download their files.

Who may do what is Zope's security, asked of the caller's session:
reading needs "imio.guichet: Read submissions" on the submission's
procedure (or the site), acknowledging and moving on "Manage submissions"
(see :mod:`imio.guichet.submissions.access`). Every read, change and
export is written to the audit trail here, and nowhere else.
"""

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from imio.guichet import _
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.content.translations import canonical_uid
from imio.guichet.errors import FieldError
from imio.guichet.errors import Forbidden
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidAssignee
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import MessageRequired
from imio.guichet.errors import NotFound
from imio.guichet.errors import StaleVersion
from imio.guichet.errors import TransitionNotAllowed
from imio.guichet.errors import VersionRequired
from imio.guichet.rights.nrn import as_seen
from imio.guichet.rights.nrn import Disclosure
from imio.guichet.submissions import api as submissions
from imio.guichet.submissions import handling
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.access import may_manage_submission
from imio.guichet.submissions.access import may_read_submission
from imio.guichet.submissions.access import may_read_submissions_of
from imio.guichet.submissions.access import principals_of
from imio.guichet.submissions.access import procedure_handlers
from imio.guichet.submissions.access import readable_procedure_uids
from imio.guichet.submissions.api import Page
from imio.guichet.submissions.attachments import find_attachment
from imio.guichet.submissions.due import today
from imio.guichet.submissions.export import write_export
from imio.guichet.submissions.lifecycle import allowed_states
from imio.guichet.submissions.lifecycle import is_open
from imio.guichet.submissions.lifecycle import STAFF
from imio.guichet.submissions.query import ASSIGNEE_ME
from imio.guichet.submissions.query import ExportQuery
from imio.guichet.submissions.query import ListingQuery
from imio.guichet.submissions.query import UNKNOWN_STATE
from imio.guichet.submissions.search import parse_search
from imio.guichet.submissions.states import STATES
from imio.guichet.submissions.storage import Submission
from imio.guichet.usecases.uploads import checked_files
from typing import Any


STALE = _(
    "error_stale_request",
    default="Someone changed this request since you opened it: nothing was "
    "changed. Here it is as it is now; check it and try again.",
)
NOTHING_CHANGED = _("error_nothing_changed", default="Nothing was changed.")
MESSAGE_REQUIRED = _(
    "error_message_required", default="Write what you ask the citizen."
)
MESSAGE_TEXT_REQUIRED = _(
    "error_staff_message_required", default="Write your message to the citizen."
)
CLOSED = _(
    "error_request_closed",
    default="This request is closed: no message can be added any more.",
)


def refuse(caller: Caller):
    """The refusal of someone without the permission: log in may help an
    anonymous visitor; others are simply not allowed."""
    return LoginRequired() if caller.is_anonymous else Forbidden()


# -- listing ---------------------------------------------------------------


def listed_procedures(caller: Caller, within: str | None = None) -> list[str] | None:
    """The procedures whose submissions ``caller`` may list (None: every
    one, the permission is held on the site), in the procedure ``within``
    (a listing on a procedure) or on the whole site."""
    if caller.is_anonymous:
        raise LoginRequired()
    if within is not None:
        procedure = find_procedure(within)
        if procedure is None or not may_read_submissions_of(procedure):
            raise Forbidden()
        return [within]
    readable = readable_procedure_uids()
    if readable is not None and not readable:
        raise Forbidden()
    return None if readable is None else sorted(readable)


def may_list(caller: Caller, within: str | None = None) -> bool:
    """Whether ``caller`` may list submissions (of the procedure ``within``,
    or some on the site)."""
    try:
        listed_procedures(caller, within)
    except (LoginRequired, Forbidden):
        return False
    return True


def _scope(caller: Caller, query: ListingQuery, within: str | None) -> list[str] | None:
    """The procedures of this listing: what the caller may read, narrowed
    by the query's procedure."""
    readable = listed_procedures(caller, within)
    requested = query.procedure_uid
    if requested is None:
        return readable
    if within is not None and requested != within:
        raise InvalidQuery(
            "Use the procedure parameter on the site.",
            fields=[
                FieldError(
                    "procedure",
                    "not_this_procedure",
                    "Use the procedure parameter on the site.",
                )
            ],
        )
    if readable is not None and requested not in readable:
        raise refuse(caller)
    return [requested]


def list_submissions(
    caller: Caller,
    query: ListingQuery,
    *,
    within: str | None = None,
    audited_query: dict | None = None,
) -> Page:
    """One page of the submissions ``caller`` may read that match ``query``
    (on the procedure ``within``, or the site); ``query.reference`` finds
    the one submission of a reference (the same empty page whether it does
    not exist or may not be read); ``query.since`` reads the change feed.

    The page is written to the audit trail with ``audited_query`` (the
    parameters as asked)."""
    uids = _scope(caller, query, within)
    if query.reference:
        found = submissions.find_by_reference(query.reference)
        if found is not None and (
            (uids is not None and found.procedure_uid not in uids)
            or not may_read_submission(found)
        ):
            found = None
        items = [found] if found is not None else []
        page = Page(items, len(items), None, None)
    elif query.is_feed:
        page = submissions.feed_submissions(
            procedure_uids=uids, since=query.since, limit=query.limit
        )
    else:
        page = submissions.list_submissions(
            procedure_uids=uids,
            state=query.state,
            cursor=query.cursor,
            limit=query.limit,
            unacknowledged=query.unacknowledged,
            created_from=query.created_from,
            created_to=query.created_to,
            descending=query.descending,
            sort_on=query.sort_on,
            assignees=assignees_of(caller, query.assignee),
            overdue_on=today() if query.overdue else None,
            due_before=query.due_before,
            search=parse_search(query.q) if query.q else None,
        )
    audit.record(caller, "list", page.items, {"query": dict(audited_query or {})})
    # National register numbers masked for whoever may not see them.
    return replace(page, items=list(Disclosure().all(page.items)))


def assignees_of(caller: Caller, assignee: str | None) -> list[str] | None:
    """The principals an ``assignee`` filter stands for: ``me`` is the
    caller and their groups ("Mes dossiers"); None: no such filter."""
    if assignee is None:
        return None
    if assignee == ASSIGNEE_ME:
        return principals_of(caller.user_id)
    return [assignee]


def count_by_state(
    caller: Caller, query: ListingQuery, *, within: str | None = None
) -> dict[str, int]:
    """How many submissions of the listing's procedures are in each state."""
    return submissions.count_by_state(_scope(caller, query, within))


# -- one submission ----------------------------------------------------------


def _find(submission_id: str, within: str | None) -> Submission:
    """The submission (under the procedure ``within``, if given)."""
    submission = submissions.get_submission(submission_id)
    if submission is None or (
        within is not None and submission.procedure_uid != within
    ):
        raise NotFound(_("error_no_submission", default="No such request."))
    return submission


def _readable(caller: Caller, submission_id: str, within: str | None) -> Submission:
    if caller.is_anonymous:  # before looking: say nothing of what exists
        raise LoginRequired()
    submission = _find(submission_id, within)
    if not may_read_submission(submission):
        raise Forbidden()
    return submission


def _manageable(caller: Caller, submission_id: str, within: str | None) -> Submission:
    submission = _readable(caller, submission_id, within)
    if not may_manage_submission(submission):
        raise Forbidden()
    return submission


def read_submission(
    caller: Caller, submission_id: str, *, within: str | None = None
) -> Submission:
    """The submission, for staff who may read it (written to the trail)."""
    submission = _readable(caller, submission_id, within)
    audit.record(caller, "read", [submission])
    return as_seen(submission)


def may_manage(caller: Caller, submission: Submission) -> bool:
    """Whether ``caller`` may acknowledge or move this submission on (the
    page shows its buttons then)."""
    return not caller.is_anonymous and may_manage_submission(submission)


def next_states(caller: Caller, submission: Submission) -> list[str]:
    """The states ``caller`` may move the submission to now."""
    if not may_manage(caller, submission):
        return []
    return allowed_states(submission, STAFF)


def acknowledge(
    caller: Caller, submission_id: str, *, external_reference: object = ""
) -> tuple[Submission, dict]:
    """A back office took the submission (idempotent: a retry gets the
    first acknowledgement, unchanged); returns it and the acknowledgement."""
    submission = _manageable(caller, submission_id, None)
    if not isinstance(external_reference, str):
        raise InvalidInput("external_reference must be text")
    acknowledgement, new = handling.acknowledge(
        submission, user_id=caller.user_id, external_reference=external_reference
    )
    audit.record(caller, "acknowledge", [submission], {"first": new})
    return as_seen(submission), acknowledgement


def change_state(
    caller: Caller,
    submission_id: str,
    to_state: str,
    *,
    seen_etag: str | None,
    message: str = "",
    note: str = "",
    files: Sequence[Any] = (),
) -> Submission:
    """Move the submission on, if it is still the version the caller saw
    (``seen_etag``, required); ``message`` is for the citizen, ``note`` for
    staff only, ``files`` for the citizen (the decision, a permit: uploaded
    parts or the API's file objects, within the procedure's limits).
    Nothing changes when it is refused."""
    submission = _manageable(caller, submission_id, None)
    if not seen_etag:
        raise VersionRequired("Send If-Match with the ETag you read.")
    if not isinstance(to_state, str) or not to_state:
        raise InvalidInput('The body needs a "state".')
    before = submission.state
    checked = checked_files(submission, files)
    try:
        handling.update_state(
            submission,
            to_state,
            seen_etag=seen_etag,
            user_id=caller.user_id,
            public_message=str(message or ""),
            internal_note=str(note or ""),
            files=checked,
        )
    except StaleVersion as stale:
        raise StaleVersion(
            STALE, headers={"ETag": handling.etag(submission)}
        ) from stale
    except TransitionNotAllowed as refused:
        allowed = ", ".join(allowed_states(submission, STAFF)) or "none"
        raise TransitionNotAllowed(
            _(
                "error_transition_refused",
                default="This request cannot go to that state now; "
                "allowed: ${allowed}.",
                mapping={"allowed": allowed},
            )
        ) from refused
    except MessageRequired as refused:
        raise MessageRequired(
            NOTHING_CHANGED,
            fields=[FieldError("message", "message_required", MESSAGE_REQUIRED)],
        ) from refused
    audit.record(
        caller,
        "change_state",
        [submission],
        {"from": before, "to": to_state, **_files_detail(checked)},
    )
    return as_seen(submission)


def _files_detail(files: Sequence) -> dict:
    """How many files went with a change, for its audit record (said only
    when there were some)."""
    return {"files": len(files)} if files else {}


def write(
    caller: Caller,
    submission_id: str,
    message: str,
    *,
    seen_etag: str | None,
    files: Sequence[Any] = (),
) -> Submission:
    """A message of the service to the citizen, with ``files`` (as for
    :func:`change_state`), without changing the request's state: while it
    is open, by whoever may move it on, if it is still the version they
    saw. Nothing changes when it is refused."""
    submission = _manageable(caller, submission_id, None)
    if not seen_etag:
        raise VersionRequired("Send If-Match with the ETag you read.")
    if not isinstance(message, str) or not message.strip():
        raise MessageRequired(
            NOTHING_CHANGED,
            fields=[FieldError("message", "message_required", MESSAGE_TEXT_REQUIRED)],
        )
    if not is_open(submission):
        raise TransitionNotAllowed(CLOSED)
    checked = checked_files(submission, files)
    try:
        handling.post_message(
            submission,
            message,
            actor=STAFF,
            seen_etag=seen_etag,
            user_id=caller.user_id,
            files=checked,
        )
    except StaleVersion as stale:
        raise StaleVersion(
            STALE, headers={"ETag": handling.etag(submission)}
        ) from stale
    audit.record(caller, "message", [submission], _files_detail(checked))
    return as_seen(submission)


NOT_A_HANDLER = _(
    "error_not_a_handler",
    default="Choose someone who handles this procedure.",
)


def assignable(caller: Caller, submission: Submission) -> list[str]:
    """Whom ``caller`` may assign the submission to (user and group ids,
    sorted): those who handle its procedure; none if the caller may not
    manage it."""
    if not may_manage(caller, submission):
        return []
    procedure = find_procedure(submission.procedure_uid)
    return [] if procedure is None else sorted(procedure_handlers(procedure))


def assign(
    caller: Caller,
    submission_id: str,
    assignee: object,
    *,
    seen_etag: str | None,
) -> Submission:
    """Assign the submission to a person or a group who handles its
    procedure (``assignee`` None or empty: to nobody), if it is still the
    version the caller saw (``seen_etag``, required). Recorded in its
    history and the audit trail; nothing changes when it is refused or
    when it is already so."""
    submission = _manageable(caller, submission_id, None)
    if not seen_etag:
        raise VersionRequired("Send If-Match with the ETag you read.")
    if assignee is not None and not isinstance(assignee, str):
        raise InvalidAssignee(
            NOT_A_HANDLER,
            fields=[FieldError("assignee", "invalid_assignee", NOT_A_HANDLER)],
        )
    assignee = (assignee or "").strip() or None
    if assignee is not None and assignee not in assignable(caller, submission):
        raise InvalidAssignee(
            NOT_A_HANDLER,
            fields=[FieldError("assignee", "not_a_handler", NOT_A_HANDLER)],
        )
    before = submission.assignee
    try:
        event = handling.assign(
            submission, assignee, seen_etag=seen_etag, user_id=caller.user_id
        )
    except StaleVersion as stale:
        raise StaleVersion(
            STALE, headers={"ETag": handling.etag(submission)}
        ) from stale
    if event is not None:
        audit.record(caller, "assign", [submission], {"from": before, "to": assignee})
    return as_seen(submission)


#: Requests moved at once, at most (a listing page holds up to 100).
MAX_BULK = 100
NONE_CHOSEN = _("error_none_chosen", default="Choose at least one request.")
STATE_REQUIRED = _("error_state_required", default="Choose the new state.")


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one request of a change made to several: moved
    (``refused`` None), or why not. ``reference`` only when the caller may
    read the request (an id sent by hand says nothing of another's)."""

    submission_id: str
    reference: str | None
    refused: GuichetError | None = None

    @property
    def moved(self) -> bool:
        return self.refused is None


def change_states(
    caller: Caller,
    seen: Sequence[tuple[str, str | None]],
    to_state: str,
    *,
    message: str = "",
    note: str = "",
) -> list[BulkOutcome]:
    """Move several submissions, each ``(id, version seen)``, to
    ``to_state`` with one ``message`` and ``note``: each one checked,
    changed and audited by :func:`change_state`, as if alone, so that one
    refused (not allowed, changed meanwhile, not yours) leaves the others
    moved. The outcomes come in the order given (an id given twice once)."""
    if caller.is_anonymous:
        raise LoginRequired()
    if not isinstance(to_state, str) or not to_state:
        raise InvalidInput(
            STATE_REQUIRED,
            fields=[FieldError("state", "state_required", STATE_REQUIRED)],
        )
    if to_state not in STATES:  # no state to go to: say it once, not per request
        raise InvalidInput(
            UNKNOWN_STATE,
            fields=[FieldError("state", "unknown_state", UNKNOWN_STATE)],
        )
    return _each(
        seen,
        lambda submission_id, seen_etag: change_state(
            caller,
            submission_id,
            to_state,
            seen_etag=seen_etag,
            message=message,
            note=note,
        ),
    )


def assign_many(
    caller: Caller,
    seen: Sequence[tuple[str, str | None]],
    assignee: object,
) -> list[BulkOutcome]:
    """Assign several submissions, each ``(id, version seen)``, to one
    person or group (None or empty: to nobody): each one checked, assigned
    and audited by :func:`assign`, as if alone (one whose procedure
    ``assignee`` does not handle, changed meanwhile or not yours is
    refused, the others assigned). The outcomes come in the order given."""
    if caller.is_anonymous:
        raise LoginRequired()
    if assignee is not None and not isinstance(assignee, str):
        raise InvalidAssignee(
            NOT_A_HANDLER,
            fields=[FieldError("assignee", "invalid_assignee", NOT_A_HANDLER)],
        )
    return _each(
        seen,
        lambda submission_id, seen_etag: assign(
            caller, submission_id, assignee, seen_etag=seen_etag
        ),
    )


def _each(
    seen: Sequence[tuple[str, str | None]],
    change: Callable[[str, str | None], Submission],
) -> list[BulkOutcome]:
    """``change`` each chosen submission (an id given twice: once), what
    one refuses not stopping the others."""
    chosen = list(dict(seen).items())
    if not chosen:
        raise InvalidInput(
            NONE_CHOSEN,
            fields=[FieldError("submissions", "none_chosen", NONE_CHOSEN)],
        )
    if len(chosen) > MAX_BULK:
        raise InvalidInput(
            f"At most {MAX_BULK} requests at once.",
            fields=[
                FieldError(
                    "submissions",
                    "too_many",
                    f"At most {MAX_BULK} requests at once.",
                )
            ],
        )
    outcomes = []
    for submission_id, seen_etag in chosen:
        try:
            submission = change(submission_id, seen_etag)
        except GuichetError as refused:
            found = submissions.get_submission(submission_id)
            readable = found is not None and may_read_submission(found)
            outcomes.append(
                BulkOutcome(
                    submission_id, found.reference if readable else None, refused
                )
            )
            continue
        outcomes.append(BulkOutcome(submission_id, submission.reference))
    return outcomes


def download_attachment(
    caller: Caller, submission_id: str, name: str, *, within: str | None = None
):
    """A file of the submission, for staff who may read it (written to the
    trail); :class:`NotFound` if it has no file of that name."""
    submission = _readable(caller, submission_id, within)
    attachment = find_attachment(submission, name)
    if attachment is None:
        raise NotFound(_("error_no_attachment", default="No such attachment."))
    audit.record(caller, "download", [submission], {"attachment": name})
    return attachment


# -- export ------------------------------------------------------------------


def check_export(caller: Caller, procedure) -> None:
    """Whether ``caller`` may export the submissions of ``procedure``."""
    if caller.is_anonymous or not may_read_submissions_of(procedure):
        raise refuse(caller)


def export_submissions(
    caller: Caller,
    procedure,
    query: ExportQuery,
    write: Callable[[bytes], object],
) -> int:
    """Write the submissions of ``procedure`` that match ``query`` to
    ``write``, batch by batch (memory stays flat); return how many. The
    audit record says what was exported (:func:`export_details`), whatever
    the channel."""
    check_export(caller, procedure)
    references = []

    def exported():
        # Which rows, for the trail: references only (8 characters each).
        disclosure = Disclosure()
        for submission in _exported(procedure, query):
            references.append(submission.reference)
            yield disclosure(submission)

    # The XLSX in the staff member's language (CSV, JSON Lines: names).
    count = write_export(
        query.kind, write, procedure, exported(), language=caller.language
    )
    details = {"count": count, **export_details(procedure, query)}
    audit.record(caller, "export", [], details, references=references)
    return count


def export_details(procedure, query: ExportQuery) -> dict:
    """The procedure and every filter of an export, as its parameters are
    named (the days in ISO format); filters not used are left out."""
    filters = {
        "state": query.state,
        "from": query.created_from and query.created_from.isoformat(),
        "to": query.created_to and query.created_to.isoformat(),
        "reference": query.reference,
        "q": query.q,
    }
    return {
        "procedure": canonical_uid(procedure),
        "format": query.kind,
        **{name: value for name, value in filters.items() if value is not None},
    }


def _exported(procedure, query: ExportQuery) -> Iterator[Submission]:
    if query.reference:
        # As the listing: the one submission of that reference, if it is
        # this procedure's (the caller may read them all: checked above).
        found = submissions.find_by_reference(query.reference)
        uid = canonical_uid(procedure)
        return iter([found] if found is not None and found.procedure_uid == uid else [])
    return submissions.iter_submissions(
        canonical_uid(procedure),
        state=query.state,
        created_from=query.created_from,
        created_to=query.created_to,
        search=parse_search(query.q) if query.q else None,
    )
