"""Talking to the identity provider: discovery, the token request, the ID
token's checks, the userinfo request.

Every call is bounded by :data:`TIMEOUT`; nothing here logs a secret or a
token.
"""

from dataclasses import dataclass
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

import requests


TIMEOUT = 10
#: Signature algorithms accepted on ID tokens (never "none" nor HMAC).
ALGORITHMS = ("RS256", "PS256", "ES256")
#: Clock difference tolerated with the provider, in seconds.
LEEWAY = 60


class ProviderError(Exception):
    """The provider could not be reached, or answered something unusable;
    the message says what (no secret in it)."""


@dataclass(frozen=True)
class Provider:
    """What the provider's discovery document says of it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None


def _json(response: requests.Response, what: str) -> dict:
    try:
        document = response.json()
    except ValueError as error:
        raise ProviderError(
            f"{what}: not JSON (HTTP {response.status_code})"
        ) from error
    if not isinstance(document, dict):
        raise ProviderError(f"{what}: not a JSON object")
    return document


def discover(issuer: str) -> Provider:
    """The provider at ``issuer`` (its ``.well-known/openid-configuration``)."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise ProviderError(f"discovery: {type(error).__name__}") from error
    if response.status_code != 200:
        raise ProviderError(f"discovery: HTTP {response.status_code}")
    document = _json(response, "discovery")
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        # OpenID Connect Discovery 1.0, section 4.3.
        raise ProviderError("discovery: the document is of another issuer")
    try:
        return Provider(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            userinfo_endpoint=document.get("userinfo_endpoint"),
            end_session_endpoint=document.get("end_session_endpoint"),
        )
    except KeyError as missing:
        raise ProviderError(f"discovery: no {missing}") from missing


class TokenRefused(ProviderError):
    """The token endpoint refused the code (expired, used, PKCE...)."""


def exchange_code(
    provider: Provider,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
    client_id: str,
    client_secret: str,
) -> dict:
    """The token endpoint's answer for ``code`` (client_secret_basic)."""
    try:
        response = requests.post(
            provider.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client_id, client_secret),
            headers={"Accept": "application/json"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise ProviderError(f"token: {type(error).__name__}") from error
    answer = _json(response, "token")
    if response.status_code != 200 or "error" in answer:
        raise TokenRefused(f"token refused: {answer.get('error')!r}")
    if not isinstance(answer.get("id_token"), str):
        raise ProviderError("token: no ID token")
    return answer


def verify_id_token(
    provider: Provider, id_token: str, *, client_id: str, nonce: str
) -> dict:
    """The claims of ``id_token`` once its signature (the provider's keys),
    issuer, audience, expiry and ``nonce`` are checked."""
    try:
        response = requests.get(provider.jwks_uri, timeout=TIMEOUT)
        keys = KeySet.import_key_set(_json(response, "keys"))
        token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
        claims = token.claims
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except requests.RequestException as error:
        raise ProviderError(f"keys: {type(error).__name__}") from error
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise ProviderError(f"ID token refused: {type(error).__name__}") from error
    audience = claims["aud"]
    if (
        isinstance(audience, list)
        and len(audience) > 1
        and claims.get("azp") != client_id
    ):
        raise ProviderError("ID token refused: azp")
    return claims


def userinfo(provider: Provider, access_token: str) -> dict:
    """The userinfo endpoint's claims ({} when the provider has none)."""
    if not provider.userinfo_endpoint:
        return {}
    try:
        response = requests.get(
            provider.userinfo_endpoint,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json",
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise ProviderError(f"userinfo: {type(error).__name__}") from error
    if response.status_code != 200:
        raise ProviderError(f"userinfo: HTTP {response.status_code}")
    return _json(response, "userinfo")
