"""The "Guichet: authority" control panel: who runs the site (name,
territory, address, contact, data protection officer), set once and read
by the service catalogue and every document that names the authority."""

from imio.guichet import _
from imio.guichet.authority import IAuthority
from imio.guichet.models.settings import IModelSettings
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.formwidget.namedfile.widget import NamedImageFieldWidget
from plone.z3cform import layout


class AuthoritySettingsForm(RegistryEditForm):
    schema = IAuthority

    def updateFields(self):
        super().updateFields()
        # Uploaded and shown like the site's logo (Site control panel).
        self.fields["logo"].widgetFactory = NamedImageFieldWidget

    label = _("title_authority_settings", default="Guichet: the authority")
    description = _(
        "help_authority_settings",
        default="The commune, CPAS or zone that provides the procedures of "
        "this site, as the public service catalogue (CPSV-AP), search engines "
        "and the documents sent to citizens name it.",
    )


AuthoritySettingsView = layout.wrap_form(AuthoritySettingsForm, ControlPanelFormWrapper)


class ModelSettingsForm(RegistryEditForm):
    schema = IModelSettings
    label = _("title_model_settings", default="Guichet: catalogues of models")
    description = _(
        "help_model_settings",
        default="The sites whose procedure models this site may use. Browse "
        "their models in 'Procedure models'.",
    )


ModelSettingsView = layout.wrap_form(ModelSettingsForm, ControlPanelFormWrapper)
