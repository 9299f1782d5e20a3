"""Upgrade step 1027: "Share as a model" moves from the Procedure type's
actions (translated by the toolbar in the plone domain) to the site's
object actions, in the imio.guichet domain; a second run changes nothing;
the step is registered from 1026."""

from imio.guichet.upgrades.v1012 import add_share_action
from imio.guichet.upgrades.v1027 import move_share_action
from plone import api


ACTION = "guichet-share-model"


def shown_on(obj) -> list[dict]:
    with api.env.adopt_roles(["Manager"]):
        listed = api.portal.get_tool("portal_actions").listFilteredActionsFor(obj)
    return [action for action in listed["object"] if action["id"] == ACTION]


def test_upgrade(portal, procedure):
    # A site of 1026: the action is the type's, none is the site's.
    category = api.portal.get_tool("portal_actions")["object"]
    category.manage_delObjects([ACTION])
    add_share_action()
    fti = api.portal.get_tool("portal_types")["imio.guichet.Procedure"]
    assert ACTION in [a.getId() for a in fti.listActions()]
    [before] = shown_on(procedure)
    assert getattr(before["title"], "domain", None) != "imio.guichet"

    move_share_action()

    assert ACTION not in [a.getId() for a in fti.listActions()]
    [after] = shown_on(procedure)
    assert after["url"] == f"{procedure.absolute_url()}/@@guichet-share-model"
    assert after["title"] == "Share as a model"
    assert after["title"].domain == "imio.guichet"
    # Only on procedures, and for whoever may share models.
    with api.env.adopt_roles(["Manager"]):
        page = api.content.create(portal, "Document", id="page", title="Page")
    assert shown_on(page) == []
    with api.env.adopt_roles(["Editor"]):
        listed = api.portal.get_tool("portal_actions").listFilteredActionsFor(procedure)
    assert ACTION not in [action["id"] for action in listed["object"]]
    # Once only.
    move_share_action()
    assert list(category.objectIds()).count(ACTION) == 1
    assert len(shown_on(procedure)) == 1


def test_installed_as_a_site_action(procedure):
    fti = api.portal.get_tool("portal_types")["imio.guichet.Procedure"]
    assert ACTION not in [a.getId() for a in fti.listActions()]
    [action] = shown_on(procedure)
    assert action["title"].domain == "imio.guichet"


def test_registered_from_1026(portal):
    setup = api.portal.get_tool("portal_setup")
    steps = setup.listUpgrades("imio.guichet:default", show_old=True)
    flat = [s for step in steps for s in (step if isinstance(step, list) else [step])]
    assert any(s["ssource"] == "1026" and s["sdest"] == "1027" for s in flat)
