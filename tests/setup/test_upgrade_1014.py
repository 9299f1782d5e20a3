"""Upgrade step 1014: privacy information and the register; procedures
open today stay open."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.authority import IAuthority
from imio.guichet.content.availability import get_availability
from imio.guichet.permissions import ViewProcessingRegister
from imio.guichet.privacy.information import is_legacy_open
from imio.guichet.upgrades.v1014 import privacy_information
from plone import api


def make(portal, item_id, **fields):
    return api.content.create(
        portal, "imio.guichet.Procedure", id=item_id, title=item_id, **fields
    )


def test_upgrade(portal):
    registry = api.portal.get_tool("portal_registry")
    names = [
        f"{IAuthority.__identifier__}.{name}"
        for name in ("privacy_mandatory_default", "security_measures")
    ]
    for name in names:
        del registry.records[name]
    portal.manage_permission(ViewProcessingRegister, (), acquire=False)
    controlpanel = api.portal.get_tool("portal_controlpanel")
    controlpanel.unregisterConfiglet("imio-guichet-register")
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with api.env.adopt_roles(["Manager"]):
        # As 1012 left them: no privacy information.
        open_today = make(portal, "open")
        scheduled = make(portal, "scheduled", opening_date=now + timedelta(days=9))
        closed = make(portal, "closed", submissions_open=False)
        ended = make(portal, "ended", closing_date=now - timedelta(days=1))
    # Deployed, not yet upgraded: the rule is not in force, nothing closes.
    assert get_availability(open_today).is_open

    with api.env.adopt_roles(["Manager"]):
        privacy_information(now=now)

    assert all(name in registry for name in names)
    assert registry[names[0]] == "request"
    roles = {
        role["name"]
        for role in portal.rolesOfPermission(ViewProcessingRegister)
        if role["selected"]
    }
    assert roles == {"Manager", "Site Administrator"}
    actions = {action.getId() for action in controlpanel.listActions()}
    assert "imio-guichet-register" in actions
    # Open today, or by its dates: stays so; closed ones open only complete.
    assert is_legacy_open(open_today) and is_legacy_open(scheduled)
    assert get_availability(open_today).is_open
    assert not is_legacy_open(closed) and not is_legacy_open(ended)
    closed.submissions_open = True
    assert not get_availability(closed).is_open  # opens only complete
    # Once only.
    with api.env.adopt_roles(["Manager"]):
        privacy_information(now=now)
    actions = [action.getId() for action in controlpanel.listActions()]
    assert actions.count("imio-guichet-register") == 1
