"""Upgrade step 1012: the authority's records and control panel."""

from imio.guichet.authority import get_authority
from imio.guichet.authority import IAuthority
from imio.guichet.models.settings import IModelSettings
from imio.guichet.upgrades.v1012 import authority_identity
from plone import api


def test_upgrade(portal):
    registry = api.portal.get_tool("portal_registry")
    names = [
        f"{interface.__identifier__}.{name}"
        for interface in (IAuthority, IModelSettings)
        for name in interface.names()
    ]
    for name in names:
        del registry.records[name]
    controlpanel = api.portal.get_tool("portal_controlpanel")
    controlpanel.unregisterConfiglet("imio-guichet-authority")
    controlpanel.unregisterConfiglet("imio-guichet-models")
    # The type's action of 1012 (a site action since 1027).
    fti = api.portal.get_tool("portal_types")["imio.guichet.Procedure"]
    assert "guichet-share-model" not in [a.getId() for a in fti.listActions()]
    # Before it, the authority reads as unknown rather than failing.
    assert get_authority().official_name == ""

    with api.env.adopt_roles(["Manager"]):
        authority_identity()

    assert all(name in registry for name in names)
    assert get_authority().nis_code == ""
    actions = {action.getId() for action in controlpanel.listActions()}
    assert {"imio-guichet-authority", "imio-guichet-models"} <= actions
    assert "guichet-share-model" in [a.getId() for a in fti.listActions()]
    # Once only.
    with api.env.adopt_roles(["Manager"]):
        authority_identity()
    assert [a.getId() for a in fti.listActions()].count("guichet-share-model") == 1
