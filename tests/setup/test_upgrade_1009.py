"""Upgrade step 1009: the authority's name, address and logo in the
Guichet control panel (for the PDF receipts)."""

from imio.guichet.interfaces import IGuichetSettings
from imio.guichet.upgrades.v1009 import authority_identity
from plone import api


PREFIX = IGuichetSettings.__identifier__
NEW = ("authority_name", "authority_address", "authority_logo")


def test_upgrade_adds_the_records_and_keeps_the_others(portal):
    registry = api.portal.get_tool("portal_registry")
    api.portal.set_registry_record(
        "reference_prefix", "NAM-", interface=IGuichetSettings
    )
    for name in NEW:  # as a site of profile 1005 has them: not at all
        del registry.records[f"{PREFIX}.{name}"]
    setup_tool = api.portal.get_tool("portal_setup")
    setup_tool.setLastVersionForProfile("imio.guichet:default", "1005")

    with api.env.adopt_roles(["Manager"]):
        setup_tool.upgradeProfile("imio.guichet:default")

    assert setup_tool.getLastVersionForProfile("imio.guichet:default") == ("1009",)
    assert registry[f"{PREFIX}.authority_name"] == ""
    assert registry[f"{PREFIX}.authority_address"] == ""
    assert registry[f"{PREFIX}.authority_logo"] is None
    assert registry[f"{PREFIX}.reference_prefix"] == "NAM-"  # kept


def test_step_is_idempotent(portal):
    api.portal.set_registry_record(
        "authority_name", "Ville de Namur", interface=IGuichetSettings
    )
    authority_identity()
    assert api.portal.get_registry_record(
        "authority_name", interface=IGuichetSettings
    ) == ("Ville de Namur")
