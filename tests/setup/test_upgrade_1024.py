"""Upgrade step 1024: procedures become translatable where
plone.app.multilingual is installed, and only there."""

from fixtures.multilingual import install_multilingual
from imio.guichet.upgrades.v1024 import make_translatable
from plone import api


def procedure_behaviors() -> tuple:
    types = api.portal.get_tool("portal_types")
    return tuple(types["imio.guichet.Procedure"].behaviors)


def test_upgrade_with_multilingual(portal):
    install_multilingual(portal)
    fti = api.portal.get_tool("portal_types")["imio.guichet.Procedure"]
    # As a site whose procedure type was installed after plone.app.multilingual.
    fti.behaviors = tuple(b for b in fti.behaviors if b != "plone.translatable")
    make_translatable()
    assert procedure_behaviors().count("plone.translatable") == 1
    make_translatable()  # twice: nothing changes
    assert procedure_behaviors().count("plone.translatable") == 1


def test_upgrade_without_multilingual(portal):
    """A site where plone.app.multilingual is not installed: nothing to do."""
    fti = api.portal.get_tool("portal_types")["imio.guichet.Procedure"]
    fti.behaviors = tuple(b for b in fti.behaviors if b != "plone.translatable")
    portal.portal_setup.unsetLastVersionForProfile("plone.app.multilingual:default")
    make_translatable()
    assert "plone.translatable" not in procedure_behaviors()
