"""The answers of a one-page form read straight from the request, when the
citizen presses *Send*: what z3c.form would extract, without building its
widgets.

Building the widgets of a form (a widget per field, each looked up, bound,
marked and updated), then extracting and converting their values, costs a
filing through the HTML form about as much as the filing itself; and on
*Send* nothing is shown when the core accepts the answers: the citizen is
redirected to the confirmation. So :class:`SubmitForm` first reads the
answers here and hands them to the core; only when the core refuses them
does z3c.form build the page again, with its widgets and the errors next
to their fields (see ``SubmitForm.send_directly``).

Only the fields whose widget sends a plain value are read here: lines and
texts (e-mail, web address, identifiers), choices and dates, with
z3c.form's default widget (or the radio buttons of a short choice). A form
with any other field (files, addresses, numbers, checkboxes...), with
steps, or with form hints (``form:mode``, ``form:omitted``, widgets) is
sent through z3c.form, as is any value that is not as its widget sends it
(a date not written ``YYYY-MM-DD``, an unknown choice): the rules are the
core's either way (``usecases.filing``), this only parses.
"""

from collections.abc import Callable
from imio.guichet.forms import kinds
from imio.guichet.forms.derived import per_schema
from imio.guichet.forms.kinds.choices import ChoiceKind
from imio.guichet.forms.kinds.dates import DateKind
from imio.guichet.forms.kinds.text import TextKind
from plone.autoform.interfaces import MODES_KEY
from plone.autoform.interfaces import OMITTED_KEY
from plone.autoform.interfaces import WIDGETS_KEY
from typing import Any
from zope.schema import getFieldsInOrder

import re


#: z3c.form's token of "no value" in a choice's widget.
_NO_VALUE_TOKEN = "--NOVALUE--"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_RADIO = "z3c.form.browser.radio.RadioFieldWidget"


class NotDirect(Exception):
    """A value this module does not read as z3c.form would: the form goes
    through z3c.form."""


def _text(field, name: str, form: dict) -> Any:
    value = form.get(name)
    if value is None or value == "":
        return None  # z3c.form: the field's missing value, left out
    if not isinstance(value, str):
        raise NotDirect(name)
    return value


def _date(field, name: str, form: dict) -> Any:
    # plone.app.z3cform's date widget: one <input type="date">, YYYY-MM-DD.
    value = _text(field, name, form)
    if value is not None and not _ISO_DATE.match(value):
        raise NotDirect(name)
    return value


def _choice(field, name: str, form: dict) -> Any:
    value = form.get(name)
    if value is None:
        return None
    tokens = [value] if isinstance(value, str) else value
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise NotDirect(name)
    tokens = [token for token in tokens if token != _NO_VALUE_TOKEN]
    if not tokens:
        return None
    if len(tokens) > 1:
        raise NotDirect(name)
    try:
        return field.vocabulary.getTermByToken(tokens[0]).value
    except LookupError:
        raise NotDirect(name) from None


def _reader(field) -> Callable | None:
    """How to read ``field``'s value, None if it is not read here."""
    kind = kinds.kind_of(field)
    if kind is None or getattr(field, "readonly", False):
        return None
    widget = kinds.widget_factory(field)
    if isinstance(kind, TextKind) and widget is None:
        return _text
    if isinstance(kind, DateKind) and widget is None:
        return _date
    if (
        isinstance(kind, ChoiceKind)
        and widget in (None, _RADIO)
        and field.vocabulary is not None
    ):
        return _choice
    return None


@per_schema
def direct_readers(schema) -> tuple[tuple[str, Any, Callable], ...] | None:
    """(name, field, reader) of every field of a one-page form whose
    answers are all read here; None for a form sent through z3c.form."""
    if any(schema.queryTaggedValue(key) for key in (MODES_KEY, OMITTED_KEY)):
        return None
    if schema.queryTaggedValue(WIDGETS_KEY):
        return None
    readers = []
    for name, field in getFieldsInOrder(schema):
        reader = _reader(field)
        if reader is None:
            return None
        readers.append((name, field, reader))
    return tuple(readers)


def read_answers(readers, prefix: str, form: dict) -> dict:
    """The JSON data the core takes, as ``SubmitForm.extract`` makes it
    from z3c.form's values; raises :class:`NotDirect`."""
    data = {}
    for name, field, reader in readers:
        value = reader(field, f"{prefix}widgets.{name}", form)
        if value is not None:
            data[name] = value
    return data
