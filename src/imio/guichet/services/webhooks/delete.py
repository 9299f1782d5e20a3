"""DELETE {site}/@guichet-webhooks/{id}: stop pushing (pending events dropped)."""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import error
from imio.guichet.services.traversal import PathService
from imio.guichet.webhooks.api import unsubscribe
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class WebhooksDelete(GuichetService, PathService):
    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        if not self.path or not unsubscribe(self.path[0]):
            return error(self.request, 404, "No such webhook subscription.")
        return self.reply_no_content()
