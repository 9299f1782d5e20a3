"""PATCH {site}/@guichet-webhooks/{id}: point a subscription elsewhere or
change its events.

Body: ``{"url": "https://...", "events": [...]}``, either or both. The
secret and the pending deliveries stay (these go to the new URL).
"""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.webhooks.get import serialize_subscription
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class WebhooksPatch(GuichetService):
    paths = ((ANY,),)

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        body = json_object(self.request, {"url", "events"})
        subscription = admin.update_webhook(
            self.caller,
            self.path[0] if self.path else None,
            url=body.get("url"),
            event_types=body.get("events"),
        )
        return serialize_subscription(self.context, subscription)
