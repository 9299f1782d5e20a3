"""What a citizen answered, laid out like the form, for people to read.

Stored data are JSON values (see forms.validation.to_json); here they are
shown with the titles of the form version they were filed against, in its
fieldsets, with dates as Belgians write them and choices by their titles.
"""

from collections.abc import Collection
from datetime import date
from datetime import datetime
from imio.guichet import _
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.fields import format_address
from imio.guichet.forms.fields import RelativeDate
from imio.guichet.forms.model import field_kind
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.timezones import in_site_time
from plone.supermodel.interfaces import FIELDSETS_KEY
from typing import Any
from zope.i18nmessageid import Message
from zope.schema import Bool
from zope.schema import Choice
from zope.schema import Date
from zope.schema import Datetime
from zope.schema import getFieldsInOrder
from zope.schema import List
from zope.schema import Set
from zope.schema import Tuple

import logging


logger = logging.getLogger(__name__)


YES = _("value_yes", default="Yes")
NO = _("value_no", default="No")
#: Shown for a field the citizen left empty.
EMPTY = "—"


def format_datetime(value: datetime) -> str:
    """``value`` in the site's time zone, as dd/mm/yyyy hh:mm."""
    return in_site_time(value).strftime("%d/%m/%Y %H:%M")


def _choice_title(field, value: Any) -> str:
    vocabulary = field.vocabulary
    try:
        term = vocabulary.getTerm(value) if vocabulary is not None else None
    except LookupError:  # a choice removed from a later form
        term = None
    return str(term.title) if term is not None and term.title else str(value)


def format_size(size: int) -> str:
    """Bytes for people, in the units Belgian French uses (Ko, Mo)."""
    if size < 1024:
        return f"{size} o"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def format_value(field, value: Any) -> str | Message:
    """A stored JSON value of ``field``, for people."""
    if value is None or value in ("", []):
        return EMPTY
    if isinstance(value, dict):
        if "filename" in value:  # a file (forms.uploads' descriptor)
            size = value.get("size")
            name = str(value["filename"])
            return name if size is None else f"{name} ({format_size(size)})"
        return format_address(value)
    kind = field_kind(field)
    try:
        if kind is Bool:
            return YES if value else NO
        if kind is Date or kind is RelativeDate:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        if kind is Datetime:
            return format_datetime(datetime.fromisoformat(value))
        if kind is Choice:
            return _choice_title(field, value)
        if kind in (List, Set, Tuple):
            items = (format_value(field.value_type, item) for item in value)
            return ", ".join(str(item) for item in items)
    except (TypeError, ValueError):
        pass  # shown as stored rather than hidden
    return str(value)


def answers(schema, data: dict, hide: Collection[str] = ()) -> list[dict]:
    """Sections ``{"label", "fieldset", "rows": [{"name", "title", "value"}]}``
    in the form's order: the fields outside fieldsets first (label and
    fieldset None), then each fieldset (by its name). Fields in ``hide``
    are left out. Without a schema (its procedure was deleted), the stored
    keys."""
    if schema is None:
        rows = [
            {"name": name, "title": name, "value": str(value)}
            for name, value in sorted(data.items())
        ]
        return [{"label": None, "fieldset": None, "rows": rows}] if rows else []
    fields = dict(getFieldsInOrder(schema))

    def row(name):
        field = fields[name]
        value = data.get(name)
        return {
            "name": name,
            "title": field.title or name,
            "value": format_value(field, value),
            # The stored file's name, for views that link to it.
            "attachment": value.get("attachment") if isinstance(value, dict) else None,
        }

    fieldsets = schema.queryTaggedValue(FIELDSETS_KEY, []) or []
    in_fieldsets = {name for fieldset in fieldsets for name in fieldset.fields}
    sections = [
        {
            "label": None,
            "fieldset": None,
            "rows": [row(n) for n in fields if n not in in_fieldsets and n not in hide],
        }
    ]
    for fieldset in fieldsets:
        sections.append(
            {
                "label": fieldset.label or fieldset.__name__,
                "fieldset": fieldset.__name__,
                "rows": [
                    row(n) for n in fieldset.fields if n in fields and n not in hide
                ],
            }
        )
    return [section for section in sections if section["rows"]]


def submission_answers(submission, procedure) -> list[dict]:
    """:func:`answers` of a submission, with the form version it was filed
    against (the stored keys when that form cannot be read)."""
    schema = None
    if procedure is not None:
        try:
            schema = IOnlineForm(procedure).get_form_schema(submission.schema_version)
        except (KeyError, InvalidFormSchema):
            logger.warning("No readable form for %r", submission)
    return answers(schema, submission.data)
