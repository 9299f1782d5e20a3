"""The "Guichet: identification" control panel: the OpenID Connect
provider citizens log in with (imio.guichet.oidc).

The client secret is written here but never shown back nor stored in the
registry (see oidc/settings.py); left empty, the one kept stays.
"""

from imio.guichet import _
from imio.guichet.oidc.settings import callback_url
from imio.guichet.oidc.settings import client_secret
from imio.guichet.oidc.settings import IOpenIDSettings
from imio.guichet.oidc.settings import set_client_secret
from plone import api
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.base import PloneMessageFactory as plone_
from plone.z3cform import layout
from Products.statusmessages.interfaces import IStatusMessage
from z3c.form import button
from z3c.form import field
from zope import schema
from zope.interface import Interface


class IClientSecret(Interface):
    client_secret = schema.Password(
        title=_("label_oidc_client_secret", default="Client secret"),
        description=_(
            "help_oidc_client_secret",
            default="Never shown again once saved; leave empty to keep the "
            "current one.",
        ),
        required=False,
    )


class IdentitySettingsForm(RegistryEditForm):
    schema = IOpenIDSettings
    label = _("title_identity_settings", default="Guichet: identification of citizens")

    def update(self):
        # Set here: the redirect URI is the site's.
        self.description = _(
            "help_identity_settings",
            default="The OpenID Connect provider (the federal authentication "
            "service, a regional broker...) citizens identify with, and how its "
            "claims map to their verified identity. Redirect URI to register "
            "with the provider: ${redirect_uri}",
            mapping={"redirect_uri": callback_url()},
        )
        super().update()

    def updateFields(self):
        super().updateFields()
        secret = field.Fields(IClientSecret)
        secret["client_secret"].ignoreContext = True
        self.fields += secret

    def updateWidgets(self):
        super().updateWidgets()
        if client_secret():
            self.widgets["client_secret"].description = _(
                "help_oidc_client_secret_set",
                default="A secret is saved (never shown); leave empty to keep it.",
            )

    @button.buttonAndHandler(plone_("Save"), name="save")
    def handleSave(self, action):
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        secret = data.pop("client_secret", None)
        if secret:
            set_client_secret(secret)
        self.applyChanges(data)
        IStatusMessage(self.request).addStatusMessage(plone_("Changes saved."), "info")
        self.request.response.redirect(self.request.getURL())

    @button.buttonAndHandler(plone_("Cancel"), name="cancel")
    def handleCancel(self, action):
        IStatusMessage(self.request).addStatusMessage(
            plone_("Changes canceled."), "info"
        )
        portal_url = api.portal.get().absolute_url()
        self.request.response.redirect(f"{portal_url}/{self.control_panel_view}")


IdentitySettingsView = layout.wrap_form(IdentitySettingsForm, ControlPanelFormWrapper)
