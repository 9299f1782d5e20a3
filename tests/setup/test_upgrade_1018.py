"""Upgrade step 1018: the procedures' "E-mails" action."""

from imio.guichet.upgrades.v1018 import add_emails_action
from plone import api


def test_upgrade(portal, procedure):
    category = api.portal.get_tool("portal_actions")["object"]
    category.manage_delObjects(["guichet-emails"])
    with api.env.adopt_roles(["Manager"]):
        listed = api.portal.get_tool("portal_actions").listFilteredActionsFor(procedure)
    assert "guichet-emails" not in [a["id"] for a in listed["object"]]

    with api.env.adopt_roles(["Manager"]):
        add_emails_action()
        listed = api.portal.get_tool("portal_actions").listFilteredActionsFor(procedure)
    [action] = [a for a in listed["object"] if a["id"] == "guichet-emails"]
    assert action["url"] == f"{procedure.absolute_url()}/@@guichet-emails"
    # Not on content without the online form.
    with api.env.adopt_roles(["Manager"]):
        page = api.content.create(portal, "Document", id="page", title="Page")
        listed = api.portal.get_tool("portal_actions").listFilteredActionsFor(page)
    assert "guichet-emails" not in [a["id"] for a in listed["object"]]
    # Once only.
    with api.env.adopt_roles(["Manager"]):
        add_emails_action()
    assert list(category.objectIds()).count("guichet-emails") == 1
