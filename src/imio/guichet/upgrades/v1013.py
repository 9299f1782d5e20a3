"""1013: retention of personal data.

- The registry gets the site's retention (of requests, of the audit
  trail) and the control panel its entry; the Procedure type its
  "Retention" behavior.
- The permissions "Erase submissions" and "Place legal hold" are given to
  their roles (alone: a full rolemap import would undo a site's changes).
- The submission store gets its tree of tombstones; the site the schedule
  of its daily purge.
- Webhook subscriptions that asked for every event get the new ones (a
  back office keeping copies must learn of their erasure).
"""

from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.retention.settings import IRetentionSettings
from imio.guichet.retention.worker import get_schedule
from imio.guichet.storage import IntToObject
from imio.guichet.storage import ShardedMap
from imio.guichet.submissions.api import get_store
from imio.guichet.webhooks.registry import EVENT_TYPES
from imio.guichet.webhooks.registry import get_registry
from imio.guichet.webhooks.registry import SUBMISSION_ANONYMISED
from imio.guichet.webhooks.registry import SUBMISSION_DELETED
from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


PROFILE = "profile-imio.guichet:default"
BEHAVIOR = "imio.guichet.retention"
ROLES = {
    "imio.guichet: Erase submissions": ("Manager", "Site Administrator"),
    "imio.guichet: Place legal hold": (
        "Manager",
        "Site Administrator",
        "GuichetBackOffice",
    ),
}
ERASURES = (SUBMISSION_ANONYMISED, SUBMISSION_DELETED)


def retention(setup_tool=None) -> None:
    getUtility(IRegistry).registerInterface(IRetentionSettings)
    setup_tool = setup_tool or api.portal.get_tool("portal_setup")
    setup_tool.runImportStepFromProfile(PROFILE, "controlpanel")
    site = api.portal.get()
    for permission, roles in ROLES.items():
        site.manage_permission(permission, roles=list(roles), acquire=True)
    fti = api.portal.get_tool("portal_types").get(PROCEDURE_TYPE)
    if fti is not None and BEHAVIOR not in fti.behaviors:
        fti.behaviors = (*fti.behaviors, BEHAVIOR)
    store = get_store()
    if store is not None and getattr(store, "_tombstones", None) is None:
        store._tombstones = ShardedMap(tree=IntToObject)
    get_schedule(site, create=True)
    registry = get_registry(site)
    if registry is not None:
        earlier = set(EVENT_TYPES) - set(ERASURES)
        for subscription in registry.subscriptions.values():
            if earlier <= set(subscription.event_types):
                subscription.event_types = (
                    *subscription.event_types,
                    *(t for t in ERASURES if t not in subscription.event_types),
                )
