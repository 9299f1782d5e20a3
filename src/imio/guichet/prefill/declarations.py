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
schema by the ``guichet:`` namespace's metadata handler
(:mod:`imio.guichet.forms.namespace`) and checked by :func:`prefill_problems`.
"""

from imio.guichet.forms.namespace import AUTHENTIC_KEY
from imio.guichet.forms.namespace import PREFILL_KEY
from imio.guichet.forms.namespace import UNKNOWN_KEY
from imio.guichet.prefill.interfaces import IPrefillSource
from zope.component import queryUtility
from zope.interface.interface import InterfaceClass

import re


_SPEC = re.compile(r"^([a-z][a-z0-9_]*):([A-Za-z0-9_.-]+)$")


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
