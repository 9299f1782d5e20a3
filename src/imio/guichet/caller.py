"""Who performs an operation: the explicit first argument of every use case.

The core never asks "who is logged in?" of a global: the channel that
received the request (REST service, browser view, script) builds a
:class:`Caller` once and hands it over. Tests build one directly.
"""

from dataclasses import dataclass
from dataclasses import field
from imio.guichet.identities import VerifiedIdentity


#: How the operation reached us; kept in the audit trail.
REST = "rest"
HTML = "html"
SCRIPT = "script"


@dataclass(frozen=True)
class Caller:
    """The person or machine behind an operation."""

    #: The account's user id; None for an anonymous visitor.
    user_id: str | None
    #: Global and local roles that matter for the guichet (informative:
    #: permission checks ask Zope's security, see ``usecases``).
    roles: frozenset[str] = field(default_factory=frozenset)
    channel: str = REST
    #: The client's address as the rate limit sees it (behind trusted proxies).
    client_address: str | None = None
    #: The language the caller reads (negotiated), for messages and e-mails.
    language: str | None = None
    #: What an identity provider verified in this login session (OpenID
    #: Connect); None for anonymous visitors and password logins.
    identity: VerifiedIdentity | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


def script_caller(user_id: str | None = None) -> Caller:
    """The caller of a maintenance script run from the command line."""
    return Caller(user_id=user_id, channel=SCRIPT)
