"""The registry of field kinds: one entry per sort of answer a form may ask.

Everything the guichet does with a field depends on its kind, and only
here: conversion from and to JSON (forms.validation), JSON Schema
(forms.jsonschema), display for people (forms.display), export cells
(submissions.export), checks when a form is saved (forms.model), widgets
of the HTML form (browser.submit), form-editor factories and supermodel
handlers (forms.editor), prefill (prefill.api) and ``guichet:show-if``
(forms.conditions). Adding a kind is one :class:`Kind` registered in one
of the modules below, plus its tests: see "Adding a field kind" in
docs/forms.md.
"""

from imio.guichet.forms.kinds import address  # noqa: F401
from imio.guichet.forms.kinds import choices  # noqa: F401
from imio.guichet.forms.kinds import dates  # noqa: F401
from imio.guichet.forms.kinds import files  # noqa: F401
from imio.guichet.forms.kinds import identifiers  # noqa: F401
from imio.guichet.forms.kinds import numbers  # noqa: F401
from imio.guichet.forms.kinds import text  # noqa: F401
from imio.guichet.forms.kinds.base import condition_titles
from imio.guichet.forms.kinds.base import condition_values
from imio.guichet.forms.kinds.base import display
from imio.guichet.forms.kinds.base import EMPTY
from imio.guichet.forms.kinds.base import export_cell
from imio.guichet.forms.kinds.base import export_cells
from imio.guichet.forms.kinds.base import field_class_of
from imio.guichet.forms.kinds.base import from_json
from imio.guichet.forms.kinds.base import from_widget
from imio.guichet.forms.kinds.base import GUICHET_TYPE
from imio.guichet.forms.kinds.base import json_schema
from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import kind_for_value
from imio.guichet.forms.kinds.base import kind_named
from imio.guichet.forms.kinds.base import kind_of
from imio.guichet.forms.kinds.base import KINDS
from imio.guichet.forms.kinds.base import prefill
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from imio.guichet.forms.kinds.base import to_json
from imio.guichet.forms.kinds.base import widget_factory


__all__ = [
    "EMPTY",
    "GUICHET_TYPE",
    "KINDS",
    "Kind",
    "Refused",
    "condition_titles",
    "condition_values",
    "display",
    "export_cell",
    "export_cells",
    "field_class_of",
    "from_json",
    "from_widget",
    "json_schema",
    "kind_for_value",
    "kind_named",
    "kind_of",
    "prefill",
    "register",
    "to_json",
    "widget_factory",
]
