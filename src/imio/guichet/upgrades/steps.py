"""Upgrade steps (profile versions in profiles/default/metadata.xml)."""

from imio.guichet.tokens.api import install_plugin
from plone import api


PROFILE = "profile-imio.guichet:default"


def add_integrations(context):
    """1004: webhooks and API tokens: their permission and the PAS plugin."""
    context.runImportStepFromProfile(PROFILE, "rolemap")
    install_plugin(api.portal.get())
