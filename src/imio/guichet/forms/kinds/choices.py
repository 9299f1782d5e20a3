"""Choices: yes/no, one of a list, several of a list. ``guichet:show-if``
may test the first two."""

from imio.guichet import _
from imio.guichet.forms.kinds.base import display
from imio.guichet.forms.kinds.base import from_json
from imio.guichet.forms.kinds.base import json_schema
from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from imio.guichet.forms.kinds.base import to_json
from typing import Any
from zope.i18n import translate
from zope.schema import Bool
from zope.schema import Choice
from zope.schema import List
from zope.schema import Set
from zope.schema import Tuple
from zope.schema.interfaces import ConstraintNotSatisfied
from zope.schema.interfaces import WrongContainedType
from zope.schema.vocabulary import SimpleVocabulary


YES = _("value_yes", default="Yes")
NO = _("value_no", default="No")
#: Up to this many choices show as radio buttons: all visible at once, one
#: click each, and no preselected value a citizen might send unawares.
MAX_RADIO_CHOICES = 7


class YesNoKind(Kind):
    """A checkbox: left out means unticked (see forms.validation)."""

    name = "yes-no"
    field_classes = (Bool,)
    editor_factory = "zope.schema._bootstrapfields.Bool"
    json_types = (bool,)
    checkbox = True

    def from_json(self, field, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Refused("wrong_type")
        return value

    def json_schema(self, field, language) -> dict:
        result = {"type": "boolean"}
        if field.required:
            result["const"] = True  # a required checkbox must be ticked
            # (form_json_schema moves it under "then" for a conditional one)
        return result

    def display(self, field, value, language):
        return YES if value else NO

    def condition_values(self, field) -> dict[str, Any]:
        return {"true": True, "false": False}

    def condition_titles(self, field) -> dict[str, Any]:
        return {"true": YES, "false": NO}


def choice_problems(field: Choice) -> list[str]:
    """Why a choice cannot be used in a form."""
    # Only values listed in the form itself: a named vocabulary or a source
    # would publish its terms (users, groups...) in the public form.
    if field.vocabularyName or not isinstance(field.vocabulary, SimpleVocabulary):
        return ["a choice must list its values (<values>)"]
    if not all(isinstance(term.value, str) for term in field.vocabulary):
        return ["the values of a choice must be text"]
    return []


def choices(field: Choice) -> list[tuple[str, Any]]:
    """(value, title) of a choice's terms (listed in the form: no binding)."""
    return [(term.value, term.title or term.value) for term in field.vocabulary]


def _choice_error_code(error: Exception) -> str | None:
    if isinstance(error, ConstraintNotSatisfied | WrongContainedType):
        return "invalid_choice"
    return None


class ChoiceKind(Kind):
    """One of the values listed in the form (``<values>``), stored by its
    key and shown by its title."""

    name = "choice"
    field_classes = (Choice,)
    editor_factory = "zope.schema._field.Choice"

    def from_json(self, field, value: Any) -> str:
        # Choices list text values only (see form_problems).
        if not isinstance(value, str):
            raise Refused("wrong_type")
        return value

    def json_schema(self, field, language) -> dict:
        listed = choices(field)
        return {
            "enum": [value for value, _title in listed],
            # Labels of the choices, in the same order (as react-jsonschema-form
            # and others read them): JSON Schema itself has no keyword for it.
            "x-enum-titles": [
                translate(title, target_language=language) for _value, title in listed
            ],
        }

    def display(self, field, value, language) -> str:
        vocabulary = getattr(field, "vocabulary", None)
        try:
            term = vocabulary.getTerm(value) if vocabulary is not None else None
        except LookupError:  # a choice removed from a later form
            term = None
        return str(term.title) if term is not None and term.title else str(value)

    def form_problems(self, field) -> list[str]:
        return super().form_problems(field) + choice_problems(field)

    def error_code(self, error) -> str | None:
        return _choice_error_code(error)

    def widget_factory(self, field) -> str | None:
        vocabulary = field.vocabulary
        if vocabulary is not None and len(vocabulary) <= MAX_RADIO_CHOICES:
            return "z3c.form.browser.radio.RadioFieldWidget"
        return None

    def condition_values(self, field) -> dict[str, Any] | None:
        if field.vocabulary is None:
            return None
        return {term.value: term.value for term in field.vocabulary}

    def condition_titles(self, field) -> dict[str, Any]:
        return {term.value: term.title or term.value for term in field.vocabulary}


class MultipleChoiceKind(Kind):
    """Several of the values of a choice (the collection's ``value_type``),
    stored as a list (sorted, for a set)."""

    name = "multiple-choice"
    field_classes = (List, Set, Tuple)
    editor_factory = "zope.schema._field.Set"
    json_types = (list,)
    known_by_shape = True

    def from_json(self, field, value: Any) -> list | set | tuple:
        if not isinstance(value, list):
            raise Refused("wrong_type")
        items = [from_json(field.value_type, item) for item in value]
        if (isinstance(field, Set) or field.unique) and len(set(items)) != len(items):
            raise Refused("not_unique")
        return field._type(items)

    def to_json(self, field, value: Any) -> list:
        if not isinstance(value, set | frozenset | tuple | list):
            return super().to_json(field, value)
        items = [to_json(field.value_type, item) for item in value]
        # Sets have no order: sort them so that equal data is stored equally.
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items

    def json_schema(self, field, language) -> dict:
        result = {
            "type": "array",
            "items": json_schema(field.value_type, language),
            "uniqueItems": bool(field.unique) or isinstance(field, Set),
        }
        if field.min_length:
            result["minItems"] = field.min_length
        if field.max_length is not None:
            result["maxItems"] = field.max_length
        return result

    def display(self, field, value, language) -> str:
        item_field = getattr(field, "value_type", None)
        return ", ".join(str(display(item_field, item, language)) for item in value)

    def export_cell(self, field, value) -> str:
        return "; ".join(str(item) for item in value)

    def form_problems(self, field) -> list[str]:
        problems = super().form_problems(field)
        if isinstance(field.value_type, Choice):
            return problems + choice_problems(field.value_type)
        return problems + ["a multiple choice must hold a choice"]

    def error_code(self, error) -> str | None:
        return _choice_error_code(error)

    def widget_factory(self, field) -> str | None:
        if isinstance(field.value_type, Choice):
            return "z3c.form.browser.checkbox.CheckBoxFieldWidget"
        return None


YES_NO = register(YesNoKind())
CHOICE = register(ChoiceKind())
MULTIPLE_CHOICE = register(MultipleChoiceKind())
