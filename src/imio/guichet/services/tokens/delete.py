"""DELETE {site}/@guichet-tokens/{id}: revoke a token at once."""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import error
from imio.guichet.services.traversal import PathService
from imio.guichet.tokens.api import revoke_token
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class TokensDelete(GuichetService, PathService):
    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # a JSON API
        if not self.path or not revoke_token(self.path[0]):
            return error(self.request, 404, "No such token.")
        return self.reply_no_content()
