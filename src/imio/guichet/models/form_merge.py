"""Applying a newer version of a model's form to a form the authority
changed too, field by field.

The whole form is one part of a model update (``models.update``); when both
the model and the authority changed it, merging it whole would lose one
side. Here each field (its XML element and its step) and each step's
settings (label, condition) are merged as the other parts are: the model's
new version where the authority left it as the model had it, the
authority's where it changed it (said, when the model changed it too).
The model's version gives the structure (the order of its fields and
steps); a field the authority added or changed goes where the authority
put it, after the field that precedes it there.

A merge that does not give a valid form (say, a condition on a field that
the other side removed) is refused: the caller then keeps the authority's
form whole, and says so.
"""

from copy import deepcopy
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.models.diff import SUPERMODEL
from lxml import etree


FIELD = f"{{{SUPERMODEL}}}field"
FIELDSET = f"{{{SUPERMODEL}}}fieldset"
SCHEMA = f"{{{SUPERMODEL}}}schema"


def _schema(root):
    return root if root.tag == SCHEMA else root.find(SCHEMA)


def _step_of(node) -> str:
    parent = node.getparent()
    return parent.get("name", "") if parent.tag == FIELDSET else ""


def _fields(schema) -> dict[str, tuple[str, bytes]]:
    """Each field's step and canonical XML, by name, in the form's order."""
    return {
        node.get("name"): (_step_of(node), etree.tostring(node, method="c14n"))
        for node in schema.iter(FIELD)
    }


def _steps(schema) -> dict[str, dict]:
    """Each step's settings (its attributes but its name), by name."""
    return {
        node.get("name"): {k: v for k, v in node.attrib.items() if k != "name"}
        for node in schema.iter(FIELDSET)
    }


def _field(schema, name: str):
    return next((n for n in schema.iter(FIELD) if n.get("name") == name), None)


def _fieldset(schema, name: str):
    return next((n for n in schema.iter(FIELDSET) if n.get("name") == name), None)


def _container(result, mine, step: str):
    """Where a field of ``step`` goes in ``result``: the schema itself, or
    the step, made (as the authority has it, empty) if the result has none."""
    if not step:
        return result
    fieldset = _fieldset(result, step)
    if fieldset is None:
        fieldset = etree.SubElement(result, FIELDSET, _fieldset(mine, step).attrib)
    return fieldset


def _place(result, mine, name: str) -> None:
    """Put the authority's field ``name`` in ``result``, in its step, after
    the field that precedes it in the authority's form, if the result has
    it there (else first)."""
    node = _field(mine, name)
    container = _container(result, mine, _step_of(node))
    copy = deepcopy(node)
    for before in node.itersiblings(FIELD, preceding=True):
        there = _field(container, before.get("name"))
        if there is not None and there.getparent() is container:
            there.addnext(copy)
            return
    fields = [child for child in container if child.tag == FIELD]
    if fields:
        fields[0].addprevious(copy)
    else:
        container.insert(0, copy)


def merge_forms(base: str, theirs: str, mine: str) -> tuple[str, tuple] | None:
    """The merged form and the fields (``field:name``) and steps
    (``step:name``) that both sides changed, where the authority's version
    was kept; None if the merge gives no valid form."""
    roots = [etree.fromstring(xml.encode("utf-8")) for xml in (base, theirs, mine)]
    base_schema, result, mine_schema = (_schema(root) for root in roots)
    old, new, own = (_fields(s) for s in (base_schema, result, mine_schema))
    kept = []
    for name in [*own, *(n for n in old if n not in own)]:
        was, now, ours = old.get(name), new.get(name), own.get(name)
        if ours in (was, now):
            continue  # the model's version stands (or both agree)
        if now != was:
            kept.append(f"field:{name}")
        if (there := _field(result, name)) is not None:
            there.getparent().remove(there)
        if ours is not None:
            _place(result, mine_schema, name)
    old, new, own = (_steps(s) for s in (base_schema, result, mine_schema))
    for name, settings in own.items():
        if settings in (old.get(name), new.get(name)):
            continue
        if new.get(name) != old.get(name):
            kept.append(f"step:{name}")
        fieldset = _fieldset(result, name)
        if fieldset is not None:
            fieldset.attrib.clear()
            fieldset.attrib.update({"name": name, **settings})
    for fieldset in list(result.iter(FIELDSET)):
        if fieldset.find(FIELD) is None:
            fieldset.getparent().remove(fieldset)
    merged = etree.tostring(roots[1], encoding="unicode")
    try:
        check_form_schema(merged)
    except InvalidFormSchema:
        return None
    return merged, tuple(kept)
