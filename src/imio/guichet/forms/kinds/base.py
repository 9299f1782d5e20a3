"""What every field kind declares, and the registry that finds a field's kind.

A *kind* is one sort of answer a citizen gives (a line of text, a date, a
national register number, a file...). It says, in one place, everything
the guichet does with such answers: how a JSON value becomes the field's
Python value and back, its JSON Schema, how people read it (in their
language), its cell in an export, what makes it unusable in a form, its
widget in the HTML form, its form-editor factory, how a prefill value is
adapted to it, and whether ``guichet:show-if`` may test it.

Kinds are found by the zope.schema class of a field: the most specific
registered class in the field's MRO wins, so that a relative date is not
taken for a plain date, nor a NISS for a line of text.
"""

from collections.abc import Iterable
from datetime import date
from datetime import datetime
from imio.guichet.timezones import in_site_time
from typing import Any
from zope.i18nmessageid import Message
from zope.schema.interfaces import IField

import re


#: JSON Schema extension keyword naming a check JSON Schema cannot express
#: (a checksum, a register, the content of a file): see docs/forms.md.
GUICHET_TYPE = "x-guichet-type"


#: Characters no answer may hold: control characters (but tab and line
#: breaks), DEL, and lone surrogates (valid in JSON, not in UTF-8). They
#: break exports, spoof text on the staff pages and have no use in a form.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: A tab, too, where the answer is a single line.
_UNREADABLE_IN_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\t]")


class Refused(Exception):
    """A JSON value that is not of the field's kind; ``code`` says why
    (a key of :data:`imio.guichet.forms.validation.MESSAGES`)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Kind:
    """One kind of field. Subclasses override what differs from a plain
    value stored as is (text, numbers)."""

    #: Stable name (also the value of ``x-guichet-kind`` in docs and tests).
    name: str = ""
    #: The zope.schema field classes of this kind.
    field_classes: tuple[type, ...] = ()
    #: The plone.schemaeditor factory (utility name) offering this kind in
    #: the form editor; None for a kind the editor does not offer.
    editor_factory: str | None = None
    #: For the guichet's own field classes (forms.fields): the title the
    #: form editor shows. The supermodel handler and the editor factory of
    #: such kinds are registered from here (see forms.editor).
    editor_title: Message | None = None
    #: The JSON types a stored value of this kind has.
    json_types: tuple[type, ...] = (str,)
    #: Whether its stored values are told from every other kind's by their
    #: shape alone (see :func:`kind_for_value`).
    known_by_shape: bool = False
    #: A checkbox: left out means unticked (False), and a required one must
    #: be ticked (see forms.validation).
    checkbox: bool = False
    #: Whether citizens attach a file with it (stored apart, see uploads;
    #: its name is cleaned there, its content is not text).
    is_file: bool = False
    #: Whether its text may span several lines (then tabs are allowed too).
    multi_line: bool = False
    #: The dotted name of its z3c.form widget factory, None for z3c.form's
    #: default widget of the field.
    widget: str | None = None

    def __repr__(self) -> str:
        return f"<Kind {self.name}>"

    # -- JSON

    def from_json(self, field: IField, value: Any) -> Any:
        """The field's Python value for a (non-empty) JSON ``value``;
        raises :class:`Refused`."""
        raise Refused("invalid")

    def to_json(self, field: IField, value: Any) -> Any:
        """The JSON value to store for a validated Python ``value``.

        Dates and times are stored with the site's offset (RFC 3339).
        """
        if isinstance(value, datetime):
            return in_site_time(value).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return value

    def holds(self, value: Any) -> bool:
        """Whether a stored JSON ``value`` is of this kind (a value stored
        under an older form version may not be)."""
        return isinstance(value, self.json_types) and (
            bool in self.json_types or not isinstance(value, bool)
        )

    def json_schema(self, field: IField, language: str | None) -> dict:
        """The JSON Schema fragment of a value (labels in ``language``)."""
        return {}

    def error_code(self, error: Exception) -> str | None:
        """The code of a zope.schema validation error particular to this
        kind (None: the generic codes of forms.validation)."""
        return None

    # -- for people and spreadsheets

    def display(self, field: IField, value: Any, language: str | None) -> str | Message:
        """A stored (non-empty) value, for people reading ``language`` (None:
        the site's default language, see i18n.default_language)."""
        return str(value)

    def export_cell(self, field: IField | None, value: Any) -> str:
        """A stored (non-empty) value in a CSV or XLSX cell."""
        return str(value)

    # -- forms

    def form_problems(self, field: IField) -> list[str]:
        """What makes the field unusable in a form, checked when a form is
        saved (the field classes of forms.fields check their own settings
        in ``form_problems``)."""
        own_problems = getattr(field, "form_problems", None)
        return list(own_problems()) if own_problems is not None else []

    def settings_problems(self, settings: dict) -> dict[str, Message]:
        """The settings of such a field that the form editor refuses next to
        the setting: setting name -> why, in words, with the limits
        (``settings``: the values of the field's settings page)."""
        return {}

    def widget_factory(self, field: IField) -> str | None:
        """The dotted name of the widget factory for ``field`` (None: the
        default widget)."""
        return self.widget

    def from_widget(self, field: IField, value: Any) -> Any:
        """What the core takes for a value z3c.form extracted."""
        return self.to_json(field, value)

    def prefill(self, field: IField, value: Any) -> Any:
        """A prefill source's value, adapted to the field."""
        return value

    def condition_values(self, field: IField) -> dict[str, Any] | None:
        """For a kind that ``guichet:show-if`` may test: the values it may
        name (as written in the XML) and the stored value each stands for;
        None for the kinds it may not test."""
        return None

    def condition_titles(self, field: IField) -> dict[str, Any]:
        """How people read the values of :meth:`condition_values` (the
        form editor lists them): their titles, by value."""
        return {value: value for value in self.condition_values(field) or {}}


#: Every kind, in registration order.
KINDS: list[Kind] = []
_BY_CLASS: dict[type, Kind] = {}
_BY_NAME: dict[str, Kind] = {}


class _Shapes:
    #: The JSON types of the kinds known by their shape (set by
    #: :func:`register`): a value of no other type (text, a number) is known
    #: by no shape, which an export tells with one ``isinstance`` per cell.
    types: tuple[type, ...] = ()


def register(kind: Kind) -> Kind:
    """Add ``kind`` to the registry (its name and classes must be new)."""
    if kind.name in _BY_NAME or not kind.name:
        raise ValueError(f"kind name {kind.name!r} is empty or taken")
    taken = [cls for cls in kind.field_classes if cls in _BY_CLASS]
    if taken or not kind.field_classes:
        raise ValueError(f"{kind.name}: field classes missing or taken: {taken}")
    KINDS.append(kind)
    _BY_NAME[kind.name] = kind
    if kind.known_by_shape:
        _Shapes.types = (*_Shapes.types, *kind.json_types)
    for cls in kind.field_classes:
        _BY_CLASS[cls] = kind
    return kind


def kind_of(field: IField | None) -> Kind | None:
    """The kind of ``field``: the one of the most specific registered class
    it is an instance of; None for a field no kind supports."""
    if field is None:
        return None
    for cls in type(field).__mro__:
        kind = _BY_CLASS.get(cls)
        if kind is not None:
            return kind
    return None


def kind_named(name: str) -> Kind:
    """The kind called ``name`` (KeyError if there is none)."""
    return _BY_NAME[name]


def field_class_of(field: IField) -> type | None:
    """The registered class ``field`` is matched by (see :func:`kind_of`)."""
    for cls in type(field).__mro__:
        if cls in _BY_CLASS:
            return cls
    return None


# -- what the rest of the guichet calls: the field's kind does the work

#: Shown for a field the citizen left empty.
EMPTY = "—"
#: What a field without a kind stores: its value as is (dates as ISO text).
_PLAIN = Kind()


def kind_for_value(value: Any) -> Kind | None:
    """The kind of a stored value known by its shape alone (a file's
    descriptor, an address, a list of choices), whatever its field: the
    columns of an export and the titles of a page come from one form
    version, the answers from the version they were filed against."""
    if not isinstance(value, _Shapes.types):
        return None
    for kind in KINDS:
        if kind.known_by_shape and kind.holds(value):
            return kind
    return None


def _stored_kind(field: IField | None, value: Any) -> Kind | None:
    kind = kind_of(field)
    if kind is not None and kind.holds(value):
        return kind
    return kind_for_value(value)


def refuse_unreadable(value: Any, multi_line: bool = False) -> None:
    """Raise :class:`Refused` (``invalid_characters``) if some text in the
    JSON ``value`` holds a control character or a lone surrogate; tabs and
    line breaks are left to the kind when ``multi_line`` (a single-line
    kind refuses line breaks itself, with its own code)."""
    unreadable = _UNREADABLE if multi_line else _UNREADABLE_IN_LINE
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if unreadable.search(item):
                raise Refused("invalid_characters")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


def from_json(field: IField, value: Any) -> Any:
    """The field's Python value for a non-empty JSON ``value``; raises
    :class:`Refused` (``invalid`` for a field of no kind,
    ``invalid_characters`` for text no kind takes)."""
    kind = kind_of(field)
    if kind is None:
        raise Refused("invalid")
    if not kind.is_file:
        refuse_unreadable(value, kind.multi_line)
    return kind.from_json(field, value)


def to_json(field: IField, value: Any) -> Any:
    """The JSON value to store for a validated Python ``value``."""
    return (kind_of(field) or _PLAIN).to_json(field, value)


def json_schema(field: IField, language: str | None = None) -> dict:
    """The JSON Schema of one field's value ({} for a field of no kind)."""
    kind = kind_of(field)
    return kind.json_schema(field, language) if kind is not None else {}


def display(field: IField | None, value: Any, language: str | None) -> str | Message:
    """A stored JSON value for people reading ``language``; a value that
    cannot be read as its field's kind is shown as stored, not hidden."""
    if value is None or value in ("", []):
        return EMPTY
    kind = _stored_kind(field, value)
    if kind is None:
        return str(value)
    try:
        return kind.display(field, value, language)
    except (TypeError, ValueError, LookupError):
        return str(value)


def export_cell(value: Any, field: IField | None = None) -> str:
    """A stored JSON value in a CSV or XLSX cell (by its shape when the
    field is not given or is of another kind)."""
    if value is None:
        return ""
    kind = _stored_kind(field, value)
    return kind.export_cell(field, value) if kind is not None else str(value)


def export_cells(values: Iterable[Any]) -> list[str]:
    """:func:`export_cell` of each value, told by its shape: a row of an
    export (its columns are the current form's, its answers may be an older
    one's). Values of no shaped kind (nearly all) skip the registry."""
    shaped = _Shapes.types
    return [
        ""
        if value is None
        else export_cell(value)
        if isinstance(value, shaped)
        else str(value)
        for value in values
    ]


def widget_factory(field: IField) -> str | None:
    """The dotted name of the z3c.form widget factory of ``field``, None for
    z3c.form's default widget."""
    kind = kind_of(field)
    return kind.widget_factory(field) if kind is not None else None


def from_widget(field: IField, value: Any) -> Any:
    """What the core takes for a value z3c.form extracted for ``field``."""
    return (kind_of(field) or _PLAIN).from_widget(field, value)


def prefill(field: IField, value: Any) -> Any:
    """A prefill source's value adapted to ``field``."""
    kind = kind_of(field)
    return kind.prefill(field, value) if kind is not None else value


def condition_titles(field: IField) -> dict[str, Any]:
    """The titles of the values ``guichet:show-if`` may name for ``field``."""
    kind = kind_of(field)
    return kind.condition_titles(field) if kind is not None else {}


def condition_values(field: IField) -> dict[str, Any] | None:
    """The values ``guichet:show-if`` may name for ``field`` (as written in
    the XML), with the stored value each stands for; None if it may not
    test the field."""
    kind = kind_of(field)
    return kind.condition_values(field) if kind is not None else None
