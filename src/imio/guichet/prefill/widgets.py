"""Prefill the widgets of the HTML form (z3c.form) for a logged-in citizen."""

from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms import kinds
from imio.guichet.prefill.api import prefill
from imio.guichet.submissions.api import current_submitter
from z3c.form.interfaces import IDataConverter


#: The attribute of a widget that holds the title of the source that gave
#: its value (the page says "Provided by: <title>" under the field).
SOURCE_TITLE = "guichet_source_title"


def prefill_widgets(form) -> None:
    """Show the sources' values in the widgets a citizen has not sent yet,
    and under each where it comes from; make the ones the citizen may not
    change read-only (once only; the server enforces them anyway, see
    :func:`imio.guichet.prefill.api.apply_sources`)."""
    user_id = current_submitter()
    if user_id is None or form.request.response.getStatus() in (301, 302, 303):
        return  # anonymous, or sent and on its way to the confirmation
    online_form = IOnlineForm(form.context, None)
    answered = prefill(
        form.schema,
        user_id,
        allow_correcting=bool(getattr(online_form, "allow_correcting_prefill", False)),
    )
    if not answered.values:
        return
    widgets = dict(form.widgets.items())
    for group in getattr(form, "groups", ()):
        widgets.update(group.widgets.items())
    for name, value in answered.values.items():
        widget = widgets.get(name)
        if widget is None:
            continue
        field_value = kinds.from_json(widget.field, value)
        if name in answered.locked or widget.name not in form.request.form:
            widget.value = IDataConverter(widget).toWidgetValue(field_value)
        if name in answered.locked:
            widget.readonly = "readonly"
        source_name = answered.source_of(name)
        if source_name is not None:
            setattr(widget, SOURCE_TITLE, answered.titles[source_name])
