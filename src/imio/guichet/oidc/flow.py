"""The authorization code flow, with PKCE, state and nonce checked.

:func:`start_login` sends the browser to the provider; :func:`finish_login`
takes it back on ``@@guichet-oidc-callback``: the ``state`` must be the one
this browser was given (signed cookie, :mod:`.session`), the code is
exchanged with its PKCE verifier, the ID token's signature, issuer,
audience, expiry and ``nonce`` are checked (:mod:`.provider`), and the
claims are mapped (:mod:`.settings`) to a
:class:`~imio.guichet.identities.VerifiedIdentity`. :func:`sign_in` then
makes or updates the citizen's account and opens its Plone session.
"""

from datetime import datetime
from datetime import UTC
from imio.guichet import _
from imio.guichet.errors import GuichetError
from imio.guichet.identities import remember_verified_identity
from imio.guichet.identities import VerifiedIdentity
from imio.guichet.oidc import session
from imio.guichet.oidc.provider import discover
from imio.guichet.oidc.provider import exchange_code
from imio.guichet.oidc.provider import ProviderError
from imio.guichet.oidc.provider import userinfo
from imio.guichet.oidc.provider import verify_id_token
from imio.guichet.oidc.settings import acr_levels
from imio.guichet.oidc.settings import callback_url
from imio.guichet.oidc.settings import client_secret
from imio.guichet.oidc.settings import provider_label
from imio.guichet.oidc.settings import setting
from plone import api
from Products.PlonePAS.events import UserInitialLoginInEvent
from Products.PlonePAS.events import UserLoggedInEvent
from Products.PluggableAuthService.events import PrincipalCreated
from stdnum.be import bis
from stdnum.be import nn
from urllib.parse import urlencode
from zope.event import notify

import base64
import hashlib
import hmac
import logging
import secrets


logger = logging.getLogger(__name__)


class LoginFailed(GuichetError):
    """The login with the identity provider was refused or failed; ``reason``
    (logged, never shown) says why."""

    status = 401
    code = "oidc_login_failed"
    message = _(
        "error_oidc_login_failed",
        default="The identification failed or was cancelled. Please try again.",
    )

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason


class ProviderUnavailable(GuichetError):
    status = 503
    code = "oidc_unavailable"
    message = _(
        "error_oidc_unavailable",
        default="The identity provider cannot be reached. Please try again later.",
    )


def pkce_challenge(verifier: str) -> str:
    """RFC 7636's S256 challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _scopes() -> str:
    scopes = ["openid"]
    for scope in setting("scopes") or ():
        if scope and scope not in scopes:
            scopes.append(scope)
    return " ".join(scopes)


def start_login(request, came_from: str) -> str:
    """The provider's authorization URL for this browser, which keeps the
    flow's secrets in a signed cookie until it comes back."""
    try:
        provider = discover(setting("issuer"))
    except ProviderError as error:
        logger.warning("Identity provider unavailable: %s", error)
        raise ProviderUnavailable() from error
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: within 43..128
    query = {
        "response_type": "code",
        "client_id": setting("client_id"),
        "redirect_uri": callback_url(),
        "scope": _scopes(),
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if acr_values := (setting("acr_values") or "").strip():
        query["acr_values"] = acr_values
    session.set_flow(
        request,
        {"state": state, "nonce": nonce, "verifier": verifier, "came_from": came_from},
    )
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return f"{provider.authorization_endpoint}{separator}{urlencode(query)}"


def finish_login(request) -> tuple[VerifiedIdentity, str]:
    """The identity the provider verified, and where the citizen was going;
    raises :class:`LoginFailed` (a wrong or missing state, an error from the
    provider, a refused or expired code, a wrong nonce...)."""
    flow = session.read_flow(request)
    session.end_flow(request)  # one answer per flow, whatever it is
    if flow is None:
        raise LoginFailed("no flow cookie (expired, or never started here)")
    state = request.form.get("state")
    if not isinstance(state, str) or not hmac.compare_digest(state, flow["state"]):
        raise LoginFailed("state mismatch")
    if request.form.get("error"):
        raise LoginFailed(f"provider error {request.form.get('error')!r}")
    code = request.form.get("code")
    if not isinstance(code, str) or not code:
        raise LoginFailed("no code")
    client_id = setting("client_id")
    try:
        provider = discover(setting("issuer"))
        answer = exchange_code(
            provider,
            code=code,
            redirect_uri=callback_url(),
            verifier=flow["verifier"],
            client_id=client_id,
            client_secret=client_secret(),
        )
        id_claims = verify_id_token(
            provider, answer["id_token"], client_id=client_id, nonce=flow["nonce"]
        )
        claims = dict(id_claims)
        if isinstance(answer.get("access_token"), str):
            extra = userinfo(provider, answer["access_token"])
            if extra and extra.get("sub") != id_claims["sub"]:
                raise LoginFailed("userinfo of another subject")
            claims.update(extra)
    except ProviderError as error:
        raise LoginFailed(str(error)) from error
    return map_claims(claims, id_claims), flow.get("came_from") or ""


def _text(claims: dict, name: str | None) -> str | None:
    value = claims.get(name) if name else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def national_number(value: str | None) -> str | None:
    """The 11 digits of a valid national register (or BIS) number."""
    if value is None:
        return None
    digits = nn.compact(value)
    if nn.is_valid(digits) or bis.is_valid(digits):
        return digits
    logger.warning("The provider sent a national number that is not valid")
    return None


def map_claims(claims: dict, id_claims: dict) -> VerifiedIdentity:
    """The verified identity of the claims, by the control panel's mapping;
    the level of assurance from the ID token only (a userinfo answer
    cannot raise it)."""
    subject = _text(claims, setting("subject_claim") or "sub")
    if subject is None:
        raise LoginFailed("no subject")
    acr = _text(id_claims, setting("acr_claim"))
    return VerifiedIdentity(
        issuer=setting("issuer"),
        provider=provider_label(),
        subject=subject,
        level=acr_levels().get(acr) if acr else None,
        acr=acr,
        national_number=national_number(
            _text(claims, setting("national_number_claim"))
        ),
        given_name=_text(claims, setting("given_name_claim")),
        family_name=_text(claims, setting("family_name_claim")),
        email=_text(claims, setting("email_claim")),
        verified_at=datetime.now(UTC).isoformat(timespec="seconds"),
        login_id=secrets.token_urlsafe(24),
    )


def account_id(identity: VerifiedIdentity) -> str:
    """The user id of a verified person's account: from the provider and
    the subject (which may be a national number: never shown as is)."""
    digest = hashlib.sha256(f"{identity.issuer}\0{identity.subject}".encode())
    return f"oidc-{digest.hexdigest()[:20]}"


def sign_in(request, identity: VerifiedIdentity) -> str:
    """Make or update the person's account, keep what was verified, open
    its Plone session; returns its user id.

    The account has a random password that nobody knows: it is entered
    through the provider only (and a password login to it would not be
    verified, see :func:`imio.guichet.identities.verified_identity_of`).
    """
    acl_users = api.portal.get_tool("acl_users")
    user_id = account_id(identity)
    user = acl_users.getUserById(user_id)
    first_login = user is None
    if first_login:
        acl_users.source_users.doAddUser(user_id, secrets.token_urlsafe(32))
        user = acl_users.getUserById(user_id)
        notify(PrincipalCreated(user))
    names = [identity.given_name, identity.family_name]
    properties = {"fullname": " ".join(name for name in names if name)}
    if identity.email:
        properties["email"] = identity.email
    user.setProperties(**properties)
    remember_verified_identity(user_id, identity)
    if first_login:
        notify(UserInitialLoginInEvent(user))
    notify(UserLoggedInEvent(user))
    acl_users.session._setupSession(user_id, request.response)
    session.set_login_id(request, identity.login_id)
    return user_id


def end_session_url(back_to: str) -> str | None:
    """Where to end the provider's session too (None: it offers no
    ``end_session_endpoint``, or cannot be reached)."""
    try:
        provider = discover(setting("issuer"))
    except ProviderError:
        return None
    if not provider.end_session_endpoint:
        return None
    query = urlencode(
        {"post_logout_redirect_uri": back_to, "client_id": setting("client_id")}
    )
    separator = "&" if "?" in provider.end_session_endpoint else "?"
    return f"{provider.end_session_endpoint}{separator}{query}"
