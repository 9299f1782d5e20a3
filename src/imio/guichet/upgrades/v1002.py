"""1002: the online form becomes the ``imio.guichet.online_form`` behavior.

What changed for existing sites, and only that (a full ``typeinfo`` or
``actions`` import would undo a site's own settings): the Procedure type
lists the behavior, the staff actions test the behavior's marker instead of
the portal type, and the catalog learns that procedures provide the marker,
since views, services and listings find them by it. The values stay where
they were, attributes of each procedure.
"""

from imio.guichet.content.behaviors import BEHAVIOR_NAME
from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.content.procedure import IProcedure
from imio.guichet.content.procedure import PROCEDURE_TYPE
from plone import api

import logging


logger = logging.getLogger(__name__)

#: The condition of the staff actions, as profiles/default/actions.xml has it.
HAS_ONLINE_FORM = (
    "python:object.restrictedTraverse('@@plone_interface_info')"
    ".provides('imio.guichet.content.behaviors.IHasOnlineForm')"
)
STAFF_ACTIONS = ("guichet-procedure-requests", "guichet-form-fields")


def online_form_behavior(setup_tool) -> None:
    fti = api.portal.get_tool("portal_types").get(PROCEDURE_TYPE)
    if fti is not None and BEHAVIOR_NAME not in fti.behaviors:
        fti.manage_changeProperties(behaviors=(*fti.behaviors, BEHAVIOR_NAME))
    category = api.portal.get_tool("portal_actions").get("object")
    for action_id in STAFF_ACTIONS:
        if category is not None and action_id in category.objectIds():
            category[action_id].manage_changeProperties(available_expr=HAS_ONLINE_FORM)
    index_online_forms()


def index_online_forms() -> None:
    """Reindex ``object_provides`` of the procedures made before 1002."""
    catalog = api.portal.get_tool("portal_catalog")
    count = 0
    for brain in catalog.unrestrictedSearchResults(
        object_provides=IProcedure.__identifier__
    ):
        procedure = brain._unrestrictedGetObject()
        if IHasOnlineForm.providedBy(procedure):
            procedure.reindexObject(idxs=["object_provides"])
            count += 1
    logger.info("Indexed %d procedures as content with an online form", count)
