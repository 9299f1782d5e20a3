"""DELETE {site}/@guichet-tokens/{id}: revoke a token at once."""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.methods import ANY
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class TokensDelete(GuichetService):
    paths = ((ANY,),)

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # a JSON API
        admin.revoke_token(
            self.caller,
            self.path[0] if self.path else None,
        )
        return self.reply_no_content()
