"""What every service of the guichet shares: its caller, the one way its
parameters and JSON bodies are read, the rules of the requests that change
something, and the one way a refusal of the core becomes an answer."""

from collections import Counter
from imio.guichet import _
from imio.guichet.caller import REST
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.errors import FieldError
from imio.guichet.errors import Forbidden
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import UnsupportedMediaType
from imio.guichet.services.errors import guichet_error
from imio.guichet.services.methods import ANY
from imio.guichet.services.methods import refuse_method
from imio.guichet.services.methods import serves
from imio.guichet.services.methods import service_name
from imio.guichet.services.traversal import PathService
from imio.guichet.urls import public_site_url
from plone import api
from urllib.parse import parse_qsl
from urllib.parse import urlsplit
from zExceptions import BadRequest

import json
import re


#: Deepest nesting of arrays and objects a JSON body of the guichet's
#: services may have: a form's answers need four levels.
MAX_JSON_DEPTH = 32
#: Deepest nesting of any JSON body sent to a Plone site of this Zope:
#: deeper, Python's parser runs out of stack (RecursionError), and
#: plone.restapi parses every JSON body while authenticating the request,
#: before any service (see :func:`refuse_unparsable_json`).
MAX_PARSABLE_DEPTH = 500
#: A JSON string (escapes included): its brackets are text, not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(rb"[^\[\]{}]+")
NOT_JSON = "The body is not valid JSON."


def refuse_repeated_parameters(query_string: str) -> None:
    """Raise :class:`InvalidQuery` if a parameter of the query string is
    given more than once (``state=a&state=b``): which one would count is
    anybody's guess, so none does."""
    names = Counter(name for name, _value in parse_qsl(query_string or "", True))
    repeated = sorted(name for name, count in names.items() if count > 1)
    if repeated:
        raise InvalidQuery(
            f"Each parameter may be given once: {', '.join(repeated)}.",
            fields=[
                FieldError(name, "repeated", "Each parameter may be given once.")
                for name in repeated
            ],
        )


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in ``body`` (strings skipped),
    counted without parsing it."""
    brackets = _NOT_A_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def refuse_unparsable_json(site, event) -> None:
    """Before a request enters a Plone site: refuse (400) a JSON body
    nested so deeply that parsing it would fail with RecursionError, in
    plone.restapi's authentication (its JWT plugin) before our services.

    Checked there, on the way in, because that parser is not ours; bodies
    our services read are held to :data:`MAX_JSON_DEPTH` by
    :func:`read_json_body`."""
    request = event.request
    content_type = request.getHeader("Content-Type") or ""
    if not content_type.startswith("application/json"):
        return
    body = request.get("BODY") or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    # Counting brackets is quick; most bodies stop here.
    if body.count(b"[") + body.count(b"{") <= MAX_PARSABLE_DEPTH:
        return
    if json_depth(body) > MAX_PARSABLE_DEPTH:
        raise BadRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")


def read_json_body(request):
    """The JSON value of the request's body (empty body: ``{}``); raises
    :class:`InvalidInput` for a body that is not JSON or nests deeper than
    :data:`MAX_JSON_DEPTH` (with our message, never the parser's)."""
    body = request.get("BODY") or b"{}"
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InvalidInput(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise InvalidInput(NOT_JSON) from None


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


class GuichetService(CallerOfRequest, PathService):
    """A service whose ``reply()`` parses, calls a use case and serializes:
    a :class:`~imio.guichet.errors.GuichetError` raised on the way is
    answered here, as JSON with its status and headers. A parameter given
    twice is refused here, for every service, and requests that change
    something follow :func:`check_write` first.

    It takes what follows its name in the URL (``self.path``), and
    ``paths`` are those it serves (``services/methods.py``): any other is
    answered 405 (or 404) before anything else, whichever method's
    service traversed it."""

    channel = REST
    paths = ((),)
    #: The longest path of the guichet: @submissions/{id}/@attachments/{name}.
    max_path = 3

    @property
    def endpoint_name(self) -> str:
        """The service's name and the shape of the path it serves, ids left
        out (``@submissions/*/@attachments/*``): the label of its latency
        in the metrics. A path it does not serve is ``(other)``."""
        name = service_name(self)
        path = tuple(getattr(self, "path", ()))
        for shape in self.paths:
            if serves((shape,), path):
                parts = ["*" if part is ANY else part for part in shape]
                return "/".join([name, *parts])
        return f"{name} (other)"

    def render(self):
        try:
            if not serves(self.paths, tuple(getattr(self, "path", ()))):
                refuse_method(self)
            refuse_repeated_parameters(self.request.get("QUERY_STRING", ""))
            if self.request.method in UNSAFE_METHODS:
                check_write(self.request)
            return super().render()
        except GuichetError as exc:
            answer = guichet_error(self.request, exc)
            self.request.response.setHeader("Content-Type", "application/json")
            return json.dumps(answer, indent=2, sort_keys=True, separators=(", ", ": "))
