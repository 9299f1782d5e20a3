"""The "Guichet: prefill" control panel: the generic REST/JSON source."""

from imio.guichet import _
from imio.guichet.prefill.interfaces import IRestPrefillSettings
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.z3cform import layout


class PrefillSettingsForm(RegistryEditForm):
    schema = IRestPrefillSettings
    label = _("title_prefill_settings", default="Guichet: prefill from a REST source")
    description = _(
        "help_prefill_settings",
        default='Forms prefill fields declared with guichet:prefill="rest:key" '
        "from this service, for logged-in citizens.",
    )


PrefillSettingsView = layout.wrap_form(PrefillSettingsForm, ControlPanelFormWrapper)
