"""Installing and uninstalling the add-on."""

from imio.guichet.interfaces import IImioGuichetLayer
from imio.guichet.permissions import ManageIntegrations
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
        profile = f"{PACKAGE}:default"
        assert setup_tool.getLastVersionForProfile(profile) == (
            setup_tool.getVersionForProfile(profile),
        )

    def test_every_setting_installed(self, portal):
        # What the first profile version installs at once (upgrade steps
        # added these before 1.0).
        assert (
            api.portal.get_registry_record(
                "imio.guichet.interfaces.IGuichetSettings.draft_lifetime_days"
            )
            == 30
        )
        assert (
            api.portal.get_registry_record(
                "imio.guichet.prefill.interfaces.IRestPrefillSettings.timeout"
            )
            == 3.0
        )

    def test_actions(self, portal):
        actions = api.portal.get_tool("portal_actions")
        assert "guichet-requests" in actions.user
        assert "guichet-my-requests" in actions.user
        assert "guichet-procedure-requests" in actions.object

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


def upgrade_moves(setup_tool) -> set[tuple[str, str]]:
    """(source, destination) of every registered upgrade step; a group of
    steps (<upgradeSteps>) makes one move."""
    listed = setup_tool.listUpgrades(f"{PACKAGE}:default", show_old=True)
    steps = [s for item in listed for s in (item if isinstance(item, list) else [item])]
    return {(".".join(s["source"]), ".".join(s["dest"])) for s in steps}


def chain_from_1000(moves: set[tuple[str, str]]) -> list[str]:
    """The versions that the steps lead through from 1000 (once each)."""
    following = dict(moves)
    versions = ["1000"]
    while versions[-1] in following and following[versions[-1]] not in versions:
        versions.append(following[versions[-1]])
    return versions


class TestUpgrades:
    def test_steps_form_one_chain_from_1000(self, setup_tool):
        moves = upgrade_moves(setup_tool)
        sources = [source for source, _ in moves]
        assert len(sources) == len(set(sources)), "two steps leave one version"
        assert len(chain_from_1000(moves)) == len(moves) + 1, (
            "a step is not on the chain from 1000"
        )

    def test_the_profile_version_is_where_the_chain_ends(self, setup_tool):
        # 1000 is the first release: no step leads to it.
        last = chain_from_1000(upgrade_moves(setup_tool))[-1]
        assert setup_tool.getVersionForProfile(f"{PACKAGE}:default") == last


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


class TestUninstallActions:
    def test_actions_removed(self, portal, installer):
        with api.env.adopt_roles(["Manager"]):
            installer.uninstall_product(PACKAGE)
        actions = api.portal.get_tool("portal_actions")
        assert "guichet-requests" not in actions.user
        assert "guichet-my-requests" not in actions.user
        assert "guichet-procedure-requests" not in actions.object
