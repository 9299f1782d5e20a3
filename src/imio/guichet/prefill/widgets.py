"""Prefill the widgets of the HTML form (z3c.form) for a logged-in citizen."""

from imio.guichet.prefill.api import prefill_values
from imio.guichet.prefill.declarations import authentic_fields
from imio.guichet.submissions.api import current_submitter
from z3c.form.interfaces import IDataConverter
from zope.schema.interfaces import ValidationError


def prefill_widgets(form) -> None:
    """Show the sources' values in the widgets a citizen has not sent yet;
    make the authentic ones read-only (the server enforces them anyway,
    see :func:`imio.guichet.prefill.api.apply_authentic_values`)."""
    user_id = current_submitter()
    if user_id is None or form.request.response.getStatus() in (301, 302, 303):
        return  # anonymous, or sent and on its way to the confirmation
    schema = form.schema
    values = prefill_values(schema, user_id)
    if not values:
        return
    authentic = authentic_fields(schema)
    widgets = dict(form.widgets.items())
    for group in getattr(form, "groups", ()):
        widgets.update(group.widgets.items())
    for name, value in values.items():
        widget = widgets.get(name)
        if widget is None:
            continue
        try:
            widget.field.bind(form.context).validate(value)
        except (ValidationError, TypeError, ValueError):
            continue  # not a value this field takes: leave it to the citizen
        if widget.name not in form.request.form:
            widget.value = IDataConverter(widget).toWidgetValue(value)
        if name in authentic:
            widget.readonly = "readonly"
