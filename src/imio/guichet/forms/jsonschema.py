"""Describe a procedure's form as a JSON Schema (draft 2020-12).

Back offices use it to know the shape of ``data`` in a submission, and
clients to build or check a submission before sending it. It says exactly
what :func:`imio.guichet.forms.validation.clean_data` accepts.
"""

from imio.guichet.forms import uploads
from imio.guichet.forms.conditions import Condition
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.fields import Address
from imio.guichet.forms.fields import ADDRESS_PARTS
from imio.guichet.forms.fields import NormalizedTextLine
from imio.guichet.forms.fields import PostalCode
from imio.guichet.forms.fields import RelativeDate
from imio.guichet.forms.fields import REQUIRED_ADDRESS_PARTS
from imio.guichet.forms.model import COLLECTION_FIELD_TYPES
from imio.guichet.forms.model import field_kind
from imio.guichet.forms.model import FILE_FIELD_TYPES
from imio.guichet.forms.steps import form_steps
from imio.guichet.forms.validation import max_text_length
from imio.guichet.forms.validation import to_json
from plone.schema.email import Email
from typing import Any
from zope.i18n import translate
from zope.schema import Bool
from zope.schema import Choice
from zope.schema import Date
from zope.schema import Datetime
from zope.schema import Float
from zope.schema import getFieldsInOrder
from zope.schema import Int
from zope.schema import Set
from zope.schema import Text
from zope.schema import TextLine
from zope.schema import URI


DRAFT = "https://json-schema.org/draft/2020-12/schema"

#: Extension keyword naming a check JSON Schema cannot express (a
#: checksum, a register, the content of a file): see docs/forms.md.
GUICHET_TYPE = "x-guichet-type"
SINGLE_LINE = "^[^\\r\\n]*$"
#: What Python's strict base64 decoding accepts.
BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


def _choices(field) -> list[tuple[str, str]]:
    # Forms list their choices in <values> (see forms.model): no binding.
    return [(term.value, term.title or term.value) for term in field.vocabulary]


def _text_bounds(field) -> dict:
    bounds = {"maxLength": max_text_length(field)}
    if field.min_length:
        bounds["minLength"] = field.min_length
    return bounds


def _date_bounds(field) -> dict:
    # formatMinimum/formatMaximum: the keywords of ajv-formats and of the
    # draft "format-assertion" proposals; a relative date's are the dates
    # of today, with its rule in x-guichet-min-days/x-guichet-max-days.
    lowest, highest = field.min, field.max
    bounds = {}
    if isinstance(field, RelativeDate):
        earliest, latest = field.bounds()
        if earliest is not None:
            lowest = earliest if lowest is None else max(lowest, earliest)
            bounds["x-guichet-min-days"] = field.min_days
        if latest is not None:
            highest = latest if highest is None else min(highest, latest)
            bounds["x-guichet-max-days"] = field.max_days
    if lowest is not None:
        bounds["formatMinimum"] = lowest.isoformat()
    if highest is not None:
        bounds["formatMaximum"] = highest.isoformat()
    return bounds


def _address_schema() -> dict:
    properties = {}
    for part, max_length in ADDRESS_PARTS.items():
        required = part in REQUIRED_ADDRESS_PARTS
        properties[part] = {
            "type": "string",
            "maxLength": max_length,
            # Trimmed on the server: a required part needs a visible character.
            "pattern": "^[^\\r\\n]*[^\\s][^\\r\\n]*$" if required else SINGLE_LINE,
        }
    properties["postal_code"]["pattern"] = f"^{PostalCode.pattern}$"
    return {
        "type": "object",
        "properties": properties,
        "required": list(REQUIRED_ADDRESS_PARTS),
        "additionalProperties": False,
        GUICHET_TYPE: "be-address",
    }


def _file_schema(field) -> dict:
    limits = uploads.upload_limits(field.context)
    return {
        "type": "object",
        "properties": {
            "filename": {"type": "string", "minLength": 1},
            "content-type": {"type": "string"},
            "encoding": {"const": "base64"},
            "data": {
                "type": "string",
                "contentEncoding": "base64",
                "minLength": 4,  # an empty file is refused
                "maxLength": limits.max_base64_length,
                "pattern": BASE64,
            },
        },
        "required": ["filename", "data"],
        "additionalProperties": False,
        GUICHET_TYPE: "file",
        # Checked on the content itself, not on the declared content-type.
        "x-guichet-allowed-types": limits.allowed_content_types,
        "x-guichet-max-size": limits.max_size,
        "x-guichet-max-files": limits.max_files,
    }


def field_json_schema(field, language: str | None = None) -> dict:
    """The JSON Schema of one field's value, labels in ``language``."""
    kind = field_kind(field)
    result: dict[str, Any] = {}
    if kind is Choice:
        choices = _choices(field)
        result["enum"] = [value for value, _title in choices]
        # Labels of the choices, in the same order (as react-jsonschema-form
        # and others read them): JSON Schema itself has no keyword for it.
        result["x-enum-titles"] = [
            translate(title, target_language=language) for _value, title in choices
        ]
    elif kind in COLLECTION_FIELD_TYPES:
        result["type"] = "array"
        result["items"] = field_json_schema(field.value_type, language)
        result["uniqueItems"] = bool(field.unique) or kind is Set
        if field.min_length:
            result["minItems"] = field.min_length
        if field.max_length is not None:
            result["maxItems"] = field.max_length
    elif kind is Bool:
        result["type"] = "boolean"
        if field.required:
            result["const"] = True  # a required checkbox must be ticked
            # (form_json_schema moves it under "then" for a conditional one)
    elif kind is Int or kind is Float:
        result["type"] = "integer" if kind is Int else "number"
        if field.min is not None:
            result["minimum"] = field.min
        if field.max is not None:
            result["maximum"] = field.max
    elif kind is Date or kind is RelativeDate:
        result.update(type="string", format="date")
        result.update(_date_bounds(field))
    elif kind is Address:
        result.update(_address_schema())
    elif kind in FILE_FIELD_TYPES:
        result.update(_file_schema(field))
    elif kind is NormalizedTextLine:
        result["type"] = "string"
        result.update(_text_bounds(field))
        # Checked on the trimmed value, then by x-guichet-type's rule.
        result["pattern"] = f"^{field.pattern}$"
        result[GUICHET_TYPE] = field.guichet_type
    elif kind is Datetime:
        result.update(type="string", format="date-time")
    elif kind in (Email, URI, TextLine, Text):
        result["type"] = "string"
        result.update(_text_bounds(field))
        if kind is Email:
            result["format"] = "email"
        elif kind is URI:
            result["format"] = "uri"
        elif kind is TextLine:
            result["pattern"] = SINGLE_LINE
    return result


def _condition_schema(condition: Condition) -> dict:
    """What the data must be for ``condition`` to hold, as the server reads
    it: an unticked checkbox may be left out."""
    values = list(condition.values)
    test = {"enum": values} if len(values) > 1 else {"const": values[0]}
    result = {"properties": {condition.field: test}}
    if False not in values:
        result["required"] = [condition.field]
    return result


def _presence(prop: dict) -> dict:
    """What a required value must be beyond its type: the server takes an
    empty string or list for a missing value, and an unticked checkbox."""
    if prop.pop("const", None) is True:
        return {"const": True}  # a required checkbox must be ticked
    if prop.get("type") == "string":
        return {"minLength": max(1, prop.get("minLength", 0))}
    if prop.get("type") == "array":
        return {"minItems": max(1, prop.get("minItems", 0))}
    return {}


def conditional_requirements(schema, presence: dict[str, dict]) -> list[dict]:
    """``allOf`` members: each conditional field that is required is
    required only when all of its conditions hold (JSON Schema if/then).

    ``presence`` maps the required fields to what their value must be
    beyond its type (:func:`_presence`). A value sent for a field whose
    condition does not hold is dropped by the server, not refused: the
    schema does not forbid it either.
    """
    by_conditions: dict[tuple[Condition, ...], list[str]] = {}
    for name, rules in conditions(schema).items():
        if name in presence:
            by_conditions.setdefault(rules, []).append(name)
    result = []
    for rules, names in by_conditions.items():
        tests = [_condition_schema(condition) for condition in rules]
        test = tests[0] if len(tests) == 1 else {"allOf": tests}
        then = {"required": names}
        checks = {name: presence[name] for name in names if presence[name]}
        if checks:
            then["properties"] = checks
        result.append({"if": test, "then": then})
    return result


def _show_if(rules: tuple[Condition, ...]) -> list[dict]:
    return [{"field": rule.field, "values": list(rule.values)} for rule in rules]


def form_json_schema(
    schema,
    *,
    schema_id: str,
    title: str,
    description: str = "",
    version: int,
    language: str | None = None,
    context=None,
) -> dict:
    """The JSON Schema of a whole form's ``data`` object.

    Titles, descriptions and choice labels are translated to ``language``;
    ``context`` is the procedure (whose limits apply to files).
    """
    properties = {}
    required = []
    presence = {}
    rules = conditions(schema)
    for name, unbound in getFieldsInOrder(schema):
        if unbound.readonly:
            continue
        field = unbound.bind(context)
        prop = {"title": translate(field.title, target_language=language)}
        if field.description:
            prop["description"] = translate(field.description, target_language=language)
        prop.update(field_json_schema(field, language))
        if field.default is not None:
            prop["default"] = to_json(field, field.default)
        if field.required:
            required.append(name)
            presence[name] = _presence(prop)
            if name not in rules:
                prop.update(presence[name])
        if name in rules:
            # Which values of earlier fields make it asked (all must hold).
            prop["x-guichet-show-if"] = _show_if(rules[name])
        properties[name] = prop
    conditional = conditional_requirements(schema, presence)
    required = [name for name in required if name not in rules]
    result = {
        "$schema": DRAFT,
        "$id": schema_id,
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "x-schema-version": version,
    }
    if conditional:
        result["allOf"] = conditional
    steps = form_steps(schema)
    if steps:
        # The pages of the online form (one per fieldset), in order.
        result["x-guichet-steps"] = [
            {
                "name": step.name,
                "title": translate(step.label, target_language=language),
                "fields": list(step.fields),
            }
            for step in steps
        ]
    if description:
        result["description"] = description
    return result
