"""Upgrade step 1010: the identity provider's settings (none configured),
their control panel, the store of verified identities; and what installing
gives a new site."""

from imio.guichet.identities import get_verified_store
from imio.guichet.identities import VERIFIED_ANNOTATION_KEY
from imio.guichet.oidc.settings import IOpenIDSettings
from imio.guichet.oidc.settings import is_configured
from imio.guichet.upgrades.v1010 import CONFIGLET
from imio.guichet.upgrades.v1010 import openid_connect
from plone import api
from zope.annotation.interfaces import IAnnotations


PREFIX = IOpenIDSettings.__identifier__


def configlets() -> list[str]:
    return [a.id for a in api.portal.get_tool("portal_controlpanel").listActions()]


def as_before_1010(portal):
    registry = api.portal.get_tool("portal_registry")
    for name in list(registry.records.keys()):
        if name.startswith(PREFIX + "."):
            del registry.records[name]
    api.portal.get_tool("portal_controlpanel").unregisterConfiglet(CONFIGLET)
    IAnnotations(portal).pop(VERIFIED_ANNOTATION_KEY, None)


def test_a_new_site_offers_no_provider(portal):
    assert CONFIGLET in configlets()
    assert get_verified_store() is not None
    assert not is_configured()
    assert api.portal.get_registry_record("issuer", interface=IOpenIDSettings) == ""


def test_upgrade(portal):
    as_before_1010(portal)
    assert CONFIGLET not in configlets()

    with api.env.adopt_roles(["Manager"]):
        openid_connect()
        openid_connect()  # twice: nothing more

    assert configlets().count(CONFIGLET) == 1
    assert api.portal.get_registry_record("enabled", interface=IOpenIDSettings) is False
    assert not is_configured()
    assert get_verified_store() is not None
