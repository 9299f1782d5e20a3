"""Site Administrators' pages: back-office integrations and the audit trail.

Thin views over the administration use cases (:mod:`imio.guichet.usecases.admin`)
and the audit log: the same functions as the REST services, for people.
Secrets and tokens are shown once, in the answer to the form that made them.
"""

from imio.guichet.browser.display import single
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidQuery
from imio.guichet.timezones import site_timezone
from imio.guichet.tokens.api import expiry_from_day
from imio.guichet.urls import public_site_url
from imio.guichet.usecases import admin
from imio.guichet.usecases.audit import audit_page
from imio.guichet.webhooks.registry import EVENT_TYPES
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zope.i18n import translate


#: Attempts shown per subscription (the REST API gives up to 500).
LOG_SHOWN = 20
AUDIT_PAGE = 50


class IntegrationsView(CallerOfRequest, BrowserView):
    """@@guichet-integrations: webhooks, API tokens and the e-mail outbox."""

    def __call__(self):
        self.error = self.made_secret = self.made_token = self.retried = None
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            self.handle(single(self.request.form, "action"))
        return self.index()

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

    def mail_outbox(self) -> dict:
        state = admin.read_mail_outbox(self.caller)
        return {
            "pending": state.pending,
            "failed": state.failed,
            "attempts": state.attempts[:LOG_SHOWN],
        }

    def event_types(self):
        return EVENT_TYPES


class AuditLogView(CallerOfRequest, BrowserView):
    """@@guichet-audit-log: the audit trail, a page at a time."""

    def page(self) -> dict:
        caller = self.caller
        after = single(self.request.form, "after") or None
        try:
            records, next_cursor = audit_page(caller, after, AUDIT_PAGE)
        except InvalidQuery:  # a forged or outdated link: the first page
            records, next_cursor = audit_page(caller, None, AUDIT_PAGE)
        url = f"{self.context.absolute_url()}/@@guichet-audit-log"
        return {
            "records": records,
            "next": (
                f"{url}?{urlencode({'after': next_cursor})}" if next_cursor else None
            ),
        }

    def csv_url(self) -> str:
        return f"{self.context.absolute_url()}/++api++/@guichet-audit?format=csv"
