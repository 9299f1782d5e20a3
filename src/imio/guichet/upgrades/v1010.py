"""1010: login with OpenID Connect, and procedures that require a verified
identity.

- The settings of the identity provider (registry, no provider: a site
  configures its own) and their control panel *Guichet: identification of
  citizens*.
- The store of verified identities is made now rather than by the first
  OpenID login. Procedures need nothing: ``require_verified_identity``
  reads as its default (False) until set.
"""

from imio.guichet.identities import get_verified_store
from imio.guichet.oidc.settings import IOpenIDSettings
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


CONFIGLET = "imio-guichet-identity"


def openid_connect(setup_tool=None) -> None:
    getUtility(IRegistry).registerInterface(IOpenIDSettings)
    add_configlet()
    get_verified_store(create=True)


def add_configlet() -> None:
    """The control panel's entry, as controlpanel.xml makes it (the whole
    file is not imported again: it would undo a site's own changes)."""
    tool = api.portal.get_tool("portal_controlpanel")
    if CONFIGLET in [action.id for action in tool.listActions()]:
        return
    tool.registerConfiglet(
        id=CONFIGLET,
        name="Guichet: identification of citizens",
        action="string:${portal_url}/@@guichet-identity-settings",
        permission="Manage portal",
        category="plone-general",
        appId="imio.guichet",
        icon_expr="string:person-badge",
    )
