"""The "Guichet" control panel (site-wide settings)."""

from imio.guichet import _
from imio.guichet.interfaces import IGuichetSettings
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.z3cform import layout


class GuichetSettingsForm(RegistryEditForm):
    schema = IGuichetSettings
    label = _("title_guichet_settings", default="Guichet settings")


GuichetSettingsView = layout.wrap_form(GuichetSettingsForm, ControlPanelFormWrapper)
