"""Post/Redirect/Get for the staff's forms, refusals included.

A POST that changed something redirects (303) to the page it was made
from. A POST that was refused redirects too, so that a reload never sends
the form again: the refusal (its status, code and messages, translated)
and what the person typed travel to the next GET of that page in a short
cookie, signed with the site's keyring (nobody can make a page show a
refusal, or fill its fields, that the site did not give), read once and
expired there. Nothing is written to the database: a refused POST stays a
request that changes nothing, and the GET a read that never commits.

Why a cookie and not the session or the address: Plone keeps no session
of its own, several instances serve one site (the next GET may reach
another process), and what was typed (a message to a citizen) has no
place in an address, which logs and browsers' histories keep. A refusal
too large for a cookie (a very long message) is shown at once, as before:
the page keeps its address (``?id=`` included) and what was typed.
"""

from base64 import urlsafe_b64decode
from base64 import urlsafe_b64encode
from imio.guichet.browser.errors import PAGE_STATUS
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.caller import HTML
from imio.guichet.errors import GuichetError
from imio.guichet.metrics.counters import count_refusal
from plone.keyring.interfaces import IKeyManager
from zope.component import getUtility
from zope.i18n import translate

import hashlib
import hmac
import json


COOKIE = "guichet_refused"
#: Browsers keep cookies of up to 4096 bytes, name and attributes included.
MAX_VALUE = 3500


def _signature(data: str) -> str:
    secret = getUtility(IKeyManager).secret()
    if isinstance(secret, str):
        secret = secret.encode()
    digest = hmac.new(secret, f"{COOKIE}:{data}".encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def keep_for_page(request, page: str, payload: dict) -> bool:
    """Keep ``payload`` (JSON) for the next GET of ``page`` (the address
    the POST redirects to); False if it is too large for a cookie (the
    caller shows the page now)."""
    text = json.dumps(
        {"page": page, **payload}, separators=(",", ":"), ensure_ascii=False
    )
    data = urlsafe_b64encode(text.encode()).decode().rstrip("=")
    value = f"{data}.{_signature(data)}"
    if len(value) > MAX_VALUE:
        return False
    request.response.setCookie(
        COOKIE,
        value,
        path="/",
        http_only=True,
        same_site="Strict",
        secure=request.get("SERVER_URL", "").startswith("https:"),
    )
    return True


def take_for_page(request, page: str) -> dict | None:
    """What the POST that redirected here kept for ``page``, once: the
    cookie is expired. None if there is none, it is for another page, or
    it is not the site's."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    request.response.expireCookie(COOKIE, path="/")
    data, _, signature = value.partition(".")
    if not hmac.compare_digest(signature, _signature(data)):
        return None
    try:
        payload = json.loads(urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("page") != page:
        return None
    return payload


def refusal_payload(request, refused: GuichetError) -> dict:
    """A refusal as it is kept: its page status, code and messages in the
    reader's language, each field as ``[field, code, message]``."""
    return {
        "status": PAGE_STATUS.get(refused.status, refused.status),
        "code": refused.code,
        "message": translate(refused.message, context=request),
        "fields": [
            [field.field, field.code, translate(field.message, context=request)]
            for field in refused.fields
        ],
    }


def keep_refusal(request, page: str, refused: GuichetError, typed: dict) -> bool:
    """Keep ``refused`` and the ``typed`` values for the next GET of
    ``page``; False if they are too large for a cookie. 401, 403, 404 and
    503 raise instead (nothing to show)."""
    raise_for_page(refused)
    payload = {
        **refusal_payload(request, refused),
        "typed": {name: value for name, value in typed.items() if value},
    }
    if not keep_for_page(request, page, payload):
        return False
    count_refusal(HTML, refused.code)
    return True


def take_refusal(request, page: str) -> dict | None:
    """The refusal kept for ``page`` (``status``, ``code``, ``message``,
    ``fields``, ``typed``), once."""
    payload = take_for_page(request, page)
    if payload is None or "code" not in payload:
        return None
    return payload


def show_kept_refusal(view, payload: dict) -> None:
    """Show a kept refusal on ``view`` as :func:`show_on_page` shows one
    (``view.errors``, ``view.error_codes``, the status; counted once, when
    it was refused), with what was typed in ``view.typed``."""
    fields = {name: message for name, _code, message in payload["fields"]}
    view.error_codes = {name: code for name, code, _message in payload["fields"]}
    if payload["message"] not in fields.values():
        view.errors["form"] = payload["message"]
        view.error_codes["form"] = payload["code"]
    view.errors.update(fields)
    view.typed = dict(payload.get("typed") or {})
    view.request.response.setStatus(payload["status"])
