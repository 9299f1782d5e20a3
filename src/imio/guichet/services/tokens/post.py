"""POST {site}/@guichet-tokens: make a token for a back-office account.

Body: ``{"user": "<user id>", "label": "...", "expires": "<ISO datetime>"}``
(expires is optional: one year). The answer (201) carries the ``token``,
shown this once.
"""

from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import guichet_error
from imio.guichet.services.submissions.base import read_json_object
from imio.guichet.services.tokens.get import serialize_token
from imio.guichet.tokens.api import expiry_from_iso
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class TokensPost(GuichetService):
    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # a JSON API
        body = read_json_object(self.request, {"user", "label", "expires"})
        if "error" in body:
            return body
        try:
            expires = body.get("expires")
            record, token = admin.create_token(
                caller_from_request(self.request, REST),
                body.get("user"),
                body.get("label"),
                expires=None if expires is None else expiry_from_iso(expires),
            )
        except GuichetError as exc:
            return guichet_error(self.request, exc)
        answer = serialize_token(self.context, record)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", answer["@id"])
        return {**answer, "token": token}
