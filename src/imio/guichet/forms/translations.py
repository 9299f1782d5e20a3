"""A form's texts in other languages, kept beside the form (one per form,
for every translation of its procedure: docs/multilingual.md).

What a webmaster translates is what people read: each field's title and
help text, each choice's title, each step's title. Field names, choice
values, step names, validation and conditions never change: the labels of
a language are applied to the form's XML, which is then read as any other
form (``forms.model`` keeps one schema per text, so a translated form is
parsed once). A text without translation stays the form's own.

Labels of one language::

    {"fields": {"<field>": {"title": "...", "description": "...",
                            "choices": {"<value>": "..."}}},
     "steps": {"<step>": {"title": "..."}}}
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from lxml import etree
from typing import Any

import json


SUPERMODEL = "http://namespaces.plone.org/supermodel/schema"
I18N = "http://xml.zope.org/namespaces/i18n"
_FIELD = f"{{{SUPERMODEL}}}field"
_FIELDSET = f"{{{SUPERMODEL}}}fieldset"
_TITLE = f"{{{SUPERMODEL}}}title"
_DESCRIPTION = f"{{{SUPERMODEL}}}description"
_VALUES = f"{{{SUPERMODEL}}}values"
_VALUE_TYPE = f"{{{SUPERMODEL}}}value_type"
_ELEMENT = f"{{{SUPERMODEL}}}element"

#: The longest translated text kept (a help text may be a paragraph).
MAX_TEXT = 2000


@dataclass(frozen=True)
class Text:
    """One text of a form that a webmaster may translate."""

    #: "title", "description", "choice" or "step"
    kind: str
    #: the field or step it belongs to
    name: str
    #: the choice's value (choices only)
    value: str | None
    #: what the form says
    original: str

    @property
    def key(self) -> str:
        """The name of its input on the translation page."""
        parts = [self.kind, self.name] + ([self.value] if self.value else [])
        # Not ":", which Zope reads as a converter in a form input's name.
        return "/".join(parts)


def _text_of(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _choices(field_element) -> list:
    """The ``<element>`` of a choice field or of a multiple choice's value
    type."""
    holders = [field_element, field_element.find(_VALUE_TYPE)]
    for holder in holders:
        if holder is None:
            continue
        values = holder.find(_VALUES)
        if values is not None:
            return list(values.iterchildren(_ELEMENT))
    return []


def _choice_value(element) -> str:
    return element.get("key") or _text_of(element)


def form_texts(xml: str) -> list[Text]:
    """Every translatable text of the form ``xml``, in the form's order
    (a field's title, its help, its choices; each step's title)."""
    root = etree.fromstring(xml.encode())
    texts = []
    for element in root.iter(_FIELD, _FIELDSET):
        name = element.get("name", "")
        if element.tag == _FIELDSET:
            texts.append(Text("step", name, None, element.get("label") or name))
            continue
        texts.append(Text("title", name, None, _text_of(element.find(_TITLE))))
        help_text = _text_of(element.find(_DESCRIPTION))
        if help_text:
            texts.append(Text("description", name, None, help_text))
        for choice in _choices(element):
            value = _choice_value(choice)
            texts.append(Text("choice", name, value, _text_of(choice) or value))
    return texts


def labels_from_texts(texts: list[Text], given: Mapping[str, Any]) -> dict:
    """The labels of one language from ``given`` (``Text.key`` -> text, as
    the translation page sends them): only the form's own texts, stripped,
    empty ones left out (they fall back to the original)."""
    labels: dict = {"fields": {}, "steps": {}}
    for text in texts:
        value = given.get(text.key)
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()[:MAX_TEXT]
        if text.kind == "step":
            labels["steps"][text.name] = {"title": value}
            continue
        field = labels["fields"].setdefault(text.name, {})
        if text.kind == "choice":
            field.setdefault("choices", {})[text.value] = value
        else:
            field[text.kind] = value
    return labels


def translation_of(text: Text, labels: Mapping | None) -> str:
    """What ``labels`` say for ``text`` ("" when nothing)."""
    if not labels:
        return ""
    if text.kind == "step":
        return labels.get("steps", {}).get(text.name, {}).get("title", "")
    field = labels.get("fields", {}).get(text.name, {})
    if text.kind == "choice":
        return field.get("choices", {}).get(text.value, "")
    return field.get(text.kind, "")


def _set_text(element, text: str) -> None:
    element.text = text
    for attribute in list(element.attrib):
        # The webmaster's translation is final: no catalog lookup of it.
        if attribute.startswith(f"{{{I18N}}}"):
            del element.attrib[attribute]


def translated_form_xml(xml: str, labels: Mapping | None) -> str:
    """The form ``xml`` with its texts in the language of ``labels`` (each
    text without translation as it is)."""
    if not labels:
        return xml
    return _translated(xml, json.dumps(labels, sort_keys=True))


@lru_cache(maxsize=256)
def _translated(xml: str, labels_json: str) -> str:
    labels = json.loads(labels_json)
    root = etree.fromstring(xml.encode())
    steps = labels.get("steps", {})
    fields = labels.get("fields", {})
    for element in root.iter(_FIELDSET):
        title = steps.get(element.get("name", ""), {}).get("title")
        if title:
            element.set("label", title)
    for element in root.iter(_FIELD):
        field = fields.get(element.get("name", ""))
        if not field:
            continue
        for tag, kind in ((_TITLE, "title"), (_DESCRIPTION, "description")):
            if field.get(kind):
                child = element.find(tag)
                if child is None:
                    child = etree.SubElement(element, tag)
                _set_text(child, field[kind])
        choices = field.get("choices") or {}
        if choices:
            for choice in _choices(element):
                value = _choice_value(choice)
                # Keyed, the value stays what it was and the title is shown.
                choice.set("key", value)
                _set_text(choice, choices.get(value) or _text_of(choice) or value)
    return etree.tostring(root, encoding="unicode")
