"""1018: the e-mails a procedure's webmasters write.

Procedures get their "E-mails" action (``@@guichet-emails``), added alone:
a full ``actions`` import would undo the site's own changes to its
actions. Templates are stored on each procedure when a webmaster saves
one (an annotation): nothing stored moves.
"""

from plone import api
from Products.CMFCore.ActionInformation import Action


ACTION = "guichet-emails"
HAS_ONLINE_FORM = "imio.guichet.content.behaviors.IHasOnlineForm"


def add_emails_action(setup_tool=None) -> None:
    category = api.portal.get_tool("portal_actions").get("object")
    if category is None or ACTION in category.objectIds():
        return
    category._setObject(
        ACTION,
        Action(
            ACTION,
            title="E-mails",
            description="The e-mails this procedure sends, as you write them",
            i18n_domain="imio.guichet",
            url_expr="string:${object_url}/@@guichet-emails",
            icon_expr="",
            available_expr="python:object.restrictedTraverse("
            f"'@@plone_interface_info').provides('{HAS_ONLINE_FORM}')",
            permissions=("Modify portal content",),
            visible=True,
        ),
    )
