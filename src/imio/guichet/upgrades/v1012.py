"""1012: the authority's identity and procedure models.

- The registry gets the records of the "Guichet: the authority" control
  panel (all empty: the Site Administrator fills them in) and the list of
  catalogues of models (empty); Site Administrators are given the
  permission to share procedure models.
- The control panel gets the entries of both; procedures get their
  "Share as a model" action.
"""

from imio.guichet.authority import IAuthority
from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.models.settings import IModelSettings
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


PROFILE = "profile-imio.guichet:default"
SHARE_ACTION = "guichet-share-model"


def authority_identity(setup_tool=None) -> None:
    registry = getUtility(IRegistry)
    registry.registerInterface(IAuthority)
    registry.registerInterface(IModelSettings)
    setup_tool = setup_tool or api.portal.get_tool("portal_setup")
    setup_tool.runImportStepFromProfile(PROFILE, "controlpanel")
    setup_tool.runImportStepFromProfile(PROFILE, "rolemap")
    add_share_action()


def add_share_action() -> None:
    """The Procedure type's "Share as a model" action, alone (a full
    ``typeinfo`` import would undo the site's own changes to the type)."""
    fti = api.portal.get_tool("portal_types").get(PROCEDURE_TYPE)
    if fti is None or fti.getActionObject(f"object/{SHARE_ACTION}") is not None:
        return
    fti.addAction(
        SHARE_ACTION,
        "Share as a model",
        "string:${object_url}/@@guichet-share-model",
        "",
        "imio.guichet: Share procedure models",
        "object",
        True,
    )
