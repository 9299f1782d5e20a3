"""POST {site}/@guichet-webhooks: subscribe a back office's URL.

Body: ``{"procedure": "<UID>", "url": "https://...", "events": [...]}``
(events default to all). The answer (201) carries the signing ``secret``,
shown this once.
"""

from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import guichet_error
from imio.guichet.services.submissions.base import read_json_object
from imio.guichet.services.webhooks.get import serialize_subscription
from imio.guichet.urls import public_site_url
from imio.guichet.usecases import admin
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
            subscription = admin.create_webhook(
                caller_from_request(self.request, REST),
                body.get("procedure"),
                body.get("url"),
                body.get("events", list(EVENT_TYPES)),
                site_url=public_site_url(),
            )
        except GuichetError as exc:
            return guichet_error(self.request, exc)
        self.request.response.setStatus(201)
        answer = serialize_subscription(self.context, subscription)
        self.request.response.setHeader("Location", answer["@id"])
        return {**answer, "secret": subscription.secret}
