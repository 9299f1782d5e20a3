"""The demonstration identity provider of ``make start`` (and of the tests).

A real OpenID Connect provider, run as its own process on loopback:
oidc-provider-mock (authlib behind it), with the demo identities below, its
nonce required, and what a real broker also enforces added here: PKCE (S256)
checked at the token endpoint, and authorization codes that expire
(``--code-lifetime`` seconds). Every page it shows says it is a
demonstration. Never configured on a real site: only imio.guichet.demo
points the demo site at it.

    python -m imio.guichet.demo.provider --port 9080
"""

import argparse
import base64
import hashlib
import hmac
import os
import threading
import time


#: Demo only: two invented people, with valid (invented) national register
#: numbers, identified at the eIDAS level "substantial" (as itsme and eID).
SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
DEMO_IDENTITIES = {
    "demo-luc-dupont": {
        "given_name": "Luc",
        "family_name": "Dupont",
        "nin": "85031412302",
        "birthdate": "1985-03-14",
        "email": "luc.dupont@example.org",
        "acr": SUBSTANTIAL,
    },
    "demo-sophie-lambert": {
        "given_name": "Sophie",
        "family_name": "Lambert",
        "nin": "92070445647",
        "birthdate": "1992-07-04",
        "email": "sophie.lambert@example.org",
        "acr": SUBSTANTIAL,
    },
}
#: The demo's acr values and the levels they mean (the control panel's
#: mapping on the demo site).
ACR_LEVELS = "\n".join(
    f"http://eidas.europa.eu/LoA/{level} -> {level}"
    for level in ("low", "substantial", "high")
)
DEFAULT_CODE_LIFETIME = 60.0

BANNER = (
    b'<div role="note" style="background:#fff3cd;color:#3d2c00;padding:1rem;'
    b'border:2px solid #8a6d00;margin:1rem 0;font-weight:bold">'
    b"D\xc3\xa9monstration : fournisseur d'identit\xc3\xa9 fictif (ni itsme, ni eID). "
    b"Choisissez une personne de d\xc3\xa9monstration : demo-luc-dupont (Luc Dupont) "
    b"ou demo-sophie-lambert (Sophie Lambert).</div>"
)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_app(code_lifetime: float = DEFAULT_CODE_LIFETIME):
    """The provider's WSGI application."""
    # Here, not at the top: the demo site's setup reads this module's
    # constants without loading the provider.
    from oidc_provider_mock import app as provider_app
    from oidc_provider_mock import User

    import flask

    app = provider_app(
        require_nonce=True,
        user_claims=[
            User(sub=sub, claims=dict(claims))
            for sub, claims in DEMO_IDENTITIES.items()
        ],
    )
    lock = threading.Lock()
    # code -> (when issued, the PKCE challenge of its authorization request)
    codes: dict[str, tuple[float, str | None]] = {}

    def _error(description: str):
        return flask.jsonify(error="invalid_grant", error_description=description), 400

    @app.before_request
    def check_code():
        if flask.request.endpoint != "oidc-provider-mock.issue_token":
            return None
        if flask.request.form.get("grant_type") != "authorization_code":
            return None
        with lock:
            issued = codes.pop(flask.request.form.get("code", ""), None)
        if issued is None:
            return _error("unknown or already used authorization code")
        when, challenge = issued
        if time.monotonic() - when > code_lifetime:
            return _error("authorization code expired")
        verifier = flask.request.form.get("code_verifier") or ""
        if not challenge or not hmac.compare_digest(s256(verifier), challenge):
            return _error("PKCE verification failed")
        return None

    @app.after_request
    def note_code_and_label(response):
        if flask.request.endpoint == "oidc-provider-mock.authorize":
            location = response.headers.get("Location", "")
            query = flask.request.args
            code = _query_value(location, "code")
            if code:
                challenge = query.get("code_challenge")
                if query.get("code_challenge_method") != "S256":
                    challenge = None  # only S256 is accepted
                with lock:
                    codes[code] = (time.monotonic(), challenge)
        if response.mimetype == "text/html" and not response.direct_passthrough:
            body = response.get_data()
            opening = b'<main class="container">'
            response.set_data(body.replace(opening, opening + BANNER, 1))
        return response

    return app


def _query_value(url: str, name: str) -> str | None:
    from urllib.parse import parse_qs
    from urllib.parse import urlsplit

    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9080)
    parser.add_argument(
        "--code-lifetime",
        type=float,
        default=DEFAULT_CODE_LIFETIME,
        help="seconds an authorization code may be exchanged",
    )
    args = parser.parse_args(argv)
    # Loopback, plain HTTP: the demo only.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    from werkzeug.serving import make_server

    server = make_server(
        args.host, args.port, make_app(args.code_lifetime), threaded=True
    )
    print(
        f"Demo identity provider (demonstration only): http://{args.host}:{args.port}",
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
