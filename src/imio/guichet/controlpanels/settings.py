"""The "Guichet" control panel (site-wide settings)."""

from imio.guichet import _
from imio.guichet.interfaces import IGuichetSettings
from plone import api
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.z3cform import layout


class GuichetSettingsForm(RegistryEditForm):
    schema = IGuichetSettings
    label = _("title_guichet_settings", default="Guichet settings")

    def applyChanges(self, data):
        # Saved without a public URL: the address the Site Administrator
        # reached this page at becomes it (a request of theirs, not a
        # citizen's, whose Host header could be anything).
        if not data.get("public_url"):
            data["public_url"] = api.portal.get().absolute_url()
        return super().applyChanges(data)


GuichetSettingsView = layout.wrap_form(GuichetSettingsForm, ControlPanelFormWrapper)
