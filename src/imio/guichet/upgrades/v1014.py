"""1014: privacy information of procedures, and the register of
processing activities.

- The authority's new records (the default of "must citizens provide the
  data", the security measures) are added to the registry.
- Site Administrators are given the permission to read the register, and
  the control panel its entry.
- Procedures whose form takes submissions today, or will by its dates,
  keep doing so although their privacy information is empty: they are
  marked :data:`~imio.guichet.privacy.information.LEGACY_OPEN` (their
  editors see what is missing; closed once, they open again only
  complete). Nothing else of them changes.
"""

from datetime import datetime
from datetime import UTC
from imio.guichet.authority import IAuthority
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.permissions import ViewProcessingRegister
from imio.guichet.privacy.information import LEGACY_OPEN
from imio.guichet.privacy.information import missing_information
from imio.guichet.timezones import in_site_time
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


CONFIGLET = "imio-guichet-register"
ROLES = ("Manager", "Site Administrator")


def privacy_information(setup_tool=None, now: datetime | None = None) -> None:
    getUtility(IRegistry).registerInterface(IAuthority)
    portal = api.portal.get()
    # This permission alone: a full rolemap import would undo a site's
    # own settings of the others.
    portal.manage_permission(ViewProcessingRegister, ROLES, acquire=True)
    add_configlet()
    keep_open_procedures_open(now or datetime.now(UTC))


def add_configlet() -> None:
    tool = api.portal.get_tool("portal_controlpanel")
    if CONFIGLET in [action.id for action in tool.listActions()]:
        return
    tool.registerConfiglet(
        id=CONFIGLET,
        name="Guichet: register of processing activities",
        action="string:${portal_url}/@@guichet-register",
        permission=ViewProcessingRegister,
        category="plone-general",
        appId="imio.guichet",
        icon_expr="string:shield-lock",
    )


def keep_open_procedures_open(now: datetime) -> int:
    """Mark the procedures open (or opening by their dates) whose privacy
    information is incomplete; how many were marked."""
    marked = 0
    for brain in find_online_forms():
        procedure = brain._unrestrictedGetObject()
        if not getattr(procedure, "submissions_open", False):
            continue
        closing = getattr(procedure, "closing_date", None)
        if closing and now >= in_site_time(closing):
            continue
        if missing_information(procedure):
            setattr(procedure, LEGACY_OPEN, True)
            marked += 1
    return marked
