"""Upgrade step 1013: retention of personal data."""

from datetime import datetime
from datetime import UTC
from imio.guichet.retention.policy import retention_of
from imio.guichet.retention.settings import IRetentionSettings
from imio.guichet.retention.worker import get_schedule
from imio.guichet.retention.worker import SCHEDULE_KEY
from imio.guichet.submissions.api import get_store
from imio.guichet.upgrades.v1013 import retention
from imio.guichet.webhooks.registry import get_registry
from imio.guichet.webhooks.registry import SUBMISSION_ANONYMISED
from imio.guichet.webhooks.registry import SUBMISSION_CREATED
from imio.guichet.webhooks.registry import SUBMISSION_DELETED
from imio.guichet.webhooks.registry import SUBMISSION_MESSAGE
from imio.guichet.webhooks.registry import SUBMISSION_STATE_CHANGED
from imio.guichet.webhooks.registry import Subscription
from imio.guichet.webhooks.registry import WebhookRegistry
from plone import api
from zope.annotation.interfaces import IAnnotations


def test_upgrade(portal):
    registry = api.portal.get_tool("portal_registry")
    names = [f"{IRetentionSettings.__identifier__}.{n}" for n in IRetentionSettings]
    for name in names:
        del registry.records[name]
    controlpanel = api.portal.get_tool("portal_controlpanel")
    controlpanel.unregisterConfiglet("imio-guichet-retention")
    for permission in (
        "imio.guichet: Erase submissions",
        "imio.guichet: Place legal hold",
    ):
        portal.manage_permission(permission, roles=[], acquire=False)
    fti = api.portal.get_tool("portal_types")["imio.guichet.Procedure"]
    fti.behaviors = tuple(b for b in fti.behaviors if b != "imio.guichet.retention")
    del get_store()._tombstones
    del IAnnotations(portal)[SCHEDULE_KEY]
    webhooks = get_registry(portal)
    if webhooks is None:
        webhooks = IAnnotations(portal)["imio.guichet.webhooks"] = WebhookRegistry()
    everything = (SUBMISSION_CREATED, SUBMISSION_STATE_CHANGED, SUBMISSION_MESSAGE)
    now = datetime.now(UTC)
    every, some = (
        Subscription(
            procedure_uid="p",
            url="https://bo.example.org/hook",
            event_types=types,
            created_by="admin",
            now=now,
        )
        for types in (everything, (SUBMISSION_CREATED,))
    )
    webhooks.add_subscription(every)
    webhooks.add_subscription(some)
    # Before it, the policy reads the defaults rather than failing.
    assert retention_of(None).days == 1825

    with api.env.adopt_roles(["Manager"]):
        retention()

    assert all(name in registry for name in names)
    assert "imio-guichet-retention" in {a.getId() for a in controlpanel.listActions()}
    assert "imio.guichet.retention" in fti.behaviors
    roles = {
        r["name"]
        for r in portal.rolesOfPermission("imio.guichet: Place legal hold")
        if r["selected"]
    }
    assert roles == {"Manager", "Site Administrator", "GuichetBackOffice"}
    assert get_store()._tombstones is not None
    assert get_schedule(portal).next_run.hour == 3  # the next night
    assert every.event_types == (*everything, SUBMISSION_ANONYMISED, SUBMISSION_DELETED)
    assert some.event_types == (SUBMISSION_CREATED,)
    # Once only.
    with api.env.adopt_roles(["Manager"]):
        retention()
    assert list(fti.behaviors).count("imio.guichet.retention") == 1
    assert len(every.event_types) == 5
