"""Describe a procedure's form as a JSON Schema (draft 2020-12).

Back offices use it to know the shape of ``data`` in a submission, and
clients to build or check a submission before sending it. It says exactly
what :func:`imio.guichet.forms.validation.clean_data` accepts.
"""

from imio.guichet.forms import kinds
from imio.guichet.forms.conditions import Condition
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.steps import form_steps
from imio.guichet.forms.validation import to_json
from zope.i18n import translate
from zope.schema import getFieldsInOrder


DRAFT = "https://json-schema.org/draft/2020-12/schema"


def field_json_schema(field, language: str | None = None) -> dict:
    """The JSON Schema of one field's value, labels in ``language`` (its
    kind says what it is: see forms.kinds)."""
    return kinds.json_schema(field, language)


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
