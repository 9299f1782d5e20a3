"""Staff handling in Classic UI: the "Demandes" listing (of a procedure, or
of the whole site) and the page of one submission, where staff move it on.

Same rules as the REST API, through the same core functions: reading needs
"Read submissions" on the submission's procedure (access.py), every read is
in the audit trail, and a change goes through handling.update_state with
the version the page showed, so that two staff members cannot overwrite
each other's change.
"""

from datetime import date
from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.display import REFUSALS
from imio.guichet.browser.display import single
from imio.guichet.browser.display import state_label
from imio.guichet.browser.display import SubmissionPage
from imio.guichet.browser.display import summary_rows
from imio.guichet.browser.receipt import receipt_url
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.submissions.access import may_manage_submission
from imio.guichet.submissions.access import may_read_some_submissions
from imio.guichet.submissions.access import may_read_submission
from imio.guichet.submissions.access import may_read_submissions_of
from imio.guichet.submissions.access import readable_procedure_uids
from imio.guichet.submissions.api import audit_access
from imio.guichet.submissions.api import count_by_state
from imio.guichet.submissions.api import current_submitter
from imio.guichet.submissions.api import DEFAULT_PAGE_SIZE
from imio.guichet.submissions.api import find_by_reference
from imio.guichet.submissions.api import get_submission
from imio.guichet.submissions.api import InvalidQuery
from imio.guichet.submissions.api import list_submissions
from imio.guichet.submissions.api import MAX_PAGE_SIZE
from imio.guichet.submissions.api import Page
from imio.guichet.submissions.handling import StaleVersion
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.lifecycle import allowed_states
from imio.guichet.submissions.lifecycle import find_transition
from imio.guichet.submissions.lifecycle import MessageRequired
from imio.guichet.submissions.lifecycle import STAFF
from imio.guichet.submissions.lifecycle import TransitionNotAllowed
from imio.guichet.submissions.states import STATES
from plone import api
from plone.base.interfaces import IPloneSiteRoot
from plone.protect import CheckAuthenticator
from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zExceptions import Forbidden
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.interface import alsoProvides


#: Days the filters take.
MIN_YEAR, MAX_YEAR = 1900, 2999

REQUEST_VIEW = "@@guichet-request"
LISTING_VIEW = "@@guichet-requests"


def deny():
    """Anonymous visitors are sent to log in; others get 403, as the API."""
    if api.user.is_anonymous():
        raise Unauthorized("You must log in to see the requests.")
    raise Forbidden("You are not allowed to see these requests.")


def request_url(submission) -> str:
    """The staff page of a submission."""
    query = urlencode({"id": submission.id})
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
        return int(value) if value.isdigit() and int(value) > 0 else 1

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


class RequestsView(CursorPages, BrowserView):
    """ "Demandes": a procedure's submissions, or all those the user may
    read on the site; filtered by procedure, state and day, searchable by
    reference, one page at a time (a cursor, never the whole store)."""

    errors: dict
    page: Page

    def __call__(self):
        # Reading writes the audit trail, as the REST API does: not a
        # state change a forged link could trigger.
        alsoProvides(self.request, IDisableCSRFProtection)
        self.errors = {}
        self.uids = self.scope()
        self.page = self.search() if self.reference_query else self.listing()
        if self.page.items:
            audit_access("list", self.page.items, {"query": self.query, "ui": True})
        return self.index()

    @cached_property
    def on_site(self) -> bool:
        return IPloneSiteRoot.providedBy(self.context)

    @cached_property
    def query(self) -> dict:
        form = self.request.form
        names = ("procedure", "state", "from", "to", "reference", "limit")
        return {name: single(form, name) for name in names if single(form, name)}

    @property
    def reference_query(self) -> str:
        return self.query.get("reference", "")

    def scope(self) -> list[str] | None:
        """The procedures listed (None: all), or deny."""
        if api.user.is_anonymous():
            deny()
        if not self.on_site:
            if not may_read_submissions_of(self.context):
                deny()
            return [api.content.get_uuid(self.context)]
        readable = readable_procedure_uids()
        if readable is not None and not readable:
            deny()
        requested = self.query.get("procedure")
        if requested:
            if readable is not None and requested not in readable:
                deny()
            return [requested]
        return readable

    @cached_property
    def readable_uids(self) -> list[str] | None:
        """The procedures this page may show (before the procedure filter)."""
        if not self.on_site:
            return [api.content.get_uuid(self.context)]
        return readable_procedure_uids()

    def day(self, name: str) -> date | None:
        value = self.query.get(name)
        if not value:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
        # Far-off years would overflow the sort keys' arithmetic.
        if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
            self.errors[name] = _(
                "error_invalid_day", default="Enter a date as YYYY-MM-DD."
            )
            return None
        return day

    def limit(self) -> int:
        value = self.query.get("limit", "")
        if value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE:
            return int(value)
        return DEFAULT_PAGE_SIZE

    def listing(self) -> Page:
        state = self.query.get("state") or None
        if state is not None and state not in STATES:
            self.errors["state"] = _("error_unknown_state", default="Unknown state.")
            state = None
        created_from, created_to = self.day("from"), self.day("to")
        cursor = single(self.request.form, "cursor") or None
        try:
            return list_submissions(
                procedure_uids=self.uids,
                state=state,
                cursor=cursor,
                limit=self.limit(),
                created_from=created_from,
                created_to=created_to,
            )
        except InvalidQuery:
            # A forged or outdated cursor: start again from the first page.
            self.errors["cursor"] = _(
                "error_invalid_cursor",
                default="This page link is not valid; here is the first page.",
            )
            return list_submissions(
                procedure_uids=self.uids,
                state=state,
                limit=self.limit(),
                created_from=created_from,
                created_to=created_to,
            )

    def search(self) -> Page:
        """The one submission with this reference, if this user may read it
        here; the same empty answer otherwise."""
        found = find_by_reference(self.reference_query)
        if found is not None and (
            (self.uids is not None and found.procedure_uid not in self.uids)
            or not may_read_submission(found)
        ):
            found = None
        items = [found] if found is not None else []
        return Page(items, len(items), None, None)

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
        counts = count_by_state(self.uids)
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

    def rows(self) -> list[dict]:
        return summary_rows(self.page.items, request_url)

    def page_url(self, **query) -> str:
        return self.url(**self.query, **query)


class RequestView(SubmissionPage, BrowserView):
    """One submission for staff: the answers, the history, and a button
    per transition the lifecycle allows now (POST, with the version seen)."""

    staff = True

    def receipt_url(self) -> str:
        """The citizen's PDF receipt (staff copy, without their link)."""
        return receipt_url(self.submission)

    refusals = {
        StaleVersion: (
            409,
            {
                "form": _(
                    "error_stale_request",
                    default="Someone changed this request since you opened it: "
                    "nothing was changed. Here it is as it is now; check it and "
                    "try again.",
                )
            },
        ),
        TransitionNotAllowed: (
            409,
            {
                "form": _(
                    "error_transition_not_allowed",
                    default="This request cannot go to that state now.",
                )
            },
        ),
        MessageRequired: (
            400,
            {
                "message": _(
                    "error_message_required",
                    default="Write what you ask the citizen.",
                ),
                "form": _("error_nothing_changed", default="Nothing was changed."),
            },
        ),
    }

    def __call__(self):
        self.errors = {}
        submission = get_submission(single(self.request.form, "id"))
        if submission is None:
            raise NotFound("No such request.")
        if api.user.is_anonymous() or not may_read_submission(submission):
            deny()
        self.submission = submission
        if self.request.method == "POST":
            answer = self.change_state()
            if answer is not None:
                return answer
        # Reading writes the audit trail (see RequestsView).
        alsoProvides(self.request, IDisableCSRFProtection)
        audit_access("read", [submission], {"ui": True})
        return self.index()

    def change_state(self):
        """Apply the posted transition; redirect on success, or keep the
        page with the reason (nothing changed then)."""
        CheckAuthenticator(self.request)
        submission = self.submission
        if not may_manage_submission(submission):
            deny()
        form = self.request.form
        to_state = single(form, "to_state")
        before = submission.state
        try:
            update_state(
                submission,
                to_state,
                seen_etag=single(form, "etag"),
                user_id=current_submitter(),
                public_message=single(form, "message"),
                internal_note=single(form, "note"),
            )
        except REFUSALS as refused:
            self.refuse(refused)
            return None
        audit_access(
            "change_state", [submission], {"from": before, "to": to_state, "ui": True}
        )
        api.portal.show_message(
            _("info_state_changed", default="The request's state was changed."),
            self.request,
        )
        self.request.response.redirect(request_url(submission), status=303)
        return ""

    def listing_url(self) -> str:
        context = self.procedure
        if context is None or not may_read_submissions_of(context):
            context = api.portal.get()
        return f"{context.absolute_url()}/{LISTING_VIEW}"

    def transitions(self) -> list[dict]:
        """The states staff may move the submission to now (none without
        the Manage permission)."""
        if not may_manage_submission(self.submission):
            return []
        result = []
        for state in allowed_states(self.submission, STAFF):
            transition = find_transition(self.submission.state, state, STAFF)
            result.append(
                {
                    "id": state,
                    "label": state_label(state),
                    "message_required": transition.message_required,
                }
            )
        return result
