"""Staff handling in Classic UI: the "Demandes" listing (of a procedure, or
of the whole site) and the page of one submission, where staff move it on.

The rules are the REST API's, in the same use cases
(:mod:`imio.guichet.usecases.staff`): reading needs "Read submissions" on
the submission's procedure, every read is in the audit trail, and a change
is made on the version the page showed, so that two staff members cannot
overwrite each other's change.
"""

from datetime import datetime
from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.display import single
from imio.guichet.browser.display import state_label
from imio.guichet.browser.display import SubmissionPage
from imio.guichet.browser.display import summary_rows
from imio.guichet.browser.errors import field_messages
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.browser.errors import show_on_page
from imio.guichet.browser.export import EXPORT_VIEW
from imio.guichet.browser.prg import keep_for_page
from imio.guichet.browser.prg import keep_refusal
from imio.guichet.browser.prg import show_kept_refusal
from imio.guichet.browser.prg import take_for_page
from imio.guichet.browser.prg import take_refusal
from imio.guichet.browser.receipt import receipt_url
from imio.guichet.browser.worklist import Cells
from imio.guichet.browser.worklist import chosen_columns
from imio.guichet.browser.worklist import column_headers
from imio.guichet.browser.worklist import FIRST_ORDER
from imio.guichet.browser.worklist import LATENESS_LABELS
from imio.guichet.browser.worklist import principal_title
from imio.guichet.browser.worklist import work_details
from imio.guichet.caller import HTML
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.content.translations import canonical_uid
from imio.guichet.errors import GuichetError
from imio.guichet.forms import kinds
from imio.guichet.forms.display import format_datetime
from imio.guichet.forms.kinds.dates import format_day
from imio.guichet.i18n import counted
from imio.guichet.metrics.counters import count_refusal
from imio.guichet.submissions.access import may_read_some_submissions
from imio.guichet.submissions.api import Page
from imio.guichet.submissions.due import lateness
from imio.guichet.submissions.due import today
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.lifecycle import find_transition
from imio.guichet.submissions.lifecycle import STAFF
from imio.guichet.submissions.query import ListingQuery
from imio.guichet.submissions.query import whole_number
from imio.guichet.submissions.states import STATES
from imio.guichet.usecases import retention
from imio.guichet.usecases import staff
from plone import api
from plone.base.interfaces import IPloneSiteRoot
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from stdnum.be import nn
from urllib.parse import urlencode
from zope.i18n import translate
from zope.i18nmessageid import Message


#: The levels of assurance (eIDAS), as staff read them.
LEVEL_LABELS = {
    "low": _("level_low", default="low"),
    "substantial": _("level_substantial", default="substantial"),
    "high": _("level_high", default="high"),
}
#: The authentic values of a verified identity, as staff read them.
AUTHENTIC_LABELS = {
    "national_number": _("label_national_number", default="National register number"),
    "family_name": _("label_family_name", default="Family name"),
    "given_name": _("label_given_name", default="Given name(s)"),
}


#: The filters of the listing page, as its form names them.
FILTERS = (
    "procedure",
    "state",
    "from",
    "to",
    "reference",
    "sort_order",
    "limit",
    "sort_on",
    "assignee",
    "overdue",
    "due_before",
    "q",
)

REQUEST_VIEW = "@@guichet-request"
#: The export's formats, as the listing offers them.
EXPORT_FORMATS = (
    ("csv", _("label_export_csv", default="Export (CSV)")),
    ("xlsx", _("label_export_xlsx", default="Export (Excel)")),
    ("jsonl", _("label_export_jsonl", default="Export (JSON Lines)")),
)
LISTING_VIEW = "@@guichet-requests"
#: The listing's filters that its export applies too (ExportQuery's).
EXPORTED_FILTERS = ("state", "from", "to", "reference", "q")


def request_url(submission) -> str:
    """The staff page of a submission."""
    return page_of(submission.id)


def page_of(submission_id: str) -> str:
    """The staff page of the submission of this id."""
    query = urlencode({"id": submission_id})
    return f"{api.portal.get().absolute_url()}/{REQUEST_VIEW}?{query}"


class MacrosView(BrowserView):
    """``context/@@guichet-macros/<name>``: the macros of the pages."""

    def __getitem__(self, name):
        return self.index.macros[name]


class CursorPages:
    """What the pagination macro needs, given ``self.page`` and
    ``page_url(**query)``; the page number is for people only."""

    def page_url(self, **query) -> str:
        raise NotImplementedError

    def page_number(self) -> int:
        value = single(self.request.form, "page")
        number = whole_number(value)
        return number if number else 1

    def next_url(self) -> str | None:
        if not self.page.next_cursor:
            return None
        return self.page_url(
            cursor=self.page.next_cursor, page=str(self.page_number() + 1)
        )

    def first_url(self) -> str:
        return self.page_url()


class AccessView(BrowserView):
    """For the site's actions: whether to show the staff their way in."""

    def __call__(self) -> bool:
        return may_read_some_submissions()


class RequestsView(CallerOfRequest, CursorPages, BrowserView):
    """ "Demandes": a procedure's submissions, or all those the user may
    read on the site; filtered by procedure, state and day, searchable by
    reference and by the applicant's names and answers (``q``), one page
    at a time (a cursor, never the whole store).

    A faulty filter is left out, with why next to it: the page still lists."""

    errors: dict
    page: Page

    def __call__(self):
        self.bulk_errors, self.bulk_error_codes, self.bulk_result = {}, {}, None
        self.errors, self.error_codes, self.typed = {}, {}, {}
        if self.request.method == "POST":
            answer = self.change_states()
            if answer is not None:
                return answer
        else:
            kept = take_for_page(self.request, self.listing_page())
            if kept is not None:
                self.show_kept(kept)
        filters = dict(self.query)
        filters.setdefault("sort_order", self.default_order())
        cursor = single(self.request.form, "cursor")
        if cursor:
            filters["cursor"] = cursor
        known = FILTERS + ("cursor",) if self.on_site else FILTERS[1:] + ("cursor",)
        self.listing_query, refused = ListingQuery.read(filters, known)
        self.errors = field_messages(refused)
        self.error_codes = {error.field: error.code for error in refused}
        try:
            self.page = staff.list_submissions(
                self.caller,
                self.listing_query,
                within=self.within,
                # What was applied: a filter left out is not in the trail.
                audited_query={
                    name: value
                    for name, value in self.query.items()
                    if name not in self.errors
                },
            )
        except GuichetError as exc:
            raise_for_page(exc)
            raise
        return self.index()

    def default_order(self) -> str:
        """Newest first; by due date, the nearest first."""
        due_filtered = "overdue" in self.query or "due_before" in self.query
        sort_on = self.query.get("sort_on") or ("due" if due_filtered else "created")
        return FIRST_ORDER.get(sort_on, "descending")

    @cached_property
    def on_site(self) -> bool:
        return IPloneSiteRoot.providedBy(self.context)

    @cached_property
    def within(self) -> str | None:
        """The procedure listed (None: the site)."""
        return None if self.on_site else canonical_uid(self.context)

    @cached_property
    def query(self) -> dict:
        form = self.request.form
        return {name: single(form, name) for name in FILTERS if single(form, name)}

    @cached_property
    def readable_uids(self) -> list[str] | None:
        """The procedures this page may show (before the procedure filter)."""
        return staff.listed_procedures(self.caller, self.within)

    # -- for the template -------------------------------------------------

    def procedures(self) -> list[dict]:
        """Procedures of the filter, by title (site listing only)."""
        query = {"sort_on": "sortable_title"}
        if self.readable_uids is not None:
            query["UID"] = sorted(self.readable_uids)
        return [
            {"uid": brain.UID, "title": brain.Title}
            for brain in find_online_forms(**query)
        ]

    def state_counts(self) -> list[dict]:
        """Every state with its count (from the index lengths)."""
        counts = staff.count_by_state(
            self.caller, self.listing_query, within=self.within
        )
        selected = self.query.get("state")
        base = {k: v for k, v in self.query.items() if k not in ("state", "reference")}
        return [
            {
                "id": state,
                "label": label,
                "count": counts[state],
                "url": self.url(**base, state=state),
                "current": state == selected,
            }
            for state, label in STATES.items()
        ]

    def url(self, **query) -> str:
        base = f"{self.context.absolute_url()}/{LISTING_VIEW}"
        query = {k: v for k, v in query.items() if v}
        return f"{base}?{urlencode(query)}" if query else base

    @cached_property
    def columns(self) -> list[str]:
        """The answers shown (chosen per procedure), or the applicant."""
        return chosen_columns(None if self.on_site else self.context)

    def column_headers(self) -> list[dict]:
        return column_headers(
            None if self.on_site else self.context,
            self.columns,
            api.portal.get_current_language(),
        )

    def rows(self) -> list[dict]:
        items = self.page.items
        procedure = None if self.on_site else self.context
        language = api.portal.get_current_language()
        details = work_details(items, Cells(procedure, self.columns, language))
        rows = summary_rows(items, request_url, language=language)
        return [
            # What the bulk form sends too: which request, in which version.
            {**row, **more, "id": submission.id, "etag": etag(submission)}
            for row, more, submission in zip(rows, details, items, strict=True)
        ]

    def sort_link(self, column: str) -> dict:
        """The header link that sorts on ``column`` (the other way if the
        list is sorted on it), keeping the filters; ``aria_sort`` says
        how the list is sorted now. No link for an order the due-date
        filters do not allow."""
        query = self.listing_query
        current = query.sort_on == column
        order = "descending" if query.descending else "ascending"
        if current:
            following = "ascending" if query.descending else "descending"
        else:
            following = FIRST_ORDER[column]
        allowed = column == "due" or not query.due_filtered
        url = self.url(**{**self.query, "sort_on": column, "sort_order": following})
        return {
            "url": url if allowed else None,
            "aria_sort": order if current else None,
            "arrow": ("↓" if query.descending else "↑") if current else "",
        }

    def principal_title(self, principal_id: str) -> str:
        return principal_title(principal_id)

    def mine_url(self) -> str:
        """ "Mes dossiers": assigned to me and my groups, the filters kept."""
        return self.url(**{**self.query, "assignee": "me"})

    def export_links(self) -> list[dict]:
        """The export of what the filters select (state and days, or the
        reference searched), one link per format; on the site, once a
        procedure is chosen (see :meth:`export_needs_procedure`)."""
        query = {
            name: value
            for name, value in self.query.items()
            if name in EXPORTED_FILTERS and name not in self.errors
        }
        if self.on_site:
            if "procedure" not in self.query or "procedure" in self.errors:
                return []
            query["procedure"] = self.query["procedure"]
        base = f"{self.context.absolute_url()}/{EXPORT_VIEW}"
        return [
            {
                "format": kind,
                "label": label,
                "url": f"{base}?{urlencode({**query, 'format': kind})}",
            }
            for kind, label in EXPORT_FORMATS
        ]

    def export_needs_procedure(self) -> bool:
        """On the site, an export is of one procedure (its columns are its
        form's): the page says so until one is chosen."""
        return self.on_site and not self.export_links()

    def page_url(self, **query) -> str:
        return self.url(**self.query, **query)

    # -- bulk changes of state ----------------------------------------------

    def listing_page(self) -> str:
        """What a kept outcome is for: this listing, whatever its filters."""
        return f"{self.context.absolute_url()}/{LISTING_VIEW}"

    def current_url(self) -> str:
        """This page's address, filters and page included: where the bulk
        form posts, and where it leads back to."""
        query = self.request.get("QUERY_STRING", "")
        return f"{self.listing_page()}?{query}" if query else self.listing_page()

    def change_states(self):
        """Apply one transition to the requests chosen, each checked and
        audited alone by the use case, then lead back to this listing
        (Post/Redirect/Get) with what moved and what did not, and why."""
        CheckAuthenticator(self.request)
        form = self.request.form
        chosen = form.get("ids") or []
        if isinstance(chosen, str):
            chosen = [chosen]
        seen = [
            (submission_id, single(form, f"etag-{submission_id}") or None)
            for submission_id in chosen
            if isinstance(submission_id, str)
        ]
        assigning = bool(single(form, "assign"))
        # "bulk_assignee": the listing's filter form has its "assignee".
        names = ("bulk_assignee",) if assigning else ("to_state", "message", "note")
        typed = {name: single(form, name) for name in names}
        try:
            if assigning:
                outcomes = staff.assign_many(self.caller, seen, typed["bulk_assignee"])
            else:
                outcomes = staff.change_states(
                    self.caller,
                    seen,
                    typed["to_state"],
                    message=typed["message"],
                    note=typed["note"],
                )
        except GuichetError as refused:
            if keep_refusal(self.request, self.listing_page(), refused, typed):
                self.request.response.redirect(self.current_url(), status=303)
                return ""
            show_on_page(self, refused)
            self.bulk_errors, self.errors = self.errors, {}
            self.bulk_error_codes, self.typed = self.error_codes, typed
            return None
        result = {
            "to_state": typed.get("to_state"),
            # Whom to (its name, as shown), when assigning; "" to nobody.
            "assignee": principal_title(typed["bulk_assignee"]) if assigning else None,
            "moved": [outcome.reference for outcome in outcomes if outcome.moved],
            "refused": [
                [
                    outcome.submission_id,
                    outcome.reference or "",
                    outcome.refused.code,
                    # Why, in the words next to a field when there is one.
                    " ".join(
                        translate(message, context=self.request)
                        for message in (
                            [field.message for field in outcome.refused.fields]
                            or [outcome.refused.message]
                        )
                    ),
                ]
                for outcome in outcomes
                if not outcome.moved
            ],
        }
        if result["refused"]:
            for outcome in outcomes:
                if not outcome.moved:
                    count_refusal(HTML, outcome.refused.code)
        if keep_for_page(self.request, self.listing_page(), {"bulk": result}):
            self.request.response.redirect(self.current_url(), status=303)
            return ""
        self.bulk_result = result  # too large to keep: shown now
        return None

    def show_kept(self, kept: dict) -> None:
        if "bulk" in kept:
            self.bulk_result = kept["bulk"]
            return
        if "code" in kept:
            self.errors = {}
            show_kept_refusal(self, kept)
            self.bulk_errors, self.errors = self.errors, {}
            self.bulk_error_codes = self.error_codes

    def bulk_states(self) -> list[dict]:
        """The states at least one request of this page may go to now, for
        this caller (none: no bulk form)."""
        allowed = set()
        for submission in self.page.items:
            allowed.update(staff.next_states(self.caller, submission))
        chosen = self.typed.get("to_state")
        return [
            {"id": state, "label": label, "selected": state == chosen}
            for state, label in STATES.items()
            if state in allowed
        ]

    def bulk_assignees(self) -> list[dict]:
        """Whom the requests of this page may be assigned to (those who
        handle the procedure of at least one that this caller may manage;
        none: no assignment form), with their names."""
        chosen = self.typed.get("bulk_assignee")
        found, procedures = set(), set()
        for submission in self.page.items:
            if submission.procedure_uid in procedures:
                continue  # its handlers are known (and the permission is its)
            procedures.add(submission.procedure_uid)
            found.update(staff.assignable(self.caller, submission))
        return sorted(
            (
                {"id": i, "title": principal_title(i), "selected": i == chosen}
                for i in found
            ),
            key=lambda assignee: (assignee["title"].lower(), assignee["id"]),
        )

    def bulk_outcome(self) -> dict | None:
        """What the last bulk change did, for the page."""
        result = self.bulk_result
        if result is None:
            return None
        assignee = result.get("assignee")
        assigning = assignee is not None
        language = api.portal.get_current_language()
        if assigning:
            done = counted(
                BULK_ASSIGNED,
                len(result["moved"]),
                language,
                assignee=assignee or translate(NOBODY, context=self.request),
            )
            not_done = BULK_NOT_ASSIGNED
        else:
            done = counted(
                BULK_MOVED,
                len(result["moved"]),
                language,
                state=state_label(result["to_state"]),
            )
            not_done = BULK_REFUSED
        return {
            "assigning": assigning,
            "moved": result["moved"],
            "done": done,
            "not_done": counted(not_done, len(result["refused"]), language),
            "refused": [
                {"id": submission_id, "reference": ref, "code": code, "message": text}
                for submission_id, ref, code, text in result["refused"]
            ],
        }

    def requests_total(self) -> Message:
        """ "12 requests": the listing's count as the page's language counts."""
        return counted(
            REQUESTS_TOTAL, self.page.total, api.portal.get_current_language()
        )


NOBODY = _("option_nobody", default="Nobody")
#: Counts of requests: one message per plural form (i18n.counted).
REQUESTS_TOTAL = {
    "one": _("help_requests_total_one", default="${count} request"),
    "other": _("help_requests_total_other", default="${count} requests"),
}
BULK_ASSIGNED = {
    "one": _(
        "help_bulk_assigned_one", default="${count} request assigned to ${assignee}."
    ),
    "other": _(
        "help_bulk_assigned_other",
        default="${count} requests assigned to ${assignee}.",
    ),
}
BULK_MOVED = {
    "one": _("help_bulk_moved_one", default="${count} request moved to ${state}."),
    "other": _("help_bulk_moved_other", default="${count} requests moved to ${state}."),
}
BULK_NOT_ASSIGNED = {
    "one": _(
        "help_bulk_not_assigned_one", default="${count} request could not be assigned:"
    ),
    "other": _(
        "help_bulk_not_assigned_other",
        default="${count} requests could not be assigned:",
    ),
}
BULK_REFUSED = {
    "one": _("help_bulk_refused_one", default="${count} request could not move:"),
    "other": _("help_bulk_refused_other", default="${count} requests could not move:"),
}
MESSAGE_SENT = _("info_message_sent_to_citizen", default="Your message was sent.")
STATE_CHANGED = _("info_state_changed", default="The request's state was changed.")
ERASED = {
    "anonymise": _(
        "info_request_anonymised", default="The request's personal data were removed."
    ),
    "delete": _("info_request_deleted", default="The request was deleted."),
}
HOLD_PLACED = _("info_hold_placed", default="The request is on legal hold.")
HOLD_LIFTED = _("info_hold_lifted", default="The request's legal hold was lifted.")


def source_note(record: dict, language: str | None) -> dict:
    """A value's provenance for the staff: ``badge`` (its words),
    ``status`` (for the badge's colour) and ``text``."""
    source = record.get("title") or record.get("source") or ""
    status = record.get("status")
    if status == "verified":
        return {
            "status": status,
            "badge": _("badge_value_verified", default="Verified"),
            "text": _(
                "help_value_provided_by",
                default="Provided by: ${source}",
                mapping={"source": source},
            ),
        }
    if status == "corrected":
        said = record.get("source_value")
        return {
            "status": status,
            "badge": _("badge_value_corrected", default="Corrected by the citizen"),
            "text": _(
                "help_value_corrected",
                default="${source} said: ${value}",
                mapping={
                    "source": source,
                    "value": kinds.display(None, said, language) if said else "—",
                },
            ),
        }
    if record.get("reason") == "unavailable":
        text = _(
            "help_value_source_unavailable",
            default="not verified: the source did not answer (${source})",
            mapping={"source": source},
        )
    else:
        text = _(
            "help_value_source_no_value",
            default="not verified: the source has nothing for this person (${source})",
            mapping={"source": source},
        )
    return {
        "status": "unverified",
        "badge": _("badge_value_unverified", default="Not verified"),
        "text": text,
    }


class RequestView(CallerOfRequest, SubmissionPage, BrowserView):
    """One submission for staff: the answers, the history, and a button
    per transition the lifecycle allows now (POST, with the version seen)."""

    staff = True

    def level_label(self, level: str | None):
        return LEVEL_LABELS.get(level, _("level_unknown", default="unknown"))

    def format_verified_at(self, when: str | None) -> str:
        try:
            return format_datetime(datetime.fromisoformat(when), self.page_language())
        except (TypeError, ValueError):
            return "—"

    def authentic_items(self, verified: dict) -> list[tuple]:
        """The authentic values the provider asserted, labelled (the
        national register number formatted as on the eID card)."""
        items = []
        number = verified.get("national_number")
        if number:
            # Masked (staff without the permission) is shown as it is.
            shown = nn.format(number) if number.isdigit() else number
            items.append((AUTHENTIC_LABELS["national_number"], shown))
        for key in ("family_name", "given_name"):
            if verified.get(key):
                items.append((AUTHENTIC_LABELS[key], verified[key]))
        return items

    def source_note(self, name: str) -> dict | None:
        """Where the answer ``name`` came from, when an authentic source was
        asked for it: a badge and a sentence (see prefill.api.provenance)."""
        record = (self.submission.prefill_sources or {}).get(name)
        if not isinstance(record, dict):
            return None
        return source_note(record, api.portal.get_current_language())

    def receipt_url(self) -> str:
        """The citizen's PDF receipt (staff copy, without their link)."""
        return receipt_url(self.submission)

    def __call__(self):
        self.errors = {}
        self.typed = {}
        submission_id = single(self.request.form, "id")
        if self.request.method == "POST":
            if "assign" in self.request.form:
                answer = self.assign(submission_id)
            elif "erase" in self.request.form:
                answer = self.erase(submission_id)
            elif "hold" in self.request.form:
                answer = self.hold(submission_id)
            else:
                answer = self.change_state(submission_id)
            if answer is not None:
                return answer
        else:
            kept = take_refusal(self.request, page_of(submission_id))
            if kept is not None:
                show_kept_refusal(self, kept)
        try:
            self.submission = staff.read_submission(self.caller, submission_id)
        except GuichetError as exc:
            raise_for_page(exc)
            raise
        return self.index()

    def change_state(self, submission_id: str):
        """Apply the posted transition, or send the posted message to the
        citizen, as :meth:`apply` says."""
        form = self.request.form
        sent = form.get("files") or []
        files = [
            part
            for part in (sent if isinstance(sent, list) else [sent])
            if getattr(part, "filename", None)  # an empty input sends one
        ]
        if "write" in form:
            return self.apply(
                submission_id,
                lambda: staff.write(
                    self.caller,
                    submission_id,
                    single(form, "message"),
                    seen_etag=single(form, "etag"),
                    files=files,
                ),
                _("info_message_sent_to_citizen", default="Your message was sent."),
            )
        return self.apply(
            submission_id,
            lambda: staff.change_state(
                self.caller,
                submission_id,
                single(form, "to_state"),
                seen_etag=single(form, "etag"),
                message=single(form, "message"),
                note=single(form, "note"),
                files=files,
            ),
            _("info_state_changed", default="The request's state was changed."),
        )

    def assign(self, submission_id: str):
        """Apply the posted assignment, as :meth:`change_state` (the reason
        of a refusal next to the field)."""
        form = self.request.form
        return self.apply(
            submission_id,
            lambda: staff.assign(
                self.caller,
                submission_id,
                single(form, "assignee"),
                seen_etag=single(form, "etag"),
            ),
            _("info_assigned", default="The request's assignment was changed."),
        )

    def erase(self, submission_id: str):
        """Anonymise or delete the request now (confirmed, with a reason);
        deleted, back to the listing."""
        form = self.request.form
        how = single(form, "action")
        return self.apply(
            submission_id,
            lambda: retention.erase(
                self.caller,
                submission_id,
                how,
                single(form, "reason"),
                confirmed=single(form, "confirm") == "1",
            ),
            ERASED.get(how, ERASED["anonymise"]),
            # Deleted: nothing left to show but the site's listing.
            target=(
                f"{api.portal.get().absolute_url()}/{LISTING_VIEW}"
                if how == "delete"
                else None
            ),
        )

    def hold(self, submission_id: str):
        """Put the request on legal hold, or lift its hold, with a reason."""
        form = self.request.form
        held = single(form, "hold") == "place"
        return self.apply(
            submission_id,
            lambda: (retention.place_hold if held else retention.release_hold)(
                self.caller, submission_id, single(form, "reason")
            ),
            HOLD_PLACED if held else HOLD_LIFTED,
        )

    def may_erase(self) -> bool:
        return retention.may_erase(self.caller, self.submission)

    def may_hold(self) -> bool:
        return retention.may_hold(self.caller, self.submission)

    def apply(self, submission_id: str, change, done, target=None) -> str | None:
        """Make the posted ``change`` (a call of a use case that returns the
        submission) and redirect to the request's page (Post/Redirect/Get):
        on success saying ``done``; refused (nothing changed), with the
        reason and what was typed kept for that page
        (:mod:`imio.guichet.browser.prg`), or, too large to keep, shown now
        (None: the page is shown)."""
        CheckAuthenticator(self.request)
        try:
            submission = change()
        except GuichetError as refused:
            form = self.request.form
            # "hold" and "erase" say which form the reason was typed in.
            names = ("message", "note", "reason", "hold", "erase")
            typed = {name: single(form, name) for name in names}
            if keep_refusal(self.request, page_of(submission_id), refused, typed):
                self.request.response.redirect(page_of(submission_id), status=303)
                return ""
            show_on_page(self, refused)
            return None
        api.portal.show_message(done, self.request)
        self.request.response.redirect(target or request_url(submission), status=303)
        return ""

    def form_value(self, name: str) -> str:
        """What was typed, kept when the change was refused."""
        if self.typed:
            return self.typed.get(name, "")
        return super().form_value(name)

    def form_url(self) -> str:
        """Where the page's form is sent: the page itself, ``?id=``
        included, so that the address names the request whatever comes."""
        return page_of(self.submission.id)

    def assignee_title(self) -> str:
        return principal_title(self.submission.assignee)

    def assignees(self) -> list[dict]:
        """Whom the request may be assigned to (none without the Manage
        permission), with who it is now."""
        current = self.submission.assignee
        return [
            {
                "id": principal,
                "title": principal_title(principal),
                "selected": principal == current,
            }
            for principal in staff.assignable(self.caller, self.submission)
        ]

    def due(self) -> dict | None:
        """The due date, and whether the request is late or due soon."""
        submission = self.submission
        if submission.due is None:
            return None
        late = lateness(submission.state, submission.due, today())
        return {
            "date": format_day(submission.due, self.page_language()),
            "lateness": late,
            "label": LATENESS_LABELS.get(late, ""),
        }

    def listing_url(self) -> str:
        context = self.procedure
        if context is None or not staff.may_list(self.caller, canonical_uid(context)):
            context = api.portal.get()
        return f"{context.absolute_url()}/{LISTING_VIEW}"

    def transitions(self) -> list[dict]:
        """The states staff may move the submission to now (none without
        the Manage permission)."""
        return [
            {
                "id": state,
                "label": state_label(state),
                "message_required": find_transition(
                    self.submission.state, state, STAFF
                ).message_required,
            }
            for state in staff.next_states(self.caller, self.submission)
        ]
