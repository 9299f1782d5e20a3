"""The guichet: namespace of a form's XML (forms.namespace), without Plone."""

from imio.guichet.forms.namespace import AUTHENTIC_KEY
from imio.guichet.forms.namespace import GuichetFieldMetadata
from imio.guichet.forms.namespace import NAMESPACE
from imio.guichet.forms.namespace import PREFILL_KEY
from imio.guichet.forms.namespace import SHOW_IF_KEY
from imio.guichet.forms.namespace import UNKNOWN_KEY
from lxml import etree
from zope.interface import Interface
from zope.interface.interface import InterfaceClass
from zope.schema import TextLine


def field_node(attributes: str):
    return etree.fromstring(
        f'<field xmlns:guichet="{NAMESPACE}" xmlns:form="urn:form" '
        f'name="street" type="zope.schema.TextLine" {attributes} />'
    )


def schema_with_field():
    field = TextLine(title="Street")
    field.__name__ = "street"
    return InterfaceClass("Form", (Interface,), {"street": field}), field


def test_attributes_are_kept_as_tagged_values_and_written_back():
    schema, field = schema_with_field()
    node = field_node(
        'guichet:prefill=" rest:street " guichet:authentic="TRUE" '
        'guichet:show-if="kind=company"'
    )
    GuichetFieldMetadata().read(node, schema, field)
    assert schema.queryTaggedValue(PREFILL_KEY) == {"street": "rest:street"}
    assert schema.queryTaggedValue(AUTHENTIC_KEY) == {"street": "true"}
    assert schema.queryTaggedValue(SHOW_IF_KEY) == {"street": "kind=company"}
    assert schema.queryTaggedValue(UNKNOWN_KEY) is None
    written = etree.Element("field")
    GuichetFieldMetadata().write(written, schema, field)
    assert dict(written.attrib) == {
        f"{{{NAMESPACE}}}show-if": "kind=company",
        f"{{{NAMESPACE}}}prefill": "rest:street",
        f"{{{NAMESPACE}}}authentic": "true",
    }


def test_unknown_attributes_are_noted_for_the_check():
    schema, field = schema_with_field()
    GuichetFieldMetadata().read(
        field_node('guichet:hidden="true" form:mode="hidden"'), schema, field
    )
    assert schema.queryTaggedValue(UNKNOWN_KEY) == {
        "street": "guichet:hidden, {urn:form}mode"
    }
