"""Reading the audit trail: Site Administrators (the "View audit trail"
permission, held on the site).

One query (:class:`AuditQuery`) for the REST service and the page: by
person, action, request (its reference) and period (days of the site's
calendar), oldest or newest first. What people read (:func:`readable`) is
made here once, for the page and its CSV file: the time in the site's zone,
the action in the reader's language, the person's full name, which
requests (references, with their ids for a link).
"""

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from imio.guichet import _
from imio.guichet import audit
from imio.guichet.audit.api import ACTIONS
from imio.guichet.audit.api import MAX_PAGE_SIZE
from imio.guichet.audit.api import Selection
from imio.guichet.caller import Caller
from imio.guichet.errors import FieldError
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import LoginRequired
from imio.guichet.forms.kinds.dates import format_datetime
from imio.guichet.i18n import translate_for
from imio.guichet.permissions import ViewAuditTrail
from imio.guichet.submissions import api as submissions
from imio.guichet.submissions.query import _Reader as ParameterReader
from imio.guichet.submissions.query import whole_number
from imio.guichet.submissions.references import normalize_reference
from imio.guichet.submissions.states import STATES
from imio.guichet.timezones import site_timezone
from plone import api
from zope.i18nmessageid import Message

import json


#: The parameters of the trail's query, as the REST API and the page name
#: them (``format`` is the channel's).
AUDIT_PARAMETERS = (
    "actor",
    "action",
    "reference",
    "from",
    "to",
    "sort_order",
    "after",
    "limit",
)
DEFAULT_LIMIT = 100
#: Requests named per record on the page (an export may name thousands).
SHOWN_REQUESTS = 20

#: Each action in words, for people (the API keeps the codes).
ACTION_LABELS = {
    "read": _("audit_action_read", default="Read a request"),
    "list": _("audit_action_list", default="Listed requests"),
    "acknowledge": _("audit_action_acknowledge", default="Took a request"),
    "change_state": _("audit_action_change_state", default="Changed the state"),
    "export": _("audit_action_export", default="Exported requests"),
    "download": _("audit_action_download", default="Downloaded a file"),
    "dashboard": _("audit_action_dashboard", default="Read a dashboard"),
    "create_token": _("audit_action_create_token", default="Created an API token"),
    "revoke_token": _("audit_action_revoke_token", default="Revoked an API token"),
    "subscribe_webhook": _(
        "audit_action_subscribe_webhook", default="Subscribed a webhook"
    ),
    "update_webhook": _("audit_action_update_webhook", default="Changed a webhook"),
    "unsubscribe_webhook": _(
        "audit_action_unsubscribe_webhook", default="Removed a webhook"
    ),
    "retry_failed_mail": _(
        "audit_action_retry_failed_mail", default="Retried the failed e-mails"
    ),
    "assign": _("audit_action_assign", default="Assigned a request"),
    "message": _("audit_action_message", default="Wrote to a citizen"),
    "publish_model": _("audit_action_publish_model", default="Shared a model"),
    "create_from_model": _(
        "audit_action_create_from_model", default="Created a procedure from a model"
    ),
    "update_from_model": _(
        "audit_action_update_from_model", default="Updated a procedure from its model"
    ),
    "withdraw_model": _("audit_action_withdraw_model", default="Withdrew a model"),
    "edit_mail_template": _(
        "audit_action_edit_mail_template", default="Changed an e-mail of a procedure"
    ),
    "reset_mail_template": _(
        "audit_action_reset_mail_template",
        default="Reset an e-mail of a procedure to its default",
    ),
    "lookup_person": _(
        "audit_action_lookup_person", default="Looked up a person's requests"
    ),
    "export_person": _(
        "audit_action_export_person", default="Exported a person's requests"
    ),
    "erase": _("audit_action_erase", default="Anonymised or deleted a request"),
    "legal_hold": _("audit_action_legal_hold", default="Put a request on legal hold"),
    "release_hold": _("audit_action_release_hold", default="Lifted a legal hold"),
    "retention_purge": _(
        "audit_action_retention_purge", default="Purged requests past their retention"
    ),
    "publish_form": _(
        "audit_action_publish_form", default="Published a version of a form"
    ),
    "discard_form_changes": _(
        "audit_action_discard_form_changes", default="Discarded changes to a form"
    ),
    "translate_form": _(
        "audit_action_translate_form", default="Translated the texts of a form"
    ),
}
UNKNOWN_ACTION = _("error_unknown_audit_action", default="Unknown action.")
PERIOD_REVERSED = _(
    "error_period_reversed", default="The end of the period is before its start."
)

#: The columns of the trail's CSV file as people read it (the page's).
READABLE_COLUMNS = (
    _("label_audit_when", default="Date"),
    _("label_audit_who", default="Who"),
    _("label_audit_login", default="Login"),
    _("label_audit_action", default="Action"),
    _("label_audit_requests", default="Requests"),
    _("label_audit_details", default="Details"),
)


def _check(caller: Caller) -> None:
    if caller.is_anonymous:
        raise LoginRequired()
    if not api.user.has_permission(ViewAuditTrail, obj=api.portal.get()):
        raise Forbidden()


@dataclass(frozen=True)
class AuditQuery:
    """Which records of the trail, in which order, which page.

    ``actor`` is a user id; ``reference`` a request's reference (any case,
    with or without dash) or id; ``day_from``/``day_to`` days of the site's
    calendar, both included; ``after`` the key of a page cursor, which goes
    on in the order of the page that gave it (the same ``sort_order`` must
    come with it)."""

    actor: str | None = None
    action: str | None = None
    reference: str | None = None
    day_from: date | None = None
    day_to: date | None = None
    descending: bool = False
    after: str | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def read(
        cls,
        params: Mapping[str, object],
        known: Iterable[str] = AUDIT_PARAMETERS,
        *,
        default_limit: int = DEFAULT_LIMIT,
    ) -> tuple["AuditQuery", list[FieldError]]:
        """The query made of the valid parameters, and why each other one
        was left out (a page shows the rest)."""
        reader = ParameterReader(params, known)
        action = reader.text("action")
        if action is not None and action not in ACTIONS:
            reader.refuse("action", "unknown_action", UNKNOWN_ACTION)
            action = None
        day_from, day_to = reader.day("from"), reader.day("to")
        if day_from and day_to and day_to < day_from:
            reader.refuse("to", "period_reversed", PERIOD_REVERSED)
            day_to = None
        after = reader.text("after")
        if after is not None:
            try:
                after = audit.decode_audit_cursor(after)
            except InvalidQuery as refused:
                reader.errors.extend(refused.fields)
                after = None
        limit = reader.text("limit")
        number = default_limit if limit is None else whole_number(limit)
        if number is None or not 1 <= number <= MAX_PAGE_SIZE:
            reader.refuse(
                "limit",
                "invalid_limit",
                f"limit must be between 1 and {MAX_PAGE_SIZE}.",
            )
            number = default_limit
        query = cls(
            actor=reader.text("actor"),
            action=action,
            reference=reader.text("reference"),
            day_from=day_from,
            day_to=day_to,
            descending=reader.descending(),
            after=after,
            limit=number,
        )
        return query, reader.errors

    @classmethod
    def parse(
        cls, params: Mapping[str, object], known: Iterable[str] = AUDIT_PARAMETERS
    ) -> "AuditQuery":
        """The query, if every parameter is known and valid; raises
        :class:`~imio.guichet.errors.InvalidQuery` otherwise (the API's
        400, every faulty parameter listed)."""
        query, errors = cls.read(params, known)
        if errors:
            names = ", ".join(sorted({error.field for error in errors}))
            raise InvalidQuery(f"Invalid audit parameters: {names}.", fields=errors)
        return query

    def selection(self) -> Selection:
        """What the trail's reader filters on: the reference found (an
        unknown one still matches the exports that named it), the days
        as times of the site's zone."""
        submission_id = reference = None
        if self.reference:
            found = submissions.find_by_reference(
                self.reference
            ) or submissions.get_submission(self.reference)
            if found is not None:
                submission_id, reference = found.id, found.reference
            else:
                reference = normalize_reference(self.reference) or self.reference
        zone = site_timezone()
        start = end = None
        if self.day_from:
            start = datetime.combine(self.day_from, time(), tzinfo=zone)
        if self.day_to:
            end = datetime.combine(self.day_to + timedelta(days=1), time(), tzinfo=zone)
        return Selection(
            actor=self.actor,
            action=self.action,
            submission_id=submission_id,
            reference=reference,
            start=start,
            end=end,
        )

    def parameters(self) -> dict[str, str]:
        """The query's filters and order as parameters (without cursor
        and limit): what a next page's link and the CSV link carry."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "reference": self.reference,
            "from": self.day_from and self.day_from.isoformat(),
            "to": self.day_to and self.day_to.isoformat(),
            "sort_order": "descending" if self.descending else None,
        }
        return {name: value for name, value in values.items() if value}


def audit_page(caller: Caller, query: AuditQuery) -> tuple[list[dict], str | None]:
    """The page of records ``query`` asks for, and the next page's cursor
    (None on the last page). Records are as stored (the API's items)."""
    _check(caller)
    return audit.page(
        query.after,
        query.limit,
        descending=query.descending,
        selection=query.selection(),
    )


def export_audit(
    caller: Caller,
    write: Callable[[bytes], object],
    query: AuditQuery | None = None,
    *,
    for_people: bool = False,
) -> None:
    """The records ``query`` selects (all: the whole trail), every page of
    them, as CSV to ``write``, batch by batch: as stored (the API's), or
    ``for_people`` as the page shows them, in the caller's language."""
    _check(caller)
    query = query or AuditQuery()
    if not for_people:
        audit.write_csv(write, descending=query.descending, selection=query.selection())
        return
    language = caller.language

    def rows(batch: list[dict]) -> Iterable[tuple]:
        for entry in readable(batch, shown_requests=None):
            yield (
                entry["when"],
                entry["actor_name"],
                entry["actor"] or "",
                translate_for(entry["action_label"], language),
                " ".join(
                    request["reference"] or request["id"]
                    for request in entry["requests"]
                ),
                _details_text(entry, language),
            )

    audit.write_csv(
        write,
        descending=query.descending,
        selection=query.selection(),
        header=[translate_for(column, language) for column in READABLE_COLUMNS],
        row=rows,
    )


def _details_text(entry: dict, language: str | None) -> str:
    details = entry["details"]
    if entry["action"] == "change_state":
        return " → ".join(
            translate_for(label, language) if isinstance(label, Message) else label
            for label in (details["from_label"], details["to_label"])
        )
    return entry["details_text"]


# -- what people read ------------------------------------------------------


def readable(
    records: Iterable[dict],
    *,
    shown_requests: int | None = SHOWN_REQUESTS,
    language: str | None = None,
) -> list[dict]:
    """The records as people read them: ``when`` in the site's time zone,
    as ``language`` writes dates (None: the site's default language, as
    the readable export writes them), ``actor_name`` (the account's full name, else its
    id), ``action_label`` (a message to translate), ``requests`` (each
    ``{"id", "reference"}``, the first ``shown_requests`` of them; None:
    all) and ``more_requests`` (how many were left out)."""
    names: dict[str | None, str] = {}
    result = []
    for entry in records:
        actor = entry.get("actor")
        if actor not in names:
            names[actor] = full_name(actor)
        requests, more = _requests(entry, shown_requests)
        details = dict(entry.get("details") or {})
        details.pop("ui", None)
        if entry["action"] == "change_state":
            details["from_label"] = STATES.get(details.get("from"), details.get("from"))
            details["to_label"] = STATES.get(details.get("to"), details.get("to"))
        result.append(
            {
                "id": entry["id"],
                "date": entry["date"],
                "when": format_datetime(
                    datetime.fromisoformat(entry["date"]), language
                ),
                "actor": actor,
                "actor_name": names[actor],
                "action": entry["action"],
                "action_label": ACTION_LABELS.get(entry["action"], entry["action"]),
                "requests": requests,
                "more_requests": more,
                "details": details,
                "details_text": _compact(details)
                if entry["action"] != "change_state"
                else "",
            }
        )
    return result


def full_name(user_id: str | None) -> str:
    """The account's full name; its id when it has none or is gone; empty
    for an anonymous visitor."""
    if not user_id:
        return ""
    user = api.user.get(userid=user_id)
    name = user.getProperty("fullname", "") if user is not None else ""
    return name or user_id


def _requests(entry: dict, shown: int | None) -> tuple[list[dict], int]:
    ids = list(entry.get("submissions") or ())
    references = list(entry.get("references") or ())
    total = max(len(ids), len(references))
    count = total if shown is None else min(total, shown)
    requests = []
    for index in range(count):
        submission_id = ids[index] if index < len(ids) else None
        reference = references[index] if index < len(references) else None
        if reference is None and submission_id is not None:
            # Recorded before the trail kept references.
            found = submissions.get_submission(submission_id)
            reference = found.reference if found is not None else None
        elif submission_id is None and reference is not None and shown is not None:
            # An export names its rows by reference: the page links them.
            found = submissions.find_by_reference(reference)
            submission_id = found.id if found is not None else None
        requests.append({"id": submission_id, "reference": reference})
    return requests, total - count


def _compact(details: dict) -> str:
    if not details:
        return ""
    return json.dumps(details, ensure_ascii=False, sort_keys=True)
