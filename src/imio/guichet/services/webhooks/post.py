"""POST {site}/@guichet-webhooks: subscribe a back office's URL.

Body: ``{"procedure": "<UID>", "url": "https://...", "events": [...]}``
(events default to all). The answer (201) carries the signing ``secret``,
shown this once.
"""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import error
from imio.guichet.services.submissions.base import read_json_object
from imio.guichet.services.webhooks.get import serialize_subscription
from imio.guichet.submissions.api import current_submitter
from imio.guichet.urls import public_site_url
from imio.guichet.webhooks.api import InvalidSubscription
from imio.guichet.webhooks.api import subscribe
from imio.guichet.webhooks.registry import EVENT_TYPES
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class WebhooksPost(GuichetService):
    def reply(self):
        # A JSON API authenticated per request, not by a browser cookie
        # alone: plone.restapi's own services disable CSRF the same way.
        alsoProvides(self.request, IDisableCSRFProtection)
        body = read_json_object(self.request, {"procedure", "url", "events"})
        if "error" in body:
            return body
        try:
            subscription = subscribe(
                body.get("procedure"),
                body.get("url"),
                body.get("events", list(EVENT_TYPES)),
                created_by=current_submitter(),
                site_url=public_site_url(),
            )
        except InvalidSubscription as invalid:
            return error(self.request, 400, str(invalid))
        self.request.response.setStatus(201)
        answer = serialize_subscription(self.context, subscription)
        self.request.response.setHeader("Location", answer["@id"])
        return {**answer, "secret": subscription.secret}
