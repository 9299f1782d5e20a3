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
from persistent import Persistent
from Products.PluggableAuthService.interfaces.plugins import IAuthenticationPlugin
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from Products.PluggableAuthService.plugins.BasePlugin import BasePlugin
from zope.interface import implementer

import hashlib


PLUGIN_ID = "guichet_tokens"
TOKEN_PREFIX = "gt_"
#: Accounts that must never be reachable through a long-lived token.
PRIVILEGED_ROLES = frozenset({"Manager", "Site Administrator"})
#: "Last used" is written at most this often, so that a busy machine does
#: not turn every read into a write.
LAST_USED_PRECISION = timedelta(hours=1)


class LastUse(Persistent):
    """When a token was last used, on its own: concurrent requests with the
    same token that both note a use resolve to the later date instead of
    conflicting (which would redo a whole request, an export say)."""

    when = None

    def _p_resolveConflict(self, old, committed, new):
        dates = [state.get("when") for state in (committed, new) if state]
        resolved = dict(new or {})
        resolved["when"] = max((d for d in dates if d is not None), default=None)
        return resolved


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
        self.uses = OOBTree()  # token hash -> LastUse

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
        # Checked at every use, not only when the token was made: an account
        # deleted, or made an administrator since, loses its tokens' power.
        user = self._getPAS().getUserById(record["user_id"])
        if user is None or PRIVILEGED_ROLES & set(user.getRoles()):
            return None
        use = self.uses[token_hash(token)]  # made with the token
        if use.when is None or now - use.when >= LAST_USED_PRECISION:
            use.when = now
        return record["user_id"], record["login"]


InitializeClass(GuichetTokenPlugin)
