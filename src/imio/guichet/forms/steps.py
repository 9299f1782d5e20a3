"""A form in steps: one step per ``<fieldset>`` of the form's XML.

The fields outside any fieldset form the first step; a form without
fieldsets has no steps (it is one page). A step whose fields are all
hidden by their ``guichet:show-if`` (see forms.conditions) is skipped.
"""

from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.conditions import is_shown
from imio.guichet.forms.derived import per_schema
from plone.supermodel.interfaces import FIELDSETS_KEY
from zope.i18nmessageid import Message
from zope.interface.interface import InterfaceClass
from zope.schema import getFieldsInOrder


DEFAULT_STEP_LABEL = _("label_step_default", default="General information")


@dataclass(frozen=True)
class Step:
    """One page of the form: ``name`` is its fieldset's (``default`` for
    the fields outside fieldsets)."""

    name: str
    label: str | Message
    fields: tuple[str, ...]


@per_schema
def form_steps(schema: InterfaceClass) -> tuple[Step, ...]:
    """The steps of the form, in order; empty for a one-page form. Worked
    out once per schema."""
    fieldsets = schema.queryTaggedValue(FIELDSETS_KEY, []) or []
    names = [name for name, _field in getFieldsInOrder(schema)]
    in_fieldsets = {name for fieldset in fieldsets for name in fieldset.fields}
    steps = []
    outside = tuple(name for name in names if name not in in_fieldsets)
    if outside and fieldsets:
        steps.append(Step("default", DEFAULT_STEP_LABEL, outside))
    for fieldset in fieldsets:
        fields = tuple(name for name in fieldset.fields if name in names)
        if fields:
            steps.append(
                Step(fieldset.__name__, fieldset.label or fieldset.__name__, fields)
            )
    return tuple(steps)


def shown_steps(schema: InterfaceClass, data: dict) -> list[int]:
    """Indexes in :func:`form_steps` of the steps asked, given ``data``
    (JSON values of the earlier answers)."""
    rules = conditions(schema)
    return [
        index
        for index, step in enumerate(form_steps(schema))
        if any(is_shown(name, data, rules) for name in step.fields)
    ]
