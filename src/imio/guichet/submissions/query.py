"""What a listing or an export of submissions may be asked for: one parser,
one set of bounds, for the REST API, the staff pages and the exports.

Parameters come as text (a query string). :meth:`ListingQuery.parse` and
:meth:`ExportQuery.parse` refuse anything faulty with
:class:`~imio.guichet.errors.InvalidQuery` listing every faulty parameter
(the API answers 400); :meth:`ListingQuery.read` drops the faulty ones and
says why (a page shows the rest of the listing, with the reasons next to
the filters).
"""

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import date
from imio.guichet import _
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.submissions.api import decode_cursor
from imio.guichet.submissions.api import decode_feed_cursor
from imio.guichet.submissions.api import DEFAULT_PAGE_SIZE
from imio.guichet.submissions.api import MAX_PAGE_SIZE
from imio.guichet.submissions.api import SORT_ON
from imio.guichet.submissions.export import CONTENT_TYPES
from imio.guichet.submissions.search import MAX_QUERY
from imio.guichet.submissions.states import STATES


#: Years a day filter takes: far-off years would overflow the arithmetic
#: of the sort keys (and are typing mistakes anyway).
MIN_YEAR, MAX_YEAR = 1900, 2999

#: Parameters of a listing; ``since`` asks for the change feed instead.
LISTING_PARAMETERS = (
    "procedure",
    "state",
    "from",
    "to",
    "reference",
    "acknowledged",
    "cursor",
    "limit",
    "sort_order",
    "sort_on",
    "assignee",
    "overdue",
    "due_before",
    "q",
    "since",
)
#: What the change feed combines with.
FEED_PARAMETERS = ("procedure", "since", "limit")
EXPORT_PARAMETERS = ("format", "state", "from", "to", "reference", "q")

INVALID_DAY = _("error_invalid_day", default="Enter a date as YYYY-MM-DD.")
UNKNOWN_STATE = _("error_unknown_state", default="Unknown state.")
#: ``sort_order``: the listing's order of creation.
SORT_ORDERS = ("ascending", "descending")
INVALID_SORT_ORDER = _(
    "error_invalid_sort_order", default="The order is ascending or descending."
)
INVALID_SORT_ON = _("error_invalid_sort_on", default="Sort on created, due or state.")
DUE_ORDER_ONLY = _(
    "error_due_order_only",
    default="Requests late or due before a day are listed by due date.",
)
NOT_BY_DUE = _(
    "error_not_by_due",
    default="Filing days do not combine with the due-date order.",
)
ASSIGNEE_ME = "me"
SEARCH_TOO_LONG = _(
    "error_search_too_long",
    default="Search with at most ${count} characters.",
    mapping={"count": MAX_QUERY},
)
INVALID_CURSOR = _(
    "error_invalid_cursor",
    default="This page link is not valid; here is the first page.",
)


def whole_number(text: object) -> int | None:
    """The whole number ``text`` spells in ASCII digits (``"²"`` and
    ``"١"`` are digits to Python, and ``int()`` refuses text of 4,300
    digits), None for anything else: never an exception to answer."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 19:
        return int(text)
    return None


class _Reader:
    """Reads parameters one by one, keeping why each faulty one was refused."""

    def __init__(self, params: Mapping[str, object], known: Iterable[str]):
        self.params = params
        self.errors: list[FieldError] = []
        for name in sorted(set(params) - set(known)):
            self.refuse(name, "unknown_parameter", f"Unknown parameter {name}.")

    def refuse(self, name: str, code: str, message) -> None:
        self.errors.append(FieldError(name, code, message))

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self.refuse(name, "repeated", f"{name} may be given once.")
            return None
        return value.strip() or None

    def state(self) -> str | None:
        value = self.text("state")
        if value is not None and value not in STATES:
            self.refuse("state", "unknown_state", UNKNOWN_STATE)
            return None
        return value

    def day(self, name: str) -> date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
        if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
            self.refuse(name, "invalid_day", INVALID_DAY)
            return None
        return day

    def limit(self) -> int:
        value = self.text("limit")
        if value is None:
            return DEFAULT_PAGE_SIZE
        number = whole_number(value)
        if number is not None and 1 <= number <= MAX_PAGE_SIZE:
            return number
        self.refuse(
            "limit", "invalid_limit", f"limit must be between 1 and {MAX_PAGE_SIZE}."
        )
        return DEFAULT_PAGE_SIZE

    def descending(self) -> bool:
        value = self.text("sort_order")
        if value is not None and value not in SORT_ORDERS:
            self.refuse("sort_order", "invalid_sort_order", INVALID_SORT_ORDER)
            return False
        return value == "descending"

    def sort_on(self) -> str | None:
        value = self.text("sort_on")
        if value is not None and value not in SORT_ON:
            self.refuse("sort_on", "invalid_sort_on", INVALID_SORT_ON)
            return None
        return value

    def search(self) -> str | None:
        value = self.text("q")
        if value is not None and len(value) > MAX_QUERY:
            self.refuse("q", "search_too_long", SEARCH_TOO_LONG)
            return None
        return value

    def flag(self, name: str) -> bool:
        value = self.text(name)
        if value not in (None, "true", "false"):
            self.refuse(name, "invalid_flag", f"{name} is true or false.")
            return False
        return value == "true"

    def checked(self, name: str, decode) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            decode(value)
        except InvalidQuery:
            self.refuse(name, "invalid_cursor", INVALID_CURSOR)
            return None
        return value


def _sorted(reader: _Reader, query: "ListingQuery") -> "ListingQuery":
    """The query with its order: by due date when a due filter asks for
    it; refuses orders that its filters do not combine with, and a cursor
    of another order."""
    asked = reader.sort_on()
    sort_on = asked or ("due" if query.due_filtered else "created")
    if query.due_filtered and sort_on != "due":
        reader.refuse("sort_on", "filters_do_not_combine", DUE_ORDER_ONLY)
        sort_on = "due"
    if sort_on == "due" and (query.created_from or query.created_to):
        for name in ("from", "to"):
            if reader.params.get(name):
                reader.refuse(name, "filters_do_not_combine", NOT_BY_DUE)
        query = query.without("created_from", "created_to")
    cursor = query.cursor
    if cursor is not None and _cursor_order(decode_cursor(cursor)) != sort_on:
        reader.refuse("cursor", "invalid_cursor", INVALID_CURSOR)
        query = query.without("cursor")
    return replace(query, sort_on=sort_on)


def _cursor_order(text: str) -> str:
    for order in ("due", "state"):
        if text.startswith(f"{order}:"):
            return order
    return "created"


def _refuse(errors: list[FieldError], what: str) -> None:
    if errors:
        names = ", ".join(sorted({error.field for error in errors}))
        raise InvalidQuery(f"Invalid {what} parameters: {names}.", fields=errors)


@dataclass(frozen=True)
class ListingQuery:
    """Which submissions to list, and which page.

    ``procedure_uid`` narrows the listing to one procedure (among those the
    caller may read); ``created_from``/``created_to`` are days of the
    site's calendar, both included; ``reference`` looks one submission up
    by its reference instead; ``descending`` lists the newest first
    (``sort_order=descending``); ``since`` asks for the change feed (with
    ``procedure_uid`` and ``limit`` only). A cursor goes on in the order of
    the page that gave it: the same ``sort_on`` and ``sort_order`` must come
    with it. ``sort_on`` is ``created`` (by default), ``due`` or ``state``;
    ``assignee`` is a user or group id, or ``me`` (the caller and their
    groups); ``overdue`` keeps the late requests and ``due_before`` those
    due before a day: both list by due date.
    """

    procedure_uid: str | None = None
    state: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    reference: str | None = None
    unacknowledged: bool = False
    cursor: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    descending: bool = False
    since: str | None = None
    sort_on: str = "created"
    assignee: str | None = None
    overdue: bool = False
    due_before: date | None = None
    q: str | None = None

    @classmethod
    def read(
        cls, params: Mapping[str, object], known: Iterable[str] = LISTING_PARAMETERS
    ) -> tuple["ListingQuery", list[FieldError]]:
        """The query made of the valid parameters among ``known``, and why
        each other one was left out."""
        reader = _Reader(params, known)
        acknowledged = reader.text("acknowledged")
        if acknowledged not in (None, "false"):
            reader.refuse(
                "acknowledged",
                "invalid_acknowledged",
                "Only acknowledged=false is supported.",
            )
        query = cls(
            procedure_uid=reader.text("procedure"),
            state=reader.state(),
            created_from=reader.day("from"),
            created_to=reader.day("to"),
            reference=reader.text("reference"),
            unacknowledged=acknowledged == "false",
            cursor=reader.checked("cursor", decode_cursor),
            limit=reader.limit(),
            descending=reader.descending(),
            since=reader.checked("since", decode_feed_cursor),
            assignee=reader.text("assignee"),
            overdue=reader.flag("overdue"),
            due_before=reader.day("due_before"),
            q=reader.search(),
        )
        query = _sorted(reader, query)
        if query.unacknowledged and (
            query.assignee or query.sort_on != "created" or query.state
        ):
            reader.refuse(
                "acknowledged",
                "filters_do_not_combine",
                "acknowledged=false combines with no other filter or order.",
            )
            query = query.without("unacknowledged")
        if query.unacknowledged and query.state:
            reader.refuse(
                "acknowledged",
                "filters_do_not_combine",
                "The state and acknowledged filters do not combine.",
            )
            query = query.without("unacknowledged")
        if "since" in params:
            for name in sorted(set(params) - set(FEED_PARAMETERS)):
                reader.refuse(
                    name,
                    "not_with_since",
                    "since combines with procedure and limit only.",
                )
        return query, reader.errors

    @property
    def due_filtered(self) -> bool:
        return self.overdue or self.due_before is not None

    @classmethod
    def parse(
        cls, params: Mapping[str, object], known: Iterable[str] = LISTING_PARAMETERS
    ) -> "ListingQuery":
        """The query, if every parameter is known and valid; raises
        :class:`~imio.guichet.errors.InvalidQuery` otherwise."""
        query, errors = cls.read(params, known)
        _refuse(errors, "listing")
        return query

    def without(self, *names: str) -> "ListingQuery":
        """This query with ``names`` back to their defaults."""
        defaults = {f.name: f.default for f in dataclass_fields(self)}
        values = {f.name: getattr(self, f.name) for f in dataclass_fields(self)}
        values.update({name: defaults[name] for name in names})
        return type(self)(**values)

    @property
    def is_feed(self) -> bool:
        return self.since is not None


@dataclass(frozen=True)
class ExportQuery:
    """Which submissions of a procedure to export, and as what (``kind``:
    csv, jsonl or xlsx); days as for a listing; ``reference``, as for a
    listing, the one submission of that reference instead; ``q``, as for
    a listing, those that hold every term of a search."""

    kind: str = "csv"
    state: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    reference: str | None = None
    q: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, object]) -> "ExportQuery":
        reader = _Reader(params, EXPORT_PARAMETERS)
        kind = reader.text("format") or "csv"
        if kind not in CONTENT_TYPES:
            reader.refuse("format", "unknown_format", "format is csv, jsonl or xlsx.")
        query = cls(
            kind=kind,
            state=reader.state(),
            created_from=reader.day("from"),
            created_to=reader.day("to"),
            reference=reader.text("reference"),
            q=reader.search(),
        )
        _refuse(reader.errors, "export")
        return query
