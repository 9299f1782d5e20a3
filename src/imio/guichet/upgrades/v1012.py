"""1012: the authority's identity.

- The registry gets the records of the "Guichet: the authority" control
  panel (all empty: the Site Administrator fills them in).
- The control panel gets its entry.
"""

from imio.guichet.authority import IAuthority
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


PROFILE = "profile-imio.guichet:default"


def authority_identity(setup_tool=None) -> None:
    getUtility(IRegistry).registerInterface(IAuthority)
    setup_tool = setup_tool or api.portal.get_tool("portal_setup")
    setup_tool.runImportStepFromProfile(PROFILE, "controlpanel")
