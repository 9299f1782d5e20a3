"""Conditional fields and steps: ``guichet:show-if`` in the form's XML.

::

    <field name="scaffolding" type="zope.schema.Choice">...</field>
    <field name="height" type="zope.schema.Float"
           guichet:show-if="scaffolding=yes">...</field>
    <fieldset name="company" label="Entreprise"
              guichet:show-if="applicant_type=company">...</fieldset>

``guichet:show-if`` is ``<field>=<value>``, or ``<field>=<v1>|<v2>`` for
any of several values. The field it names must come earlier in the form
and be of a kind that conditions may test (forms.kinds: a choice, whose
values are the keys of its ``<values>``, or a yes/no, ``true`` or
``false``). On a fieldset, the condition applies to each of
its fields (and the step of the fieldset is skipped).

A field whose condition does not hold is not asked: it is not required,
and a value sent for it is dropped (see
:func:`imio.guichet.forms.validation.clean_data`). Conditions chain: a field
that depends on a hidden field is hidden too.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.forms.derived import per_schema
from imio.guichet.forms.kinds import condition_titles
from imio.guichet.forms.kinds import condition_values
from imio.guichet.forms.namespace import attribute
from imio.guichet.forms.namespace import SHOW_IF_KEY
from lxml import etree
from plone.supermodel.interfaces import FIELDSETS_KEY
from types import MappingProxyType
from typing import Any
from zope.i18nmessageid import Message
from zope.interface.interface import InterfaceClass
from zope.schema import getFieldsInOrder

import re


#: Tagged values of the schema: field name / fieldset name -> "x=v|w".
FIELD_CONDITIONS_KEY = SHOW_IF_KEY
FIELDSET_CONDITIONS_KEY = "imio.guichet.fieldset-show-if"
_SPEC = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*=\s*([^|=]+(?:\|[^|=]+)*)\s*$")


@dataclass(frozen=True)
class Condition:
    """Holds when the (visible) value of ``field`` is one of ``values``."""

    field: str
    values: tuple[Any, ...]

    def holds(self, data: dict) -> bool:
        """Whether it holds for the cleaned (JSON) ``data``."""
        value = data.get(self.field)
        if value is None and False in self.values:
            value = False  # an unticked checkbox is left out or False
        return value in self.values


def read_fieldset_conditions(xml: str, schema: InterfaceClass) -> None:
    """Keep the ``guichet:show-if`` of the ``<fieldset>`` elements of ``xml``
    as a tagged value of ``schema`` (plone.supermodel ignores them)."""
    root = etree.fromstring(xml.encode("utf-8"))
    specs = {}
    for node in root.iter("{*}fieldset"):
        spec = attribute(node, "show-if")
        if spec is not None and node.get("name"):
            specs[node.get("name")] = spec.strip()
    if specs:
        schema.setTaggedValue(FIELDSET_CONDITIONS_KEY, specs)


def parse_spec(spec: str) -> tuple[str, tuple[str, ...]] | None:
    """``"x=a|b"`` -> ``("x", ("a", "b"))``; None if malformed."""
    match = _SPEC.match(spec or "")
    if not match:
        return None
    return match.group(1), tuple(value.strip() for value in match.group(2).split("|"))


def _typed(field, values: tuple[str, ...]) -> tuple[Any, ...]:
    testable = condition_values(field) or {}
    return tuple(testable[value] for value in values)


def fieldset_of(schema: InterfaceClass) -> dict[str, str]:
    """Field name -> name of the fieldset it is in."""
    fieldsets = schema.queryTaggedValue(FIELDSETS_KEY, []) or []
    return {name: fs.__name__ for fs in fieldsets for name in fs.fields}


def own_specs(schema: InterfaceClass) -> dict[str, list[str]]:
    """Field name -> the raw specs that apply to it (its own, its fieldset's)."""
    field_specs = schema.queryTaggedValue(FIELD_CONDITIONS_KEY, {}) or {}
    fieldset_specs = schema.queryTaggedValue(FIELDSET_CONDITIONS_KEY, {}) or {}
    in_fieldset = fieldset_of(schema)
    specs = {}
    for name, _field in getFieldsInOrder(schema):
        found = []
        fieldset = in_fieldset.get(name)
        if fieldset in fieldset_specs:
            found.append(fieldset_specs[fieldset])
        if name in field_specs:
            found.append(field_specs[name])
        if found:
            specs[name] = found
    return specs


def condition_problems(schema: InterfaceClass) -> list[Message]:
    """Why the ``guichet:show-if`` of a form cannot be used, if they can't:
    in words for the webmaster who set them in the editor (translated where
    shown), naming the field or step by its title."""
    fields = getFieldsInOrder(schema)
    position = {name: index for index, (name, _field) in enumerate(fields)}
    by_name = dict(fields)
    problems = []
    field_specs = schema.queryTaggedValue(FIELD_CONDITIONS_KEY, {}) or {}
    fieldset_specs = schema.queryTaggedValue(FIELDSET_CONDITIONS_KEY, {}) or {}
    fieldsets = {fs.__name__: fs for fs in schema.queryTaggedValue(FIELDSETS_KEY, [])}
    checks = [
        (_where_field(name, by_name.get(name)), spec, [name])
        for name, spec in field_specs.items()
    ] + [
        (_where_step(fieldsets[name]), spec, list(fieldsets[name].fields))
        for name, spec in fieldset_specs.items()
        if name in fieldsets
    ]
    for where, spec, governed in checks:
        parsed = parse_spec(spec)
        if parsed is None:
            problems.append(_problem("syntax", where))
            continue
        target, values = parsed
        field = by_name.get(target)
        if field is None:
            problems.append(_problem("no_field", where, target=target))
            continue
        if target in governed or any(
            position[target] > position[name] for name in governed if name in position
        ):
            if target not in governed and _depends_on(target, governed, schema):
                # The field named is itself asked only depending on what
                # this condition governs: a cycle, said as such.
                where_target = _where_field(target, field)
                problems.append(_problem("cycle", where, target=where_target))
            else:
                problems.append(_problem("not_before", where, target=target))
            continue
        testable = condition_values(field)
        if testable is None:
            problems.append(_problem("not_choice", where, target=target))
            continue
        allowed = list(testable)
        unknown = [value for value in values if value not in allowed]
        if unknown:
            problems.append(
                _problem(
                    "unknown_value",
                    where,
                    target=target,
                    values=", ".join(unknown),
                    allowed=", ".join(map(str, allowed)),
                )
            )
    return problems


def _depends_on(name: str, governed: list[str], schema: InterfaceClass) -> bool:
    """Whether the field ``name`` is asked only depending, through the
    conditions of the fields and steps, on one of the fields ``governed``."""
    targets = {
        field: {parsed[0] for parsed in map(parse_spec, specs) if parsed is not None}
        for field, specs in own_specs(schema).items()
    }
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        for target in targets.get(current, ()):
            if target in governed:
                return True
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def _where_field(name: str, field) -> str | Message:
    title = getattr(field, "title", None)
    if not title or title == name:
        return name
    # Quoted as the reader's language quotes (a catalog matter).
    return _(
        "where_condition_field",
        default="“${title}” (${name})",
        mapping={"title": title, "name": name},
    )


def _where_step(fieldset) -> Message:
    return _(
        "where_condition_step",
        default="“${title}”",
        mapping={"title": fieldset.label or fieldset.__name__},
    )


#: What a condition may get wrong; ``${where}`` is the field or step it
#: governs, ``${target}`` the field it names.
_PROBLEMS = {
    "syntax": _(
        "problem_condition_syntax",
        default="${where}: the condition must be 'field=value' or "
        "'field=v1|v2' (guichet:show-if)",
    ),
    "no_field": _(
        "problem_condition_no_field",
        default="${where}: the condition names no field of the form (${target})",
    ),
    "not_before": _(
        "problem_condition_not_before",
        default="${where}: the condition must name a field that comes before "
        "(${target})",
    ),
    "cycle": _(
        "problem_condition_cycle",
        default="${where}: the condition would form a cycle: ${target} is "
        "itself asked only depending on ${where}",
    ),
    "not_choice": _(
        "problem_condition_not_choice",
        default="${where}: the condition must name a choice or a yes/no field "
        "(${target})",
    ),
    "unknown_value": _(
        "problem_condition_unknown_value",
        default="${where}: ${values} is not a value of ${target} (values: ${allowed})",
    ),
}


def _problem(code: str, where: str, **mapping) -> Message:
    return Message(_PROBLEMS[code], mapping={"where": where, **mapping})


@per_schema
def conditions(schema: InterfaceClass) -> Mapping[str, tuple[Condition, ...]]:
    """Field name -> every condition that must hold for it to be asked,
    those of the fields it depends on included (conditions chain).

    Assumes a checked schema (:func:`condition_problems`): malformed
    conditions are ignored here. Worked out once per schema (read-only).
    """
    fields = dict(getFieldsInOrder(schema))
    result: dict[str, tuple[Condition, ...]] = {}
    for name, specs in own_specs(schema).items():  # in form order
        found: list[Condition] = []
        for spec in specs:
            parsed = parse_spec(spec)
            if parsed is None or parsed[0] not in fields:
                continue
            target, values = parsed
            try:
                condition = Condition(target, _typed(fields[target], values))
            except KeyError:
                continue
            # A field shown only when a hidden field has some value is hidden.
            found.extend(result.get(target, ()))
            found.append(condition)
        if found:
            result[name] = tuple(dict.fromkeys(found))
    return MappingProxyType(result)


def is_shown(name: str, data: dict, rules: Mapping[str, tuple[Condition, ...]]) -> bool:
    """Whether the field ``name`` is asked, given the cleaned ``data``."""
    return all(condition.holds(data) for condition in rules.get(name, ()))


# -- conditions as the form editor reads and writes them (no XML)


def condition_choices(schema: InterfaceClass) -> list[tuple[str, str, Any]]:
    """Every (field, value, title of the value) a condition may name in the
    form ``schema``, in form order: the values of its choices and yes/no
    fields (the form editor lists them; forms.kinds says which kinds)."""
    result = []
    for name, field in getFieldsInOrder(schema):
        testable = condition_values(field)
        if not testable:
            continue
        titles = condition_titles(field)
        for value in testable:
            result.append((name, value, titles.get(value, value)))
    return result


def spec_of(target: str, values: list[str] | tuple[str, ...]) -> str:
    """The ``guichet:show-if`` text of a condition (:func:`parse_spec`'s
    inverse)."""
    return f"{target}={'|'.join(values)}"


def _set_spec(schema: InterfaceClass, key: str, name: str, spec: str | None) -> None:
    specs = dict(schema.queryTaggedValue(key, {}) or {})
    if spec:
        specs[name] = spec
    else:
        specs.pop(name, None)
    schema.setTaggedValue(key, specs)


def set_field_condition(schema: InterfaceClass, name: str, spec: str | None) -> None:
    """Show the field ``name`` only when ``spec`` holds (always: None).
    Checked with the whole form when it is stored (condition_problems)."""
    _set_spec(schema, FIELD_CONDITIONS_KEY, name, spec)


def set_fieldset_condition(schema: InterfaceClass, name: str, spec: str | None) -> None:
    """Ask the step (fieldset) ``name`` only when ``spec`` holds."""
    _set_spec(schema, FIELDSET_CONDITIONS_KEY, name, spec)


def field_condition(schema: InterfaceClass, name: str) -> str | None:
    """The field ``name``'s own ``guichet:show-if``, if any."""
    return (schema.queryTaggedValue(FIELD_CONDITIONS_KEY, {}) or {}).get(name)


def fieldset_condition(schema: InterfaceClass, name: str) -> str | None:
    """The step (fieldset) ``name``'s ``guichet:show-if``, if any."""
    return (schema.queryTaggedValue(FIELDSET_CONDITIONS_KEY, {}) or {}).get(name)
