"""The guichet's own attributes in a form's supermodel XML: ``guichet:``.

::

    <model xmlns="http://namespaces.plone.org/supermodel/schema"
           xmlns:guichet="http://namespaces.imio.be/guichet">
      <schema>
        <field name="email" type="plone.schema.email.Email"
               guichet:prefill="profile:email" />
        <field name="height" type="zope.schema.Float"
               guichet:show-if="scaffolding=yes" />
        <fieldset name="company" guichet:show-if="applicant_type=company">

:class:`GuichetFieldMetadata` (a plone.supermodel metadata handler) keeps
the attributes of ``<field>`` elements as tagged values of the schema, and
writes them back when the schema is serialised; what they mean is up to
the modules that read them: ``prefill`` and ``authentic`` to
imio.guichet.prefill.declarations, ``decimals`` to forms.kinds.numbers,
``file-types`` and ``max-file-size`` to forms.uploads, ``show-if`` to
forms.conditions (which also reads it on ``<fieldset>``, plone.supermodel
ignoring attributes there). Attributes this version does not know, of
this namespace or of another (form:, security:, indexer:...), are kept
under :data:`UNKNOWN_KEY` for the form's check to refuse them.
"""

from plone.supermodel.interfaces import IFieldMetadataHandler
from plone.supermodel.utils import ns
from zope.interface import implementer
from zope.interface.interface import InterfaceClass


NAMESPACE = "http://namespaces.imio.be/guichet"
PREFIX = "guichet"
#: Tagged values of the schema: field name -> the attribute's text.
PREFILL_KEY = "imio.guichet.prefill"
AUTHENTIC_KEY = "imio.guichet.authentic"
SHOW_IF_KEY = "imio.guichet.show-if"
#: A decimal number field's most decimals (forms.kinds.numbers).
DECIMALS_KEY = "imio.guichet.decimals"
#: A file field's own accepted types (keys of forms.uploads.FILE_TYPES,
#: separated by commas) and largest file (whole MB): forms.uploads.
FILE_TYPES_KEY = "imio.guichet.file-types"
MAX_FILE_SIZE_KEY = "imio.guichet.max-file-size"
#: Field name -> the attributes no one knows, for the form's check.
UNKNOWN_KEY = "imio.guichet.unknown-attributes"
#: The attributes of a ``<field>``, with the tagged value each is kept in;
#: ``authentic`` is kept lower-case.
ATTRIBUTE_KEYS = {
    "show-if": SHOW_IF_KEY,
    "prefill": PREFILL_KEY,
    "authentic": AUTHENTIC_KEY,
    "decimals": DECIMALS_KEY,
    "file-types": FILE_TYPES_KEY,
    "max-file-size": MAX_FILE_SIZE_KEY,
}
ATTRIBUTES = tuple(ATTRIBUTE_KEYS)


def attribute(node, name: str) -> str | None:
    """The ``guichet:<name>`` attribute of an lxml element, if any."""
    return node.get(ns(name, NAMESPACE))


@implementer(IFieldMetadataHandler)
class GuichetFieldMetadata:
    """Reads and writes the ``guichet:`` attributes of form fields."""

    namespace = NAMESPACE
    prefix = PREFIX

    def read(self, fieldNode, schema, field):
        name = field.__name__
        for local, key in ATTRIBUTE_KEYS.items():
            value = attribute(fieldNode, local)
            if value is not None:
                value = value.strip()
                tag(schema, key, name, value.lower() if local == "authentic" else value)
        unknown = []
        for qualified in fieldNode.attrib:
            if not qualified.startswith("{"):
                continue  # name, type: plone.supermodel's own
            namespace, local = qualified[1:].split("}", 1)
            if namespace != NAMESPACE:
                unknown.append(f"{{{namespace}}}{local}")
            elif local not in ATTRIBUTES:
                unknown.append(f"guichet:{local}")
        if unknown:
            tag(schema, UNKNOWN_KEY, name, ", ".join(sorted(unknown)))

    def write(self, fieldNode, schema, field):
        name = field.__name__
        for local, key in ATTRIBUTE_KEYS.items():
            value = schema.queryTaggedValue(key, {}).get(name)
            if value:
                fieldNode.set(ns(local, NAMESPACE), value)


def tag(schema: InterfaceClass, key: str, name: str, value: str | None) -> None:
    """Set ``name``'s entry of the tagged value ``key`` of ``schema``;
    None removes it."""
    tagged = dict(schema.queryTaggedValue(key, {}) or {})
    if value is None:
        tagged.pop(name, None)
    else:
        tagged[name] = value
    schema.setTaggedValue(key, tagged)


def tagged(field, key: str) -> str | None:
    """The text of ``field``'s entry of the tagged value ``key`` of its
    form's schema (None: not set, or a field of no schema)."""
    schema = getattr(field, "interface", None)
    if schema is None:
        return None
    return (schema.queryTaggedValue(key, {}) or {}).get(field.__name__)
