"""What a citizen answered, laid out like the form, for people to read.

Stored data are JSON values (see forms.validation.to_json); here they are
shown with the titles of the form version they were filed against, in its
fieldsets, each value as its field's kind shows it (forms.kinds: dates as
Belgians write them, choices by their titles, decimals and identifiers as
the reader writes them).
"""

from collections.abc import Collection
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms import kinds
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.conditions import is_shown
from imio.guichet.forms.kinds import EMPTY  # noqa: F401
from imio.guichet.forms.kinds.choices import NO  # noqa: F401
from imio.guichet.forms.kinds.choices import YES  # noqa: F401
from imio.guichet.forms.kinds.dates import format_datetime  # noqa: F401
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.uploads import format_size  # noqa: F401
from plone.supermodel.interfaces import FIELDSETS_KEY
from typing import Any
from zope.i18nmessageid import Message
from zope.schema import getFieldsInOrder

import logging


logger = logging.getLogger(__name__)


def format_value(field, value: Any, language: str | None = None) -> str | Message:
    """A stored JSON value of ``field``, for people reading ``language``
    (None: the site's default language; never the current request's, which
    callers pass when they serve one)."""
    return kinds.display(field, value, language)


def answers(
    schema, data: dict, hide: Collection[str] = (), language: str | None = None
) -> list[dict]:
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
    rules = conditions(schema)
    # A conditional field the citizen was never asked (its condition did not
    # hold) is not an empty answer: it is left out rather than shown as "—".
    hide = {
        *hide,
        *(n for n in rules if n not in data and not is_shown(n, data, rules)),
    }

    def row(name):
        field = fields[name]
        value = data.get(name)
        return {
            "name": name,
            "title": field.title or name,
            "value": format_value(field, value, language),
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


def submission_answers(
    submission, procedure, language: str | None = None
) -> list[dict]:
    """:func:`answers` of a submission, with the form version it was filed
    against (the stored keys when that form cannot be read)."""
    schema = None
    if procedure is not None:
        try:
            # The form's texts in the reader's language, where translated.
            schema = IOnlineForm(procedure).get_form_schema(
                submission.schema_version, language
            )
        except (KeyError, InvalidFormSchema):
            logger.warning("No readable form for %r", submission)
    return answers(schema, submission.data, language=language)
