"""Upgrade step 1024: procedures become translatable where
plone.app.multilingual is installed, and only there."""

from imio.guichet.upgrades.v1024 import make_translatable
from plone import api

import pytest


def procedure_behaviors() -> tuple:
    types = api.portal.get_tool("portal_types")
    return tuple(types["imio.guichet.Procedure"].behaviors)


@pytest.fixture
def multilingual_portal(multilingual_integration):
    return multilingual_integration["portal"]


def test_upgrade_with_multilingual(multilingual_portal):
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
