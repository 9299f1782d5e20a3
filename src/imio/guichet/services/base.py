"""What every service of the guichet shares: its caller, the one way its
parameters and JSON bodies are read, and the one way a refusal of the core
becomes an answer."""

from collections import Counter
from functools import cached_property
from imio.guichet.caller import Caller
from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import FieldError
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import InvalidQuery
from imio.guichet.services.errors import guichet_error
from plone.restapi.services import Service
from urllib.parse import parse_qsl
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


class GuichetService(Service):
    """A service whose ``reply()`` parses, calls a use case and serializes:
    a :class:`~imio.guichet.errors.GuichetError` raised on the way is
    answered here, as JSON with its status and headers. A parameter given
    twice is refused here, for every service."""

    @cached_property
    def caller(self) -> Caller:
        return caller_from_request(self.request, REST)

    def render(self):
        try:
            refuse_repeated_parameters(self.request.get("QUERY_STRING", ""))
            return super().render()
        except GuichetError as exc:
            answer = guichet_error(self.request, exc)
            self.request.response.setHeader("Content-Type", "application/json")
            return json.dumps(answer, indent=2, sort_keys=True, separators=(", ", ": "))
