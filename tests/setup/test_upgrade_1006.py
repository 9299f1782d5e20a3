"""Upgrade step 1006: a store made before gets its due-date indexes, filled
with every stored submission, so that a listing by due date skips none;
the step is registered from 1005 to the profile's version."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import list_submissions
from imio.guichet.submissions.api import submit
from imio.guichet.upgrades.v1006 import assignment_and_due_dates
from plone import api


def test_upgrade(portal, procedure):
    with api.env.adopt_roles(["Manager"]):
        filed = [
            submit(
                procedure,
                VALID_DATA,
                submitter=None,
                now=datetime(2026, 3, day, tzinfo=UTC),
            )
            for day in (1, 2, 3)
        ]
        store = get_store()
        del store._due_indexes  # as the store of a site at 1005
        assignment_and_due_dates()
        page = list_submissions(sort_on="due", limit=10)
    assert page.items == filed  # no due date: by filing
    # Run again (a second upgrade run): nothing changes.
    with api.env.adopt_roles(["Manager"]):
        assignment_and_due_dates()
        assert list_submissions(sort_on="due", limit=10).items == filed


def test_registered(portal):
    setup = api.portal.get_tool("portal_setup")
    steps = setup.listUpgrades("imio.guichet:default", show_old=True)
    flat = [s for step in steps for s in (step if isinstance(step, list) else [step])]
    assert any(step["ssource"] == "1005" and step["sdest"] == "1006" for step in flat)
