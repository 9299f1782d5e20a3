"""What changed between two versions of a model, for people: the form's
fields (added, removed, changed, and how), its steps and conditions, the
texts word by word, and the settings; and the three-way merge that applies
a newer version to a procedure made from an older one.

The form is compared as its XML elements, not as parsed schemas: what a
webmaster sees in the editor is the field's name, kind, title, required
flag, step and condition, and those are attributes and children of its
``<field>``.
"""

from dataclasses import dataclass
from dataclasses import field
from difflib import SequenceMatcher
from imio.guichet.content.procedure import INFORMATION_FIELDS
from lxml import etree
from lxml import html as lxml_html

import json


SUPERMODEL = "http://namespaces.plone.org/supermodel/schema"
GUICHET = "http://namespaces.imio.be/guichet"
#: The texts of a package's procedure, compared word by word.
TEXT_PARTS = INFORMATION_FIELDS


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str
    title: str
    required: bool
    step: str
    condition: str
    #: Everything else, canonical: a change there is "other settings".
    rest: str


def form_fields(xml: str) -> dict[str, FormField]:
    """The fields of a form's XML, by name, in order."""
    root = etree.fromstring(xml.encode("utf-8"))
    fields = {}
    for node in root.iter(f"{{{SUPERMODEL}}}field"):
        parent = node.getparent()
        step = parent.get("name", "") if _local(parent.tag) == "fieldset" else ""
        children = {_local(child.tag): (child.text or "").strip() for child in node}
        rest = {
            key: value
            for key, value in children.items()
            if key not in ("title", "required")
        }
        attributes = {
            key: value
            for key, value in node.attrib.items()
            if key not in ("name", "type", f"{{{GUICHET}}}show-if")
        }
        fields[node.get("name")] = FormField(
            name=node.get("name"),
            kind=node.get("type", ""),
            title=children.get("title", ""),
            required=children.get("required", "True") != "False",
            step=step,
            condition=node.get(f"{{{GUICHET}}}show-if", ""),
            rest=json.dumps([rest, attributes], sort_keys=True),
        )
    return fields


def form_steps(xml: str) -> list[dict]:
    root = etree.fromstring(xml.encode("utf-8"))
    return [
        {
            "name": node.get("name", ""),
            "label": node.get("label", ""),
            "condition": node.get(f"{{{GUICHET}}}show-if", ""),
        }
        for node in root.iter(f"{{{SUPERMODEL}}}fieldset")
    ]


ASPECTS = ("kind", "title", "required", "step", "condition", "rest")


def form_changes(old_xml: str, new_xml: str) -> dict:
    old, new = form_fields(old_xml), form_fields(new_xml)
    changed = []
    for name in new:
        if name in old and new[name] != old[name]:
            changed.append(
                {
                    "name": name,
                    "title": new[name].title,
                    "aspects": [
                        aspect
                        for aspect in ASPECTS
                        if getattr(old[name], aspect) != getattr(new[name], aspect)
                    ],
                }
            )
    old_steps, new_steps = form_steps(old_xml), form_steps(new_xml)
    return {
        "added": [
            {"name": name, "title": new[name].title} for name in new if name not in old
        ],
        "removed": [
            {"name": name, "title": old[name].title} for name in old if name not in new
        ],
        "changed": changed,
        "steps_changed": old_steps != new_steps,
        "steps": new_steps if old_steps != new_steps else [],
    }


def plain_words(html: str) -> list[str]:
    if not html.strip():
        return []
    return lxml_html.fromstring(f"<div>{html}</div>").text_content().split()


def word_diff(old_html: str, new_html: str) -> list[dict]:
    """The text's words as runs: ``{"same"|"added"|"removed": "words"}``."""
    old, new = plain_words(old_html), plain_words(new_html)
    runs = []
    for op, i1, i2, j1, j2 in SequenceMatcher(
        a=old, b=new, autojunk=False
    ).get_opcodes():
        if op == "equal":
            runs.append({"same": " ".join(old[i1:i2])})
            continue
        if i2 > i1:
            runs.append({"removed": " ".join(old[i1:i2])})
        if j2 > j1:
            runs.append({"added": " ".join(new[j1:j2])})
    return runs


@dataclass
class PackageChanges:
    """What a newer package changes, part by part."""

    title: tuple[str, str] | None = None
    description: list[dict] | None = None
    texts: dict[str, list[dict]] = field(default_factory=dict)
    fee: tuple | None = None
    settings: dict[str, tuple] = field(default_factory=dict)
    form: dict | None = None
    parameters_added: list[str] = field(default_factory=list)
    parameters_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.title,
                self.description,
                self.texts,
                self.fee,
                self.settings,
                self.form,
                self.parameters_added,
                self.parameters_removed,
            )
        )


def package_changes(old: dict, new: dict) -> PackageChanges:
    before, after = old["procedure"], new["procedure"]
    changes = PackageChanges()
    if before["title"] != after["title"]:
        changes.title = (before["title"], after["title"])
    if before.get("description", "") != after.get("description", ""):
        changes.description = word_diff(
            before.get("description", ""), after.get("description", "")
        )
    for name in TEXT_PARTS:
        was = before.get("texts", {}).get(name, "")
        now = after.get("texts", {}).get(name, "")
        if was != now:
            changes.texts[name] = word_diff(was, now)
    if before.get("fee") != after.get("fee"):
        changes.fee = (before.get("fee"), after.get("fee"))
    was_settings, now_settings = before.get("settings", {}), after.get("settings", {})
    for name in sorted(set(was_settings) | set(now_settings)):
        if was_settings.get(name) != now_settings.get(name):
            changes.settings[name] = (was_settings.get(name), now_settings.get(name))
    if before["form"]["schema"] != after["form"]["schema"]:
        changes.form = form_changes(before["form"]["schema"], after["form"]["schema"])
    old_names = {p["name"] for p in old["parameters"]}
    new_names = {p["name"] for p in new["parameters"]}
    changes.parameters_added = sorted(new_names - old_names)
    changes.parameters_removed = sorted(old_names - new_names)
    return changes


@dataclass(frozen=True)
class Merged:
    """The procedure's part values after an update, and for each part where
    both the model and the authority changed it, which won (the
    authority's: its deliberate change is kept)."""

    values: dict
    kept_local_changes: tuple[str, ...]


def three_way(base: dict, theirs: dict, mine: dict) -> Merged:
    """Per part: the model's new value where the authority left the part as
    the model had it (``mine == base``), the authority's where it changed
    it; ``kept_local_changes`` names the parts both changed."""
    values, kept = {}, []
    for part, new in theirs.items():
        if mine.get(part) == base.get(part):
            values[part] = new
        else:
            values[part] = mine.get(part)
            if new != base.get(part):
                kept.append(part)
    return Merged(values=values, kept_local_changes=tuple(kept))
