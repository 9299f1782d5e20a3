"""The dashboard's figures against a known data set, filed with an
injected clock: requests per week, counts per state, processing times
(median and 90th percentile, filing -> first decision), late and due-soon
requests; the counters kept on filing and on state change equal a full
recount; staff of one procedure see nothing of another's."""

from datetime import date
from datetime import datetime
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from imio.guichet.audit import iter_records
from imio.guichet.caller import Caller
from imio.guichet.caller import REST
from imio.guichet.dashboard.counters import bucket
from imio.guichet.dashboard.counters import get_counters
from imio.guichet.dashboard.counters import recount
from imio.guichet.dashboard.figures import figures_csv
from imio.guichet.dashboard.figures import quantile
from imio.guichet.dashboard.figures import read_figures
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.usecases import dashboard
from plone import api

import csv
import io
import pytest


#: The day the dashboard is read: Wednesday April 29th, 2026.
ON = date(2026, 4, 29)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00").astimezone(UTC)


def move(submission, *steps) -> None:
    """Move ``submission`` through ``(state, day, hour)`` steps, as staff."""
    store = get_store()
    for state, day, hour in steps:
        change_state(
            store,
            submission,
            state,
            user_id="backoffice_x",
            public_message="Votre acte de naissance, svp.",
            now=at(day, hour),
        )


@pytest.fixture
def known(site):
    """Nine requests of x (10 calendar days to decide), one of y."""
    x = site.demarches.x
    x.processing_days = 10
    x.processing_day_kind = "calendar"
    filed = {}
    with api.env.adopt_roles(["Manager"]):
        for name, day, hour in (
            ("old", "2025-01-06", 9),  # more than twelve months ago
            ("a", "2026-03-30", 10),
            ("b", "2026-03-30", 11),
            ("c", "2026-04-01", 10),
            ("late", "2026-04-13", 10),
            ("waiting", "2026-04-14", 10),
            ("soon1", "2026-04-20", 10),
            ("soon2", "2026-04-20", 15),
            ("new", "2026-04-27", 10),
        ):
            filed[name] = submit(x, VALID_DATA, submitter=None, now=at(day, hour))
        filed["y"] = submit(
            site.demarches.y, DEFAULT_FORM_DATA, submitter=None, now=at("2026-04-27")
        )
        move(filed["old"], ("in_progress", "2025-01-06", 10))
        move(filed["old"], ("accepted", "2025-01-08", 9), ("closed", "2025-02-01", 9))
        move(
            filed["a"],
            ("in_progress", "2026-03-30", 12),
            ("accepted", "2026-03-31", 10),
        )
        move(filed["b"], ("received", "2026-03-31", 8), ("rejected", "2026-04-02", 11))
        move(
            filed["c"], ("in_progress", "2026-04-02", 8), ("accepted", "2026-04-11", 10)
        )
        move(filed["late"], ("received", "2026-04-14", 8))
        move(
            filed["waiting"],
            ("in_progress", "2026-04-15", 8),
            ("waiting_citizen", "2026-04-16", 8),
        )
    return filed


def x_uid(site) -> str:
    return api.content.get_uuid(site.demarches.x)


def by_week(figures) -> dict:
    return {monday.isoformat(): n for monday, n in figures.weeks if n}


class TestFigures:
    def test_a_known_data_set(self, site, known):
        figures = read_figures([x_uid(site)], ON)
        assert len(figures.weeks) == 52
        assert figures.weeks[-1][0] == date(2026, 4, 27)  # the current week
        assert figures.weeks[0][0] == date(2025, 5, 5)
        # The filing of January 2025 is older than twelve months.
        assert by_week(figures) == {
            "2026-03-30": 3,
            "2026-04-13": 2,
            "2026-04-20": 2,
            "2026-04-27": 1,
        }
        assert dict(figures.states) == {
            "submitted": 3,
            "received": 1,
            "in_progress": 0,
            "waiting_citizen": 1,
            "accepted": 2,
            "rejected": 1,
            "closed": 1,
            "withdrawn": 0,
        }
        assert figures.total == 9
        # 48 h (old), 24 h (a), 72 h (b), 240 h (c): closing "old" later
        # does not count again.
        assert figures.decided == 4
        assert figures.durations == [(24, 1), (48, 1), (72, 1), (240, 1)]
        assert figures.median_hours == 48
        assert figures.p90_hours == 240
        # Due ten days after filing: "late" (April 23rd) is past its day;
        # soon1 and soon2 (April 30th) are due within two days (today,
        # tomorrow);
        # waiting for the citizen is never late.
        assert figures.late == 1
        assert figures.due_soon == 2

    def test_all_procedures(self, site, known):
        everything = read_figures(None, ON)
        assert everything.total == 10
        assert by_week(everything)["2026-04-27"] == 2

    def test_counters_follow_changes_and_equal_a_recount(self, site, known):
        with api.env.adopt_roles(["Manager"]):
            move(known["new"], ("in_progress", "2026-04-28", 10))
            move(known["new"], ("rejected", "2026-04-29", 10))
            move(known["late"], ("rejected", "2026-04-29", 10))
            submit(site.demarches.x, VALID_DATA, submitter=None, now=at("2026-04-29"))
        figures = read_figures([x_uid(site)], ON)
        assert figures.decided == 6
        # 24, 48, 72, 240, 48 (new), 384 -> bucket of 16 days (late).
        assert figures.durations == [(24, 1), (48, 2), (72, 1), (240, 1), (384, 1)]
        assert figures.median_hours == 48
        assert figures.p90_hours == 384
        assert figures.late == 0
        assert by_week(figures)["2026-04-27"] == 2
        assert dict(figures.states)["rejected"] == 3
        live = {u: figures_of(u) for u in get_counters().uids()}
        recount(get_store())
        assert {u: figures_of(u) for u in get_counters().uids()} == live
        assert read_figures([x_uid(site)], ON) == figures

    def test_buckets_and_quantiles(self):
        assert [bucket(h) for h in (-1, 0, 71, 72, 95, 96, 24 * 366 + 50)] == [
            0,
            0,
            71,
            72,
            72,
            96,
            52 * 168,  # past a year: by the week
        ]
        assert quantile([], 0.5) is None
        assert quantile([(1, 9), (100, 1)], 0.9) == 1
        assert quantile([(1, 9), (100, 1)], 0.91) == 100

    def test_csv(self, site, known):
        rows = list(csv.reader(io.StringIO(figures_csv(read_figures(None, ON)))))
        assert rows[0] == ["table", "item", "value"]
        assert ["week", "2026-04-27", "2"] in rows
        assert ["state", "submitted", "4"] in rows
        assert ["processing", "median_hours", "48"] in rows
        assert ["processing", "p90_hours", "240"] in rows
        assert ["due", "late", "1"] in rows
        assert len(rows) == 1 + 52 + 8 + 3 + 4 + 2


def figures_of(uid: str) -> tuple:
    counters = get_counters().of(uid)
    return (
        {k: v() for k, v in counters.weeks.items()},
        {k: v() for k, v in counters.durations.items()},
        counters.decided(),
    )


def caller(who: str) -> Caller:
    return Caller(user_id=who, channel=REST)


class TestScope:
    def test_staff_of_x_see_nothing_of_y(self, site, known):
        with api.env.adopt_user(username="backoffice_x"):
            mine = dashboard.read_dashboard(caller("backoffice_x"), on=ON)
            with pytest.raises(Forbidden):
                dashboard.read_dashboard(
                    caller("backoffice_x"),
                    within=api.content.get_uuid(site.demarches.y),
                )
        assert mine.procedures == [x_uid(site)]
        assert mine.figures == read_figures([x_uid(site)], ON)
        with api.env.adopt_user(username="backoffice_y"):
            theirs = dashboard.read_dashboard(caller("backoffice_y"), on=ON)
        assert theirs.figures.total == 1
        assert theirs.figures.decided == 0

    def test_refused_without_the_permission(self, site, known):
        with api.env.adopt_user(username="citizen_a"), pytest.raises(Forbidden):
            dashboard.read_dashboard(caller("citizen_a"))
        with pytest.raises(LoginRequired):
            dashboard.read_dashboard(Caller(user_id=None, channel=REST))

    def test_a_read_is_in_the_journal(self, site, known):
        with api.env.adopt_user(username="backoffice_x"):
            dashboard.dashboard_csv(caller("backoffice_x"), within=x_uid(site))
        records = [r for r in iter_records() if r["action"] == "dashboard"]
        assert len(records) == 1
        assert records[0]["actor"] == "backoffice_x"
        assert records[0]["details"] == {"format": "csv", "procedure": x_uid(site)}
