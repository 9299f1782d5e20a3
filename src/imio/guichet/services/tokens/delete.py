"""DELETE {site}/@guichet-tokens/{id}: revoke a token at once."""

from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import guichet_error
from imio.guichet.services.methods import ANY
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class TokensDelete(GuichetService):
    paths = ((ANY,),)

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # a JSON API
        try:
            admin.revoke_token(
                caller_from_request(self.request, REST),
                self.path[0] if self.path else None,
            )
        except GuichetError as exc:
            return guichet_error(self.request, exc)
        return self.reply_no_content()
