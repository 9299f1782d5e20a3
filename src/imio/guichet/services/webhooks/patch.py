"""PATCH {site}/@guichet-webhooks/{id}: point a subscription elsewhere or
change its events.

Body: ``{"url": "https://...", "events": [...]}``, either or both. The
secret and the pending deliveries stay (these go to the new URL).
"""

from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import guichet_error
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import read_json_object
from imio.guichet.services.webhooks.get import serialize_subscription
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class WebhooksPatch(GuichetService):
    paths = ((ANY,),)

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        body = read_json_object(self.request, {"url", "events"})
        if "error" in body:
            return body
        try:
            subscription = admin.update_webhook(
                caller_from_request(self.request, REST),
                self.path[0] if self.path else None,
                url=body.get("url"),
                event_types=body.get("events"),
            )
        except GuichetError as exc:
            return guichet_error(self.request, exc)
        return serialize_subscription(self.context, subscription)
