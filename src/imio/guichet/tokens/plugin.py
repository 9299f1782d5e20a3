"""A PAS plugin that authenticates ``Authorization: Bearer gt_...`` tokens.

Machines of back offices need credentials that live longer than a login
session and that a Site Administrator can revoke at once without touching
the account's password. Only a SHA-256 hash of each token is stored (tokens
are 256 random bits: a slow hash adds nothing); the token itself is shown
once, when it is made. A token acts as its account: what it may read is
what the account was granted (local roles on procedures).
"""

from AccessControl import ClassSecurityInfo
from AccessControl.class_init import InitializeClass
from BTrees.OOBTree import OOBTree
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from Products.PluggableAuthService.interfaces.plugins import IAuthenticationPlugin
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from Products.PluggableAuthService.plugins.BasePlugin import BasePlugin
from zope.interface import implementer

import hashlib


PLUGIN_ID = "guichet_tokens"
TOKEN_PREFIX = "gt_"
#: "Last used" is written at most this often, so that a busy machine does
#: not turn every read into a write.
LAST_USED_PRECISION = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@implementer(IExtractionPlugin, IAuthenticationPlugin)
class GuichetTokenPlugin(BasePlugin):
    """Bearer tokens for imio.guichet's back-office API."""

    meta_type = "imio.guichet API token plugin"
    security = ClassSecurityInfo()

    def __init__(self, id_=PLUGIN_ID, title="imio.guichet API tokens"):
        self._setId(id_)
        self.title = title
        self.tokens = OOBTree()  # token hash -> record (dict)
        self.hashes = OOBTree()  # token id -> token hash

    @security.private
    def extractCredentials(self, request):
        auth = request._auth or ""
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token.startswith(TOKEN_PREFIX):
            return {"guichet_token": token}
        return None

    @security.private
    def authenticateCredentials(self, credentials):
        token = credentials.get("guichet_token")
        if not token:
            return None
        record = self.tokens.get(token_hash(token))
        now = datetime.now(UTC)
        if record is None or (record["expires"] and record["expires"] <= now):
            return None
        last_used = record.get("last_used")
        if last_used is None or now - last_used >= LAST_USED_PRECISION:
            self.tokens[token_hash(token)] = {**record, "last_used": now}
        return record["user_id"], record["login"]


InitializeClass(GuichetTokenPlugin)
