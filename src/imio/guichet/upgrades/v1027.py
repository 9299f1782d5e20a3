"""1027: "Share as a model" in the page's language.

Plone's toolbar translates a type's actions in the ``plone`` domain, where
the guichet's "Share as a model" is not: the action moves from the
Procedure type to the site's object actions (``actions.xml``), in the
``imio.guichet`` domain, shown on procedures to whoever may share models
as before. Added alone: a full ``actions`` import would undo the site's
own changes to its actions.
"""

from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.upgrades.v1012 import SHARE_ACTION
from plone import api
from Products.CMFCore.ActionInformation import Action


def move_share_action(setup_tool=None) -> None:
    fti = api.portal.get_tool("portal_types").get(PROCEDURE_TYPE)
    if fti is not None:
        ids = [action.getId() for action in fti.listActions()]
        if SHARE_ACTION in ids:
            fti.deleteActions([ids.index(SHARE_ACTION)])
    category = api.portal.get_tool("portal_actions").get("object")
    if category is None or SHARE_ACTION in category.objectIds():
        return
    category._setObject(
        SHARE_ACTION,
        Action(
            SHARE_ACTION,
            title="Share as a model",
            description="",
            i18n_domain="imio.guichet",
            url_expr="string:${object_url}/@@guichet-share-model",
            icon_expr="",
            available_expr=f"python:object.portal_type == '{PROCEDURE_TYPE}'",
            permissions=("imio.guichet: Share procedure models",),
            visible=True,
        ),
    )
