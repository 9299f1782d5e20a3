"""POST {site}/@guichet-tokens: make a token for a back-office account.

Body: ``{"user": "<user id>", "label": "...", "expires": "<ISO datetime>"}``
(expires is optional: one year). The answer (201) carries the ``token``,
shown this once.
"""

from datetime import datetime
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import error
from imio.guichet.services.submissions.base import read_json_object
from imio.guichet.services.tokens.get import serialize_token
from imio.guichet.submissions.api import current_submitter
from imio.guichet.tokens.api import create_token
from imio.guichet.tokens.api import InvalidToken
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
            record, token = create_token(
                body.get("user"),
                body.get("label"),
                created_by=current_submitter(),
                expires=None if expires is None else datetime.fromisoformat(expires),
            )
        except (InvalidToken, TypeError, ValueError) as invalid:
            return error(self.request, 400, str(invalid))
        answer = serialize_token(self.context, record)
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", answer["@id"])
        return {**answer, "token": token}
