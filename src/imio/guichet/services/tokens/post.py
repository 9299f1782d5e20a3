"""POST {site}/@guichet-tokens: make a token for a back-office account.

Body: ``{"user": "<user id>", "label": "...", "expires": "<ISO datetime>"}``
(expires is optional: one year). The answer (201) carries the ``token``,
shown this once.
"""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.tokens.get import serialize_token
from imio.guichet.tokens.api import expiry_from_iso
from imio.guichet.usecases import admin
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class TokensPost(GuichetService):
    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # a JSON API
        body = json_object(self.request, {"user", "label", "expires"})
        expires = body.get("expires")
        record, token = admin.create_token(
            self.caller,
            body.get("user"),
            body.get("label"),
            expires=None if expires is None else expiry_from_iso(expires),
        )
        answer = serialize_token(self.context, record)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", answer["@id"])
        return {**answer, "token": token}
