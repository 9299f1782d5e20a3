"""Plone's page around the citizen's form and confirmation, kept for
anonymous visitors.

A citizen who files a form through the site loads two full Plone pages:
the form and the confirmation. Their own content (the widgets, the
reference) costs a few milliseconds; the page around it (header, global
navigation, breadcrumbs, portlets, footer: ``main_template`` and its
viewlets) costs several times more, and for an anonymous visitor it is the
same page for everyone. So these pages render their content on every
request and take the page around it from :data:`LAYOUTS`: the
``main_template`` rendered once with markers where the content goes, cut
at the markers, for a short while (:data:`SECONDS`).

What keeps it right:

- only for anonymous visitors (a logged-in citizen's page shows their
  name, their links: it is always rendered), only when no status message
  is waiting (Plone shows it in the page around the content, once), and
  only for requests that hold nothing but the page's own parameters (a
  ``ajax_load`` or any other parameter that Plone's page may read renders
  it afresh);
- the key is the page's URL (its host and virtual hosting, without the
  query), the view, the content object and the date it was last modified,
  the language, and the catalog's counter (every content change anywhere
  in the site, which the navigation and portlets show, gives a new key);
  what no key sees (a portlet assignment, the site's logo or title in the
  registry) shows within :data:`SECONDS`;
- the page kept must not hold any of the values the request that rendered
  it received (a confirmation page's reference and tracking secret, say):
  if it does, it is used for that request only, never kept. Except the
  view's ``reflected_parameters``: a language selector links to the same
  page with its query (plone.app.multilingual's does), so on a
  multilingual site the page around a confirmation holds its reference and
  secret; it is kept with a placeholder in their place, and each request
  gets its own values there: only values the site issued (the view says
  so: ``reflectable``; a visitor's own choice of value could otherwise
  turn any word of the page into a placeholder) and plain ones (letters,
  digits, ``-_.~``, which every way of writing them in a page leaves as
  they are); a placeholder left in a page makes it rendered whole;
- the headers that ``main_template`` sets (``plone.httpheaders``) are kept
  with the page around the parts and set on every request;
- bounded: at most :data:`MAX_LAYOUTS` pages, least recently used out
  first; process-local, like the ZODB caches.

``GUICHET_LAYOUT_CACHE_SECONDS`` in the instance's environment (zope.conf's
``<environment>``) sets :data:`SECONDS`; ``0`` turns the cache off.
"""

from collections import OrderedDict
from html import escape
from imio.guichet.channels.caller import is_anonymous
from plone import api
from plone.uuid.interfaces import IUUID
from Products.CMFCore.utils import getToolByName
from Products.statusmessages import STATUSMESSAGEKEY
from urllib.parse import quote
from urllib.parse import quote_plus
from zope.annotation.interfaces import IAnnotations

import logging
import os
import re
import threading
import time


logger = logging.getLogger(__name__)

#: The parts of a page that its view renders on every request: the slots
#: ``content-title``, ``content-description`` and ``content-core`` of
#: Plone's ``main_template``.
PARTS = ("title", "description", "core")
_MARKERS = {part: f"<!--imio.guichet.layout:{part}-->" for part in PARTS}
#: What ends each part in the output of a page's ``parts_template``.
PART_END = "<!--imio.guichet.part-end-->"

SECONDS_VARIABLE = "GUICHET_LAYOUT_CACHE_SECONDS"
DEFAULT_SECONDS = 60.0
MAX_LAYOUTS = 200
#: Request values shorter than this are not looked for in a page kept
#: (a "1", a "keys" may be anywhere; secrets and references are longer).
_SHORTEST_SECRET = 6
#: A value that a page writes the same way in text, attributes and URLs.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+\Z")


def _seconds_from_environment() -> float:
    value = os.environ.get(SECONDS_VARIABLE, "").strip()
    try:
        return max(0.0, float(value)) if value else DEFAULT_SECONDS
    except ValueError:
        logger.warning("%s=%r is not a number of seconds", SECONDS_VARIABLE, value)
        return DEFAULT_SECONDS


#: How long a page kept is used; 0: never kept.
SECONDS = _seconds_from_environment()


def layout_seconds() -> float:
    return SECONDS


class LayoutCache:
    """Pages cut at their markers, by key; bounded (LRU) and timed."""

    def __init__(self, max_entries: int = MAX_LAYOUTS, clock=time.monotonic):
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, seconds: float) -> tuple[str, ...] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, pieces = entry
            if self.clock() - stored_at >= seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return pieces

    def put(self, key, pieces: tuple[str, ...]) -> None:
        with self._lock:
            self._entries[key] = (self.clock(), pieces)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


LAYOUTS = LayoutCache()


def cut(page: str) -> tuple[str, ...] | None:
    """The page around the parts: the text before the first part, between
    parts, after the last (None unless each marker is there once, in
    order)."""
    pieces = []
    rest = page
    for part in PARTS:
        before, marker, after = rest.partition(_MARKERS[part])
        if not marker or _MARKERS[part] in after:
            return None
        pieces.append(before)
        rest = after
    pieces.append(rest)
    return tuple(pieces)


def join(pieces: tuple[str, ...], parts: dict[str, str]) -> str:
    """The page: ``pieces`` (see :func:`cut`) around the rendered ``parts``."""
    result = [pieces[0]]
    for part, piece in zip(PARTS, pieces[1:], strict=True):
        result += [parts[part], piece]
    return "".join(result)


def _forms_of(value: str) -> set[str]:
    return {value, escape(value), escape(value, quote=False), quote(value, safe="")}


def shows_request_values(pieces: tuple[str, ...], request) -> bool:
    """Whether the page around the parts shows one of the values the
    request received (query or form): then it is this request's only."""
    values = set()
    for value in request.form.values():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str) and len(item) >= _SHORTEST_SECRET:
                values |= _forms_of(item) | {quote_plus(item)}
    query = request.get("QUERY_STRING") or ""
    if len(query) >= _SHORTEST_SECRET:
        values |= _forms_of(query)
    return any(value in piece for piece in pieces for value in values)


def reflected_values(request, names: tuple[str, ...]) -> dict[str, str] | None:
    """The values of the parameters ``names`` that ``request`` received
    (those it has), or None when one is not a plain value long enough to be
    told apart from the rest of a page (that page is then not kept)."""
    values = {}
    for name in names:
        value = request.form.get(name)
        if value is None:
            continue
        if (
            not isinstance(value, str)
            or len(value) < _SHORTEST_SECRET
            or not _PLAIN.match(value)
        ):
            return None
        values[name] = value
    return values


#: NUL never occurs in a page, nor in a plain value: a placeholder is
#: neither a page's text nor part of a value replaced after it.
_NUL = "\x00"


def _placeholders(values: dict[str, str]) -> dict[str, str]:
    # A digit between NULs, by the names' order: never the text of a name.
    return {name: f"{_NUL}{n}{_NUL}" for n, name in enumerate(sorted(values))}


def with_placeholders(pieces: tuple[str, ...], values: dict[str, str]):
    """``pieces`` with a placeholder wherever they show one of ``values``
    (plain values: see :func:`reflected_values`)."""
    placeholders = _placeholders(values)
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        pieces = tuple(piece.replace(value, placeholders[name]) for piece in pieces)
    return pieces


def with_values(pieces: tuple[str, ...], values: dict[str, str]):
    """``pieces`` (see :func:`with_placeholders`) with this request's
    ``values`` in place of their placeholders; None if a placeholder is
    left (the page must then be rendered whole)."""
    for name, placeholder in _placeholders(values).items():
        pieces = tuple(piece.replace(placeholder, values[name]) for piece in pieces)
    return None if any(_NUL in piece for piece in pieces) else pieces


def _status_message_waiting(request) -> bool:
    value = IAnnotations(request).get(
        STATUSMESSAGEKEY, request.cookies.get(STATUSMESSAGEKEY)
    )
    return bool(value) and value != "deleted"


class CachedLayoutPage:
    """A view whose page is Plone's ``main_template`` around three parts
    that it renders on every request.

    ``page_template`` uses ``main_template`` and fills ``content-title``,
    ``content-description`` and ``content-core`` with ``view.page_part``;
    ``parts_template`` renders the three parts in one go (one template
    rendering costs about as much as the parts themselves), each ended by
    :data:`PART_END`.
    ``own_parameters`` names the request parameters the page reads (a name
    ending with ``.`` stands for every name that starts with it);
    ``reflected_parameters``, those of them whose values the page around
    the parts may show, when :meth:`reflectable` says the site issued them
    (see the module's docstring).
    """

    page_template = None
    parts_template = None
    own_parameters: tuple[str, ...] = ()
    reflected_parameters: tuple[str, ...] = ()

    _parts: dict[str, str] | None = None

    def page_part(self, part: str) -> str:
        return self._parts[part]

    def reflectable(self) -> bool:
        """Whether the values of ``reflected_parameters`` that the request
        holds were issued by the site (a view that has some says how)."""
        return False

    def render_page(self) -> str:
        parts = self.render_parts()
        reflected = {}
        if self.reflected_parameters and self.reflectable():
            reflected = reflected_values(self.request, self.reflected_parameters)
        key = None if reflected is None else self.layout_key()
        if key is None:
            return self._whole_page(parts)
        key += (tuple(sorted(reflected)),)
        kept = LAYOUTS.get(key, SECONDS)
        if kept is None:
            response = self.request.response
            before = dict(response.headers)
            self._parts = _MARKERS
            pieces = cut(self.page_template())
            if pieces is None:
                logger.warning("No layout markers in %s", self.request.getURL())
                return self._whole_page(parts)
            pieces = with_placeholders(pieces, reflected)
            # What main_template set as it rendered (plone.httpheaders'
            # viewlets: type, language, expiry): set again with the layout.
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if before.get(name) != value
            )
            if not shows_request_values(pieces, self.request):
                LAYOUTS.put(key, (pieces, headers))
        else:
            pieces, headers = kept
            response = self.request.response
            for name, value in headers:
                response.setHeader(name, value)
        pieces = with_values(pieces, reflected)
        return self._whole_page(parts) if pieces is None else join(pieces, parts)

    def render_parts(self) -> dict[str, str]:
        """The parts, from one rendering of ``parts_template``: it writes
        them in the order of :data:`PARTS`, each followed by
        :data:`PART_END`."""
        rendered = self.parts_template().split(PART_END)
        if len(rendered) != len(PARTS) + 1 or rendered[-1].strip():
            raise ValueError(
                f"{self.__name__}: the parts template must end "
                f"each of {PARTS} with {PART_END}"
            )
        return dict(zip(PARTS, rendered, strict=False))

    def _whole_page(self, parts: dict[str, str]) -> str:
        self._parts = parts
        return self.page_template()

    def _only_own_parameters(self) -> bool:
        for name in self.request.form:
            if not any(
                name == own or (own.endswith(".") and name.startswith(own))
                for own in self.own_parameters
            ):
                return False
        return True

    def layout_key(self) -> tuple | None:
        """The key of this page's layout in :data:`LAYOUTS`; None when it
        must be rendered for this request only."""
        request = self.request
        if (
            not SECONDS
            or not is_anonymous()
            or _status_message_waiting(request)
            or not self._only_own_parameters()
        ):
            return None
        context = self.context
        modified = getattr(context, "modified", None)
        return (
            request.get("ACTUAL_URL") or request.getURL(),
            self.__name__,
            "/".join(context.getPhysicalPath()),
            # plone.api's get_uuid and get_tool, without their checks of
            # the call's arguments: every form and confirmation asks.
            IUUID(context, None),
            str(modified()) if callable(modified) else None,
            api.portal.get_current_language(),
            getToolByName(context, "portal_catalog").getCounter(),
        )
