"""Site Administrators' pages: back-office integrations and the audit trail.

Thin views over the administration use cases (:mod:`imio.guichet.usecases.admin`)
and the audit log: the same functions as the REST services, for people.
Secrets and tokens are shown once, in the answer to the form that made them.
"""

from datetime import datetime
from imio.guichet import _
from imio.guichet.browser.display import single
from imio.guichet.browser.errors import field_messages
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.browser.prg import keep_for_page
from imio.guichet.browser.prg import take_for_page
from imio.guichet.browser.requests import REQUEST_VIEW
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.channels.streaming import spooled
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.errors import GuichetError
from imio.guichet.forms.kinds.dates import format_datetime
from imio.guichet.forms.kinds.dates import format_day
from imio.guichet.i18n import counted
from imio.guichet.timezones import in_site_time
from imio.guichet.timezones import site_timezone
from imio.guichet.tokens.api import expiry_from_day
from imio.guichet.urls import public_site_url
from imio.guichet.usecases import admin
from imio.guichet.usecases.audit import ACTION_LABELS
from imio.guichet.usecases.audit import audit_page
from imio.guichet.usecases.audit import AuditQuery
from imio.guichet.usecases.audit import export_audit
from imio.guichet.usecases.audit import readable
from imio.guichet.webhooks.registry import EVENT_TYPES
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zope.i18n import translate


#: Attempts shown per subscription (the REST API gives up to 500).
LOG_SHOWN = 20
AUDIT_PAGE = 50
#: An entry's requests left out of the audit log page (i18n.counted).
MORE_REQUESTS = {
    "one": _("help_audit_more_requests_one", default="and ${count} more"),
    "other": _("help_audit_more_requests_other", default="and ${count} more"),
}
#: The failed e-mails sent again (i18n.counted).
MAIL_RETRIED = {
    "one": _(
        "help_mail_retried_one",
        default="${count} failed e-mail will be sent again now.",
    ),
    "other": _(
        "help_mail_retried_other",
        default="${count} failed e-mails will be sent again now.",
    ),
}


#: What a refused form of the integrations page gives back to fill it again.
TYPED = ("procedure", "url", "user", "label", "expires")
#: What a POST of the integrations page shows on the page it leads to.
OUTCOME = ("error", "made_secret", "made_token", "retried")


class IntegrationsView(CallerOfRequest, BrowserView):
    """@@guichet-integrations: webhooks, API tokens and the e-mail outbox.

    Post/Redirect/Get (browser/prg.py): every POST leads back to the page
    (303), with its outcome for that next GET only — a refusal and what
    was typed, or the secret or token just made, shown once (a signed,
    HttpOnly, SameSite=Strict cookie, expired when read) — so that a
    reload never sends the form again."""

    def __call__(self):
        self.error = self.made_secret = self.made_token = self.retried = None
        self.typed = {}
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            self.handle(single(self.request.form, "action"))
            outcome = {name: getattr(self, name) for name in OUTCOME}
            outcome["typed"] = self.typed
            if keep_for_page(self.request, self.page_url(), {"integrations": outcome}):
                self.request.response.redirect(self.page_url(), status=303)
                return ""
        else:
            kept = take_for_page(self.request, self.page_url())
            if kept is not None and isinstance(kept.get("integrations"), dict):
                outcome = kept["integrations"]
                for name in OUTCOME:
                    setattr(self, name, outcome.get(name))
                self.typed = dict(outcome.get("typed") or {})
        return self.index()

    def page_url(self) -> str:
        return f"{self.context.absolute_url()}/@@guichet-integrations"

    def handle(self, action: str | None) -> None:
        form = self.request.form
        caller = self.caller
        try:
            if action == "add-webhook":
                self.made_secret = admin.create_webhook(
                    caller,
                    single(form, "procedure"),
                    single(form, "url"),
                    form.get("events") or list(EVENT_TYPES),
                    site_url=public_site_url(),
                ).secret
            elif action == "delete-webhook":
                admin.delete_webhook(caller, single(form, "id"))
            elif action == "add-token":
                day = single(form, "expires")
                _record, self.made_token = admin.create_token(
                    caller,
                    single(form, "user"),
                    single(form, "label"),
                    expires=expiry_from_day(day, site_timezone()) if day else None,
                )
            elif action == "revoke-token":
                admin.revoke_token(caller, single(form, "id"))
            elif action == "retry-failed-mail":
                self.retried = admin.retry_failed_mail(caller)
        except GuichetError as exc:
            self.error = translate(exc.message, context=self.request)
            self.typed = {
                name: single(form, name) for name in TYPED if single(form, name)
            }

    def procedures(self) -> list[dict]:
        return [
            {"uid": brain.UID, "title": brain.Title, "url": brain.getURL()}
            for brain in find_online_forms(sort_on="sortable_title")
        ]

    def subscriptions(self) -> list[dict]:
        titles = {p["uid"]: p["title"] for p in self.procedures()}
        caller = self.caller
        states = (
            admin.read_webhook(caller, subscription.id)
            for subscription in admin.list_webhooks(caller)
        )
        return [
            {
                "id": state.subscription.id,
                "procedure": titles.get(
                    state.subscription.procedure_uid, state.subscription.procedure_uid
                ),
                "url": state.subscription.url,
                "events": state.subscription.event_types,
                "created": state.subscription.created,
                "pending": state.pending,
                "log": state.deliveries[:LOG_SHOWN],
            }
            for state in states
        ]

    def tokens(self) -> list[dict]:
        return admin.list_tokens(self.caller)

    def retried_text(self):
        """ "2 failed e-mails will be sent again now", as the reader counts
        (None when nothing was retried)."""
        if self.retried is None:
            return None
        return counted(MAIL_RETRIED, self.retried, self.caller.language)

    def mail_outbox(self) -> dict:
        state = admin.read_mail_outbox(self.caller)
        return {
            "pending": state.pending,
            "failed": state.failed,
            "attempts": state.attempts[:LOG_SHOWN],
        }

    def when(self, moment: datetime | str | None) -> str:
        """A moment of the page (logs keep it as ISO 8601 text) in the
        site's time, as the reader writes dates; "—" for none."""
        if not moment:
            return "—"
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return format_datetime(moment, self.caller.language)

    def day(self, moment: datetime) -> str:
        """The day of ``moment`` (a token's expiry), as the reader writes it."""
        return format_day(in_site_time(moment).date(), self.caller.language)

    def event_types(self):
        return EVENT_TYPES


class AuditLogView(CallerOfRequest, BrowserView):
    """@@guichet-audit-log: the audit trail a page at a time, newest first
    by default, filtered by person, action, request and period; the same
    selection as a CSV file (``format=csv``)."""

    errors: dict
    error_codes: dict

    def __call__(self):
        params = {
            name: value
            for name, value in self.request.form.items()
            if name != "format" and value != ""
        }
        # People read the latest first; the API keeps its time order.
        params.setdefault("sort_order", "descending")
        self.query, refused = AuditQuery.read(params, default_limit=AUDIT_PAGE)
        self.errors = field_messages(refused)
        self.error_codes = {error.field: error.code for error in refused}
        if single(self.request.form, "format") == "csv":
            return self.csv()
        try:
            self.records, self.next_cursor = audit_page(self.caller, self.query)
        except GuichetError as exc:
            raise_for_page(exc)
            raise
        return self.index()

    def csv(self):
        body = spooled(
            lambda write: export_audit(self.caller, write, self.query, for_people=True)
        )
        response = self.request.response
        response.setHeader("Content-Type", "text/csv; charset=utf-8")
        response.setHeader(
            "Content-Disposition", 'attachment; filename="guichet-audit.csv"'
        )
        return body

    def url(self, **query) -> str:
        base = f"{self.context.absolute_url()}/@@guichet-audit-log"
        query = {name: value for name, value in query.items() if value}
        return f"{base}?{urlencode(query)}" if query else base

    def rows(self) -> list[dict]:
        portal_url = self.context.absolute_url()
        rows = readable(self.records, language=self.caller.language)
        for row in rows:
            row["more_requests_text"] = counted(
                MORE_REQUESTS, row["more_requests"], self.caller.language
            )
            for request in row["requests"]:
                request["url"] = (
                    f"{portal_url}/{REQUEST_VIEW}?{urlencode({'id': request['id']})}"
                    if request["id"]
                    else None
                )
                request["label"] = request["reference"] or request["id"][:8]
        return rows

    def next_url(self) -> str | None:
        if not self.next_cursor:
            return None
        return self.url(**self.query.parameters(), after=self.next_cursor)

    def csv_url(self) -> str:
        return self.url(**self.query.parameters(), format="csv")

    def filter_value(self, name: str) -> str:
        """What the filter shows: the value applied, else what was typed."""
        value = self.query.parameters().get(name)
        return value or single(self.request.form, name) or ""

    def actions(self) -> list[dict]:
        chosen = self.query.action
        return [
            {
                "id": action,
                "label": translate(label, context=self.request),
                "selected": action == chosen,
            }
            for action, label in ACTION_LABELS.items()
        ]
