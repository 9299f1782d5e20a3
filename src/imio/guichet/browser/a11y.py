"""How each field of the citizen's form is rendered (WCAG 2.1 AA).

Replaces plone.app.z3cform's widget wrapper for the widgets of
:class:`~imio.guichet.browser.submit.SubmitForm`: the label is tied to the
input and says "required" in words; groups of inputs (radio buttons,
checkboxes, an address) are a ``fieldset`` with a ``legend``; a faulty
input has ``aria-invalid="true"`` and ``aria-describedby`` pointing to its
error message (``<widget id>-error``) and help text (``<widget id>-help``);
a conditional field says its condition in ``data-guichet-show-if`` for
form.js.
"""

from imio.guichet.browser.errors import error_code
from imio.guichet.browser.widgets import AddressWidget
from imio.guichet.browser.widgets import UploadWidget
from imio.guichet.forms.conditions import conditions
from imio.guichet.prefill.widgets import SOURCE_TITLE
from plone.formwidget.namedfile.widget import NamedFileWidget
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from z3c.form.browser.checkbox import CheckBoxWidget
from z3c.form.browser.checkbox import SingleCheckBoxWidget
from z3c.form.browser.radio import RadioWidget
from z3c.form.interfaces import INPUT_MODE

import json
import re


#: The inputs a person fills in a widget's HTML (not the hidden markers).
_CONTROL = re.compile(r"<(input|select|textarea)\b(?![^>]*type=\"hidden\")")


def describe_controls(html: str, attributes: dict[str, str]) -> str:
    """Add ``attributes`` to every visible control of a widget's HTML."""
    extra = "".join(f' {name}="{value}"' for name, value in attributes.items())
    return _CONTROL.sub(lambda match: match.group(0) + extra, html)


class RenderFormWidget(BrowserView):
    """A widget of the citizen's form in its accessible wrapper (in place
    of plone.app.z3cform's ``@@ploneform-render-widget``: see
    ``SubmitForm.render_widget``)."""

    index = ViewPageTemplateFile("templates/widget.pt")

    def __call__(self):
        return self.index()

    @property
    def widget(self):
        return self.context

    @property
    def form(self):
        return self.context.form

    def is_input(self) -> bool:
        return self.widget.mode == INPUT_MODE

    def is_group(self) -> bool:
        """Several inputs answer this field: a fieldset with a legend."""
        widget = self.widget
        if isinstance(widget, SingleCheckBoxWidget):
            return False
        return isinstance(widget, RadioWidget | CheckBoxWidget | AddressWidget)

    def is_single_checkbox(self) -> bool:
        """A yes/no checkbox carries its own label."""
        return isinstance(self.widget, SingleCheckBoxWidget)

    def label_for(self) -> str:
        """The id of the input the label names. A file widget renders its
        file input as ``<id>-input`` (plone.formwidget.namedfile)."""
        widget = self.widget
        if isinstance(widget, NamedFileWidget):
            return f"{widget.id}-input"
        return widget.id

    def error_code(self) -> str | None:
        """The core's code of the widget's error, for machines."""
        error = self.widget.error
        return None if error is None else error_code(error)

    def error_id(self) -> str:
        return f"{self.widget.id}-error"

    def help_id(self) -> str:
        return f"{self.widget.id}-help"

    def required_id(self) -> str:
        return f"{self.widget.id}-required"

    def required_note(self) -> bool:
        """A required yes/no checkbox says it next to its own label."""
        return self.is_single_checkbox() and bool(self.widget.required)

    def description(self):
        return self.widget.field.description or None

    def source_title(self):
        """The source that gave the field's value, if one did."""
        return getattr(self.widget, SOURCE_TITLE, None)

    def source_id(self) -> str:
        return f"{self.widget.id}-source"

    def is_locked(self) -> bool:
        """Given by a source, not to be changed here (once only)."""
        return bool(self.widget.readonly)

    def control(self) -> str:
        """The widget's inputs, tied to the error and help texts."""
        html = self.widget.render()
        if not self.is_input():
            return html
        described = []
        attributes = {}
        if self.widget.error is not None:
            described.append(self.error_id())
            attributes["aria-invalid"] = "true"
        if self.description():
            described.append(self.help_id())
        if self.source_title():
            described.append(self.source_id())
        if self.required_note():
            described.append(self.required_id())
        if isinstance(self.widget, UploadWidget):
            described.append(self.widget.limits_id)
        if described and not self.is_group():
            attributes["aria-describedby"] = " ".join(described)
        if self.is_group() and self.widget.error is not None:
            attributes = {"aria-invalid": "true"}
        return describe_controls(html, attributes) if attributes else html

    def group_describedby(self) -> str | None:
        """For a fieldset: its error and help texts."""
        described = []
        if self.widget.error is not None:
            described.append(self.error_id())
        if self.description():
            described.append(self.help_id())
        if self.source_title():
            described.append(self.source_id())
        return " ".join(described) or None

    def show_if(self) -> str | None:
        """The field's conditions, for form.js: the names of the inputs to
        watch and the values that show it."""
        rules = conditions(self.form.schema).get(self.widget.__name__)
        if not rules:
            return None
        prefix = f"{self.form.prefix}widgets."
        return json.dumps(
            [
                {
                    "name": prefix + rule.field,
                    "values": [
                        json.dumps(value) if isinstance(value, bool) else value
                        for value in rule.values
                    ],
                }
                for rule in rules
            ]
        )

    def received_filename(self) -> str | None:
        finder = getattr(self.form, "received_filename", None)
        return finder(self.widget.__name__) if finder is not None else None
