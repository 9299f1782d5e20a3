"""How a form field declares its prefill, in the form's supermodel XML.

::

    <model xmlns="http://namespaces.plone.org/supermodel/schema"
           xmlns:guichet="http://namespaces.imio.be/guichet">
      <schema>
        <field name="email" type="plone.schema.email.Email"
               guichet:prefill="profile:email" />
        <field name="street" type="zope.schema.TextLine"
               guichet:prefill="rest:street" guichet:authentic="true" />

``guichet:prefill`` is ``<source>:<key>``; ``guichet:authentic="true"``
makes the field read-only when the source gave a value, and the server puts
that value back whatever was sent. Both are kept as tagged values of the
schema (read by :class:`GuichetFieldMetadata`, a plone.supermodel metadata
handler) and checked by :func:`prefill_problems`.
"""

from imio.guichet.prefill.interfaces import IPrefillSource
from plone.supermodel.interfaces import IFieldMetadataHandler
from plone.supermodel.utils import ns
from zope.component import queryUtility
from zope.interface import implementer
from zope.interface.interface import InterfaceClass

import re


NAMESPACE = "http://namespaces.imio.be/guichet"
PREFIX = "guichet"
#: Tagged values of the schema: field name -> "source:key" / True.
PREFILL_KEY = "imio.guichet.prefill"
AUTHENTIC_KEY = "imio.guichet.authentic"
#: Attributes of our namespace this version does not know, and attributes
#: of other namespaces (form:, security:, indexer:...): refused.
UNKNOWN_KEY = "imio.guichet.unknown-attributes"
#: ``show-if`` is read here too, for :mod:`imio.guichet.forms.conditions`.
SHOW_IF_KEY = "imio.guichet.show-if"
ATTRIBUTES = ("prefill", "authentic", "show-if")
_SPEC = re.compile(r"^([a-z][a-z0-9_]*):([A-Za-z0-9_.-]+)$")


@implementer(IFieldMetadataHandler)
class GuichetFieldMetadata:
    """Reads and writes the ``guichet:`` attributes of form fields."""

    namespace = NAMESPACE
    prefix = PREFIX

    def read(self, fieldNode, schema, field):
        name = field.__name__
        prefill = fieldNode.get(ns("prefill", NAMESPACE))
        authentic = fieldNode.get(ns("authentic", NAMESPACE))
        show_if = fieldNode.get(ns("show-if", NAMESPACE))
        if show_if is not None:
            _tag(schema, SHOW_IF_KEY, name, show_if.strip())
        if prefill is not None:
            _tag(schema, PREFILL_KEY, name, prefill.strip())
        if authentic is not None:
            _tag(schema, AUTHENTIC_KEY, name, authentic.strip().lower())
        unknown = []
        for attribute in fieldNode.attrib:
            if not attribute.startswith("{"):
                continue  # name, type: plone.supermodel's own
            namespace, local = attribute[1:].split("}", 1)
            if namespace != NAMESPACE:
                unknown.append(f"{{{namespace}}}{local}")
            elif local not in ATTRIBUTES:
                unknown.append(f"guichet:{local}")
        if unknown:
            _tag(schema, UNKNOWN_KEY, name, ", ".join(sorted(unknown)))

    def write(self, fieldNode, schema, field):
        name = field.__name__
        prefill = schema.queryTaggedValue(PREFILL_KEY, {}).get(name)
        authentic = schema.queryTaggedValue(AUTHENTIC_KEY, {}).get(name)
        show_if = schema.queryTaggedValue(SHOW_IF_KEY, {}).get(name)
        if show_if:
            fieldNode.set(ns("show-if", NAMESPACE), show_if)
        if prefill:
            fieldNode.set(ns("prefill", NAMESPACE), prefill)
        if authentic:
            fieldNode.set(ns("authentic", NAMESPACE), authentic)


def _tag(schema: InterfaceClass, key: str, name: str, value: str) -> None:
    tagged = dict(schema.queryTaggedValue(key, {}))
    tagged[name] = value
    schema.setTaggedValue(key, tagged)


def prefill_specs(schema: InterfaceClass) -> dict[str, tuple[str, str]]:
    """Field name -> (source, key) for the fields that declare a prefill."""
    specs = {}
    for name, spec in schema.queryTaggedValue(PREFILL_KEY, {}).items():
        match = _SPEC.match(spec)
        if match:
            specs[name] = (match.group(1), match.group(2))
    return specs


def authentic_fields(schema: InterfaceClass) -> set[str]:
    """Names of the fields whose value must come from their source."""
    specs = prefill_specs(schema)
    return {
        name
        for name, flag in schema.queryTaggedValue(AUTHENTIC_KEY, {}).items()
        if flag == "true" and name in specs
    }


def prefill_problems(schema: InterfaceClass) -> list[str]:
    """Why the ``guichet:`` attributes of a form cannot be used, if they can't."""
    problems = [
        f"{name}: unsupported attribute(s) {attributes}"
        for name, attributes in schema.queryTaggedValue(UNKNOWN_KEY, {}).items()
    ]
    for name, spec in schema.queryTaggedValue(PREFILL_KEY, {}).items():
        match = _SPEC.match(spec)
        if not match:
            problems.append(f"{name}: guichet:prefill must be 'source:key'")
            continue
        source_name, key = match.groups()
        source = queryUtility(IPrefillSource, name=source_name)
        known = source.keys() if source is not None else ()
        if source is None:
            problems.append(f"{name}: unknown prefill source {source_name!r}")
        elif key not in known:
            problems.append(
                f"{name}: the source {source_name!r} has no key {key!r} "
                f"(known: {', '.join(known) or 'none'})"
            )
    for name, flag in schema.queryTaggedValue(AUTHENTIC_KEY, {}).items():
        if flag not in ("true", "false"):
            problems.append(f"{name}: guichet:authentic must be 'true' or 'false'")
        elif flag == "true" and name not in schema.queryTaggedValue(PREFILL_KEY, {}):
            problems.append(f"{name}: an authentic field needs guichet:prefill")
    return problems
