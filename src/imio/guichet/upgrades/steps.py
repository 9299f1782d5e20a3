"""Upgrade steps (profile versions in profiles/default/metadata.xml)."""

from imio.guichet.tokens.api import install_plugin
from plone import api


PROFILE = "profile-imio.guichet:default"


def add_integrations(context):
    """1004: webhooks and API tokens: their permission, the PAS plugin and
    the control panel pages (with the audit trail's)."""
    context.runImportStepFromProfile(PROFILE, "rolemap")
    context.runImportStepFromProfile(PROFILE, "controlpanel")
    install_plugin(api.portal.get())
