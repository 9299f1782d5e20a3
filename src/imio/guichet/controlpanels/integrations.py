"""Site Administrators' pages: back-office integrations and the audit trail.

Thin views over :mod:`imio.guichet.webhooks.api`, :mod:`imio.guichet.tokens.api`
and the audit log: the same functions as the REST services, for people.
Secrets and tokens are shown once, in the answer to the form that made them.
"""

from datetime import datetime
from datetime import time
from imio.guichet.browser.display import single
from imio.guichet.caller import HTML
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.errors import InvalidQuery
from imio.guichet.submissions.api import current_submitter
from imio.guichet.timezones import site_timezone
from imio.guichet.tokens.api import create_token
from imio.guichet.tokens.api import InvalidToken
from imio.guichet.tokens.api import list_tokens
from imio.guichet.tokens.api import revoke_token
from imio.guichet.urls import public_site_url
from imio.guichet.usecases.audit import audit_page
from imio.guichet.webhooks.api import delivery_log
from imio.guichet.webhooks.api import InvalidSubscription
from imio.guichet.webhooks.api import list_subscriptions
from imio.guichet.webhooks.api import pending_count
from imio.guichet.webhooks.api import subscribe
from imio.guichet.webhooks.api import unsubscribe
from imio.guichet.webhooks.registry import EVENT_TYPES
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from urllib.parse import urlencode


#: Attempts shown per subscription (the REST API gives up to 500).
LOG_SHOWN = 20
AUDIT_PAGE = 50


class IntegrationsView(BrowserView):
    """@@guichet-integrations: webhooks and API tokens."""

    def __call__(self):
        self.error = self.made_secret = self.made_token = None
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            self.handle(single(self.request.form, "action"))
        return self.index()

    def handle(self, action: str | None) -> None:
        form = self.request.form
        try:
            if action == "add-webhook":
                self.made_secret = subscribe(
                    single(form, "procedure"),
                    single(form, "url"),
                    form.get("events") or list(EVENT_TYPES),
                    created_by=current_submitter(),
                    site_url=public_site_url(),
                ).secret
            elif action == "delete-webhook":
                unsubscribe(single(form, "id"))
            elif action == "add-token":
                _record, self.made_token = create_token(
                    single(form, "user"),
                    single(form, "label"),
                    created_by=current_submitter(),
                    expires=self.end_of_day(single(form, "expires")),
                )
            elif action == "revoke-token":
                revoke_token(single(form, "id"))
        except (InvalidSubscription, InvalidToken, ValueError) as invalid:
            self.error = str(invalid)

    def end_of_day(self, day: str | None) -> datetime | None:
        if not day:
            return None
        return datetime.combine(
            datetime.strptime(day, "%Y-%m-%d").date(), time(23, 59), site_timezone()
        )

    def procedures(self) -> list[dict]:
        return [
            {"uid": brain.UID, "title": brain.Title, "url": brain.getURL()}
            for brain in find_online_forms(sort_on="sortable_title")
        ]

    def subscriptions(self) -> list[dict]:
        titles = {p["uid"]: p["title"] for p in self.procedures()}
        return [
            {
                "id": subscription.id,
                "procedure": titles.get(
                    subscription.procedure_uid, subscription.procedure_uid
                ),
                "url": subscription.url,
                "events": subscription.event_types,
                "created": subscription.created,
                "pending": pending_count(subscription.id),
                "log": delivery_log(subscription.id)[:LOG_SHOWN],
            }
            for subscription in list_subscriptions()
        ]

    def tokens(self) -> list[dict]:
        return list_tokens()

    def event_types(self):
        return EVENT_TYPES


class AuditLogView(BrowserView):
    """@@guichet-audit-log: the audit trail, a page at a time."""

    def page(self) -> dict:
        caller = caller_from_request(self.request, HTML)
        after = single(self.request.form, "after") or None
        try:
            total, records, next_cursor = audit_page(caller, after, AUDIT_PAGE)
        except InvalidQuery:  # a forged or outdated link: the first page
            total, records, next_cursor = audit_page(caller, None, AUDIT_PAGE)
        url = f"{self.context.absolute_url()}/@@guichet-audit-log"
        return {
            "total": total,
            "records": records,
            "next": (
                f"{url}?{urlencode({'after': next_cursor})}" if next_cursor else None
            ),
        }

    def csv_url(self) -> str:
        return f"{self.context.absolute_url()}/++api++/@guichet-audit?format=csv"
