"""Installing and uninstalling the add-on."""

from conftest import make_submission
from conftest import START
from imio.guichet.interfaces import IImioGuichetLayer
from imio.guichet.permissions import ManageIntegrations
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import STORE_KEY
from imio.guichet.tokens.plugin import PLUGIN_ID
from plone import api
from Products.PluggableAuthService.interfaces.plugins import IAuthenticationPlugin
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from zope.annotation.interfaces import IAnnotations

import pytest


PACKAGE = "imio.guichet"


class TestInstall:
    def test_installed(self, installer):
        assert installer.is_product_installed(PACKAGE)

    def test_browser_layer(self, browser_layers):
        assert IImioGuichetLayer in browser_layers

    def test_type(self, portal):
        fti = api.portal.get_tool("portal_types").get("imio.guichet.Procedure")
        assert fti is not None
        assert fti.global_allow

    def test_settings(self, portal):
        assert (
            api.portal.get_registry_record(
                "imio.guichet.interfaces.IGuichetSettings.reference_prefix"
            )
            == ""
        )

    def test_shown_in_navigation_and_searched(self, portal):
        assert "imio.guichet.Procedure" in api.portal.get_registry_record(
            "plone.displayed_types"
        )
        assert "imio.guichet.Procedure" not in api.portal.get_registry_record(
            "plone.types_not_searched"
        )

    def test_back_office_role_on_sharing_tab(self, portal):
        from plone.app.workflow.interfaces import ISharingPageRole
        from zope.component import getUtility

        role = getUtility(ISharingPageRole, name="GuichetBackOffice")
        assert role.required_permission == "imio.guichet: Delegate back office role"
        assert "GuichetBackOffice" in portal.validRoles()

    def test_store_created(self, portal):
        assert STORE_KEY in IAnnotations(portal)

    def test_no_demo_content_nor_accounts(self, portal):
        catalog = api.portal.get_tool("portal_catalog")
        assert len(catalog(portal_type="imio.guichet.Procedure")) == 0
        assert api.user.get(username="backoffice") is None
        assert api.user.get(username="citoyen") is None

    def test_profile_version(self, setup_tool):
        assert setup_tool.getLastVersionForProfile(f"{PACKAGE}:default") == ("1006",)

    def test_token_plugin_active(self, portal):
        plugins = portal.acl_users.plugins
        for interface in (IExtractionPlugin, IAuthenticationPlugin):
            assert PLUGIN_ID in plugins.listPluginIds(interface)

    def test_integrations_permission_for_administrators_only(self, portal):
        roles = {
            r["name"]
            for r in portal.rolesOfPermission(ManageIntegrations)
            if r["selected"]
        }
        assert roles == {"Manager", "Site Administrator"}


class TestUpgrades:
    def test_every_step_leads_to_the_profile_version(self, setup_tool):
        listed = setup_tool.listUpgrades(f"{PACKAGE}:default", show_old=True)
        # Grouped steps (<upgradeSteps>) come as lists.
        steps = [
            s for item in listed for s in (item if isinstance(item, list) else [item])
        ]
        assert steps, "no upgrade step registered"
        assert max(tuple(step["dest"]) for step in steps) == ("1006",)
        # A chain: each step starts where an earlier one ended.
        ends = {("1000",)} | {tuple(step["dest"]) for step in steps}
        assert all(tuple(step["source"]) in ends for step in steps)

    def test_1004_adds_plugin_and_permission(self, portal, setup_tool):
        from imio.guichet.upgrades.steps import add_integrations

        # A site as version 1000 left it.
        portal.acl_users.manage_delObjects([PLUGIN_ID])
        portal.manage_permission(ManageIntegrations, roles=[], acquire=True)
        add_integrations(setup_tool)
        assert PLUGIN_ID in portal.acl_users.plugins.listPluginIds(
            IAuthenticationPlugin
        )
        assert "Site Administrator" in {
            r["name"]
            for r in portal.rolesOfPermission(ManageIntegrations)
            if r["selected"]
        }


class TestUpgrade1006:
    def test_draft_lifetime_setting(self, portal, setup_tool):
        registry = api.portal.get_tool("portal_registry")
        name = "imio.guichet.interfaces.IGuichetSettings.draft_lifetime_days"
        del registry.records[name]  # as on a site of version 1004
        setup_tool.setLastVersionForProfile(f"{PACKAGE}:default", "1004")
        with api.env.adopt_roles(["Manager"]):
            setup_tool.upgradeProfile(f"{PACKAGE}:default")
        assert setup_tool.getLastVersionForProfile(f"{PACKAGE}:default") == ("1006",)
        assert registry[name] == 30


class TestUninstall:
    @pytest.fixture(autouse=True)
    def uninstalled(self, portal, installer):
        with api.env.adopt_roles(["Manager"]):
            installer.uninstall_product(PACKAGE)

    def test_uninstalled(self, installer):
        assert not installer.is_product_installed(PACKAGE)

    def test_browser_layer_removed(self, browser_layers):
        assert IImioGuichetLayer not in browser_layers

    def test_type_removed(self, portal):
        assert api.portal.get_tool("portal_types").get("imio.guichet.Procedure") is None

    def test_token_plugin_removed(self, portal):
        assert PLUGIN_ID not in portal.acl_users.objectIds()

    def test_navigation_restored(self, portal):
        assert "imio.guichet.Procedure" not in api.portal.get_registry_record(
            "plone.displayed_types"
        )
        assert "Document" in api.portal.get_registry_record("plone.displayed_types")

    def test_settings_removed(self, portal):
        registry = api.portal.get_tool("portal_registry")
        assert (
            "imio.guichet.interfaces.IGuichetSettings.reference_prefix" not in registry
        )
        assert (
            "imio.guichet.prefill.interfaces.IRestPrefillSettings.enabled"
            not in registry
        )


class TestUpgrade1001:
    def test_actions_and_submitter_index(self, portal, setup_tool):
        actions = api.portal.get_tool("portal_actions")
        assert "guichet-requests" in actions.user
        assert "guichet-my-requests" in actions.user
        assert "guichet-procedure-requests" in actions.object
        # As on a site of version 1000: no actions, no submitter index.
        actions.user.manage_delObjects(["guichet-requests", "guichet-my-requests"])
        store = get_store()
        submission = make_submission(START)
        submission.submitter = "jeanne"
        store.add(submission)
        del store._by_submitter
        setup_tool.setLastVersionForProfile(f"{PACKAGE}:default", "1000")
        with api.env.adopt_roles(["Manager"]):
            setup_tool.upgradeProfile(f"{PACKAGE}:default")
        # The whole chain ran, from 1000 to the current version.
        assert setup_tool.getLastVersionForProfile(f"{PACKAGE}:default") == ("1006",)
        assert "guichet-requests" in actions.user
        assert "guichet-my-requests" in actions.user
        assert list(store.submitted_by("jeanne")) == [submission.sort_key]


class TestUninstallActions:
    def test_actions_removed(self, portal, installer):
        with api.env.adopt_roles(["Manager"]):
            installer.uninstall_product(PACKAGE)
        actions = api.portal.get_tool("portal_actions")
        assert "guichet-requests" not in actions.user
        assert "guichet-my-requests" not in actions.user
        assert "guichet-procedure-requests" not in actions.object
