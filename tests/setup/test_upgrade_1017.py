"""Upgrade step 1017: the dashboard's counters, counted from the requests
filed before them, then kept by the submission events."""

from datetime import date
from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.dashboard.counters import DASHBOARD_KEY
from imio.guichet.dashboard.counters import get_counters
from imio.guichet.dashboard.figures import read_figures
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.upgrades.v1017 import count_for_the_dashboard
from plone import api
from zope.annotation.interfaces import IAnnotations


def test_upgrade(procedure, portal):
    uid = api.content.get_uuid(procedure)
    with api.env.adopt_roles(["Manager"]):
        filed = [
            submit(
                procedure,
                VALID_DATA,
                submitter=None,
                now=datetime(2026, 3, day, 9, tzinfo=UTC),
            )
            for day in (2, 3, 10)
        ]
        store = get_store()
        change_state(
            store,
            filed[0],
            "in_progress",
            user_id="x",
            now=datetime(2026, 3, 2, 10, tzinfo=UTC),
        )
        change_state(
            store,
            filed[0],
            "accepted",
            user_id="x",
            now=datetime(2026, 3, 4, 9, tzinfo=UTC),
        )
    # A site of 1012: no counters.
    del IAnnotations(portal)[DASHBOARD_KEY]
    assert get_counters() is None

    count_for_the_dashboard()

    figures = read_figures([uid], date(2026, 3, 11))
    assert [(str(week), n) for week, n in figures.weeks if n] == [
        ("2026-03-02", 2),
        ("2026-03-09", 1),
    ]
    assert figures.durations == [(48, 1)]
    # Kept up to date afterwards.
    with api.env.adopt_roles(["Manager"]):
        submit(
            procedure, VALID_DATA, submitter=None, now=datetime(2026, 3, 11, tzinfo=UTC)
        )
    assert read_figures([uid], date(2026, 3, 11)).weeks[-1][1] == 2
    # Run again: the same counts, not twice.
    count_for_the_dashboard()
    assert read_figures([uid], date(2026, 3, 11)).weeks[-1][1] == 2
