"""1002: the online form becomes the ``imio.guichet.online_form`` behavior.

The Procedure type's FTI lists the behavior (imported by the profile's
``typeinfo`` step, with the staff actions that now test the behavior's
marker). The values stay where they were, attributes of each procedure;
only the catalog must learn that procedures provide the marker, since
views, services and listings find them by it.
"""

from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.content.procedure import IProcedure
from plone import api

import logging


logger = logging.getLogger(__name__)


def index_online_forms(setup_tool) -> None:
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
