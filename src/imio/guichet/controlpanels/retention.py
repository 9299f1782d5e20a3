"""The "Guichet: retention of personal data" control panel: the site's
retention of requests and of the audit trail (registry records)."""

from imio.guichet import _
from imio.guichet.retention.settings import IRetentionSettings
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.z3cform import layout


class RetentionSettingsForm(RegistryEditForm):
    schema = IRetentionSettings
    label = _("title_retention_settings", default="Retention of personal data")
    description = _(
        "help_retention_settings",
        default="How long requests and the audit trail are kept. Each "
        "procedure may set its own retention (tab Retention of its edit "
        "form). A purge runs every day.",
    )


RetentionSettingsView = layout.wrap_form(RetentionSettingsForm, ControlPanelFormWrapper)
