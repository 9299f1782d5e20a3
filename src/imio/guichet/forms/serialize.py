"""A form's schema written back as its XML, as a webmaster would write it.

The form editor changes a parsed schema and stores it as XML again.
plone.supermodel's ``serializeModel`` does most of it, but on its own it
would change the form in three ways nobody asked for:

- accents become character references (``Pr&#233;nom``): the XML is
  written as UTF-8 text instead, letters as letters;
- the values of a choice are sorted by key (it writes them as a sorted
  dict): they are put back in the order of the choice, which is the order
  citizens see;
- ``guichet:show-if`` on ``<fieldset>`` (a step's condition, kept apart by
  forms.conditions since plone.supermodel ignores it) is lost: it is
  written back.
"""

from imio.guichet.forms.conditions import FIELDSET_CONDITIONS_KEY
from imio.guichet.forms.namespace import NAMESPACE
from lxml import etree
from plone.supermodel import serializeModel
from plone.supermodel.model import Model
from plone.supermodel.utils import ns
from zope.interface.interface import InterfaceClass
from zope.schema import getFields
from zope.schema.interfaces import IChoice
from zope.schema.interfaces import ICollection


def form_xml(model: Model) -> str:
    """The XML of the form ``model`` (whose default schema is the form)."""
    parser = etree.XMLParser(remove_blank_text=True)
    root = etree.fromstring(serializeModel(model).encode("utf-8"), parser)
    schema = model.schema
    for node in root.iter("{*}schema"):
        if node.get("name") in (None, ""):
            _write_choice_order(node, schema)
            _write_fieldset_conditions(node, schema)
    etree.cleanup_namespaces(root)  # only the prefixes the form uses
    return etree.tostring(root, encoding="unicode", pretty_print=True)


def _choice_of(field):
    if IChoice.providedBy(field):
        return field
    if ICollection.providedBy(field) and IChoice.providedBy(field.value_type):
        return field.value_type
    return None


def _write_choice_order(schema_node, schema: InterfaceClass) -> None:
    fields = getFields(schema)
    for field_node in schema_node.iter("{*}field"):
        choice = _choice_of(fields.get(field_node.get("name")))
        if choice is None or choice.vocabulary is None:
            continue
        order = {term.value: index for index, term in enumerate(choice.vocabulary)}
        for values in field_node.iter("{*}values"):
            elements = list(values)
            for element in elements:
                values.remove(element)
            elements.sort(
                key=lambda element: order.get(
                    element.get("key", element.text), len(order)
                )
            )
            values.extend(elements)


def _write_fieldset_conditions(schema_node, schema: InterfaceClass) -> None:
    specs = schema.queryTaggedValue(FIELDSET_CONDITIONS_KEY, {}) or {}
    for fieldset_node in schema_node.iter("{*}fieldset"):
        spec = specs.get(fieldset_node.get("name"))
        if spec:
            fieldset_node.set(ns("show-if", NAMESPACE), spec)
