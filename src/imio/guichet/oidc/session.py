"""The cookies of an OpenID login: the flow's (state, nonce, PKCE verifier
and where to come back, signed, for ten minutes) and the session's login id
(which binds the verified identity to this login, see
:func:`imio.guichet.identities.verified_identity_of`).

Both are HttpOnly and SameSite=Lax (the provider's redirect back is a
top-level GET, which Lax lets through), Secure on https.
"""

from plone.keyring.interfaces import IKeyManager
from zope.component import getUtility

import base64
import hashlib
import hmac
import json
import time


FLOW_COOKIE = "guichet_oidc_flow"
LOGIN_COOKIE = "guichet_identity"
#: How long a citizen may take at the provider.
FLOW_SECONDS = 600


def _sign(payload: bytes, secret: str | None = None) -> str:
    secret = secret or getUtility(IKeyManager).secret()
    message = b"oidc-flow\0" + payload
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _signed(payload: bytes, signature: str) -> bool:
    # Any key of the ring: plone.protect rotates it, maybe mid-flow.
    ring = getUtility(IKeyManager)["_system"]
    return any(
        hmac.compare_digest(_sign(payload, secret), signature)
        for secret in ring
        if secret
    )


def _cookie_options(request) -> dict:
    return {
        "path": "/",
        "http_only": True,
        "same_site": "Lax",
        "secure": request.get("SERVER_URL", "").startswith("https://"),
    }


def set_flow(request, flow: dict) -> None:
    payload = json.dumps({**flow, "at": int(time.time())}).encode()
    value = f"{base64.urlsafe_b64encode(payload).decode()}.{_sign(payload)}"
    request.response.setCookie(
        FLOW_COOKIE, value, max_age=FLOW_SECONDS, **_cookie_options(request)
    )


def read_flow(request) -> dict | None:
    """The flow this browser started (None: none, forged or too old)."""
    value = request.cookies.get(FLOW_COOKIE) or ""
    encoded, _found, signature = value.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded.encode())
    except ValueError:
        return None
    if not signature or not _signed(payload, signature):
        return None
    flow = json.loads(payload)
    if time.time() - flow.get("at", 0) > FLOW_SECONDS:
        return None
    return flow


def end_flow(request) -> None:
    request.response.expireCookie(FLOW_COOKIE, path="/")


def set_login_id(request, login_id: str) -> None:
    request.response.setCookie(LOGIN_COOKIE, login_id, **_cookie_options(request))


def login_id_of(request) -> str | None:
    return request.cookies.get(LOGIN_COOKIE) or None


def end_login(request) -> None:
    request.response.expireCookie(LOGIN_COOKIE, path="/")
