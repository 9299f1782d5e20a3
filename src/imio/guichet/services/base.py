"""What every service of the guichet shares: its caller, the rules of the
requests that change something, and the one way a refusal of the core
becomes an answer."""

from functools import cached_property
from imio.guichet import _
from imio.guichet.caller import Caller
from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import Forbidden
from imio.guichet.errors import GuichetError
from imio.guichet.errors import UnsupportedMediaType
from imio.guichet.services.errors import guichet_error
from imio.guichet.urls import public_site_url
from plone import api
from plone.restapi.services import Service
from urllib.parse import urlsplit

import json


#: Methods that change something: their requests must be JSON and, when a
#: browser's cookie authenticates them, come from the site's own pages.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

JSON_REQUIRED = _(
    "error_json_required",
    default="Send the body as JSON, with the header Content-Type: application/json.",
)
CROSS_SITE = _(
    "error_cross_site",
    default="This request comes from another site: refused. Applications "
    "authenticate with an API token or Basic authentication.",
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a URL or an ``Origin`` header."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname.lower(), port


def is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def has_body(request) -> bool:
    length = request.getHeader("Content-Length") or ""
    return bool(request.get("BODY")) or (length.isdigit() and int(length) > 0)


def authenticated_by_cookie(request) -> bool:
    """A logged-in request without an ``Authorization`` header: a browser's
    session cookie authenticated it, which a browser sends along whatever
    site made it send the request (a token or Basic credentials are never
    sent by another site)."""
    # Zope keeps the Authorization header in ``_auth`` (and takes it out
    # of the environment), where PAS's plugins read it too.
    authorization = getattr(request, "_auth", None)
    return not authorization and not api.user.is_anonymous()


def check_write(request) -> None:
    """The rules of every request that changes something (see
    :data:`UNSAFE_METHODS`).

    A body must be JSON (415 otherwise: a plain HTML form or a
    ``text/plain`` request of another site cannot make one without the
    browser asking first, CORS preflight). A request authenticated by a
    browser's cookie must come from the site itself: its ``Origin`` (when
    sent) is the site's (the address the request reached, or the public
    URL), and the browser does not say it is ``cross-site``
    (``Sec-Fetch-Site``); else 403.
    """
    if has_body(request) and not is_json(request.getHeader("Content-Type")):
        raise UnsupportedMediaType(JSON_REQUIRED)
    if not authenticated_by_cookie(request):
        return
    if (request.getHeader("Sec-Fetch-Site") or "").lower() == "cross-site":
        raise Forbidden(CROSS_SITE)
    origin = request.getHeader("Origin")
    if origin is None:
        return  # not sent by a browser that would send it across sites
    allowed = {origin_of(request["SERVER_URL"]), origin_of(public_site_url())}
    if origin_of(origin) not in allowed - {None}:
        raise Forbidden(CROSS_SITE)


class GuichetService(Service):
    """A service whose ``reply()`` parses, calls a use case and serializes:
    a :class:`~imio.guichet.errors.GuichetError` raised on the way is
    answered here, as JSON with its status and headers. Requests that
    change something follow :func:`check_write` first."""

    @cached_property
    def caller(self) -> Caller:
        return caller_from_request(self.request, REST)

    def render(self):
        try:
            if self.request.method in UNSAFE_METHODS:
                check_write(self.request)
            return super().render()
        except GuichetError as exc:
            answer = guichet_error(self.request, exc)
            self.request.response.setHeader("Content-Type", "application/json")
            return json.dumps(answer, indent=2, sort_keys=True, separators=(", ", ": "))
