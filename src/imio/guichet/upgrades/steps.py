"""Upgrade step handlers (the profile steps are in configure.zcml)."""

from imio.guichet.permissions import ManageIntegrations
from imio.guichet.submissions.api import get_store
from imio.guichet.tokens.api import install_plugin
from plone import api

import logging


logger = logging.getLogger(__name__)

PROFILE = "profile-imio.guichet:default"


def index_submitters(setup_tool) -> None:
    """1001: "My requests" reads a per-citizen index that stores made before
    it lack; index the submissions already filed (once, O(n))."""
    store = get_store()
    if store is None:
        return
    count = store.index_submitters()
    logger.info("Indexed %d submissions of logged-in citizens by submitter", count)


def add_integrations(context):
    """1004: webhooks and API tokens: their permission, the PAS plugin and
    the control panel pages (with the audit trail's); the anonymous rate
    limit's setting; the form editor's tab.

    Only the new permission is set (a full rolemap import would undo a
    site's own settings of the older ones)."""
    api.portal.get().manage_permission(
        ManageIntegrations, roles=["Manager", "Site Administrator"], acquire=True
    )
    context.runImportStepFromProfile(PROFILE, "actions")
    context.runImportStepFromProfile(PROFILE, "plone.app.registry")
    context.runImportStepFromProfile(PROFILE, "controlpanel")
    install_plugin(api.portal.get())
