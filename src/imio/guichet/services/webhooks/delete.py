"""DELETE {site}/@guichet-webhooks/{id}: stop pushing (pending events dropped)."""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.methods import ANY
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class WebhooksDelete(GuichetService):
    paths = ((ANY,),)

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        admin.delete_webhook(
            self.caller,
            self.path[0] if self.path else None,
        )
        return self.reply_no_content()
