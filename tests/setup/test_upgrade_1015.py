"""Upgrade step 1015: the permissions of the citizens' rights."""

from imio.guichet.permissions import AnswerDataSubjectRequests
from imio.guichet.permissions import ViewNationalRegisterNumbers
from imio.guichet.upgrades.v1015 import citizens_rights
from plone import api


PERMISSIONS = (AnswerDataSubjectRequests, ViewNationalRegisterNumbers)


def roles_with(portal, permission) -> set[str]:
    return {
        role["name"]
        for role in portal.rolesOfPermission(permission)
        if role["selected"]
    }


def test_upgrade(portal):
    for permission in PERMISSIONS:
        portal.manage_permission(permission, roles=[], acquire=False)
        assert roles_with(portal, permission) == set()
    # A site's own change to another permission is kept.
    portal.manage_permission("imio.guichet: View audit trail", ["Manager"], True)

    with api.env.adopt_roles(["Manager"]):
        citizens_rights()

    for permission in PERMISSIONS:
        assert roles_with(portal, permission) == {"Manager", "Site Administrator"}
    assert roles_with(portal, "imio.guichet: View audit trail") == {"Manager"}


def test_installed_with_the_profile(portal):
    for permission in PERMISSIONS:
        assert roles_with(portal, permission) == {"Manager", "Site Administrator"}
