"""Assignment and due dates, through the use cases called with a Caller:
who may be assigned (the handlers of the procedure), the history and the
audit trail, due dates in working days (Belgian public holidays), the
filters "assigned to", "overdue", "due before", and listings sorted by
due date or state read page by page with their cursors."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from imio.guichet.audit import iter_records
from imio.guichet.caller import Caller
from imio.guichet.caller import REST
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidAssignee
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import StaleVersion
from imio.guichet.errors import VersionRequired
from imio.guichet.submissions import handling
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.due import add_days
from imio.guichet.submissions.due import lateness
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.query import ListingQuery
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.upgrades.v1006 import assignment_and_due_dates
from imio.guichet.usecases import staff
from plone import api

import pytest
import transaction


#: Friday April 3rd, 2026: Easter Monday (April 6th) is a public holiday.
GOOD_FRIDAY = datetime(2026, 4, 3, 10, tzinfo=UTC)


def as_user(who: str) -> Caller:
    return Caller(user_id=who, channel=REST)


def listed(who: str, **params) -> list:
    """Every submission ``who`` lists with these parameters, page by page
    (pages of 2), following the cursors."""
    found, cursor = [], None
    with api.env.adopt_user(username=who):
        while True:
            query = {**params, "limit": "2"}
            if cursor:
                query["cursor"] = cursor
            page = staff.list_submissions(as_user(who), ListingQuery.parse(query))
            found.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return found


def with_delay(procedure, days: int, kind: str = "working") -> None:
    procedure.processing_days = days
    procedure.processing_day_kind = kind


class TestDueDates:
    def test_working_days_skip_the_weekend_and_public_holidays(self):
        start = GOOD_FRIDAY.date()
        # Saturday, Sunday (Easter) and Easter Monday do not count.
        assert add_days(start, 1) == date(2026, 4, 7)
        assert add_days(start, 2) == date(2026, 4, 8)
        assert add_days(start, 2, "calendar") == date(2026, 4, 5)
        # Labour Day (Friday May 1st, 2026), then the weekend.
        assert add_days(date(2026, 4, 30), 1) == date(2026, 5, 4)

    def test_filed_on_a_friday_before_a_public_holiday(self, site):
        x = site.demarches.x
        with api.env.adopt_roles(["Manager"]):
            with_delay(x, 2)
            working = submit(x, VALID_DATA, submitter=None, now=GOOD_FRIDAY)
            with_delay(x, 2, "calendar")
            calendar = submit(x, VALID_DATA, submitter=None, now=GOOD_FRIDAY)
            with_delay(site.demarches.y, None)
            none = submit(site.demarches.y, DEFAULT_FORM_DATA, submitter=None)
        assert working.due == date(2026, 4, 8)
        assert calendar.due == date(2026, 4, 5)
        assert none.due is None

    def test_the_citizens_answer_starts_the_delay_again(self, site):
        x = site.demarches.x
        with api.env.adopt_roles(["Manager"]):
            with_delay(x, 10, "calendar")
            submission = submit(x, VALID_DATA, submitter=None, now=GOOD_FRIDAY)
            store = get_store()
            for state in ("in_progress", "waiting_citizen"):
                handling.update_state(
                    submission,
                    state,
                    seen_etag=etag(submission),
                    user_id="backoffice_x",
                    public_message="Your birth date, please.",
                )
            handling.reply_as_citizen(
                submission, "1990-01-01", seen_etag=etag(submission), user_id=None
            )
        expected = datetime.now(UTC).date() + timedelta(days=10)
        assert abs((submission.due - expected).days) <= 1  # the site's day
        # The due-date indexes follow: it is listed once, at its new date.
        entries = list(store.iter_due(None, [None], None))
        assert entries == [(submission.due.toordinal(), submission.key)]

    def test_late_and_due_soon(self):
        today = date(2026, 4, 8)
        assert lateness("in_progress", date(2026, 4, 7), today) == "late"
        assert lateness("received", today, today) == "due_soon"
        assert lateness("received", date(2026, 4, 9), today) == "due_soon"
        assert lateness("received", date(2026, 4, 10), today) is None
        # Waiting for the citizen, or decided: never late.
        assert lateness("waiting_citizen", date(2026, 4, 1), today) is None
        assert lateness("accepted", date(2026, 4, 1), today) is None
        assert lateness("received", None, today) is None


@pytest.fixture
def filed(site):
    """Five requests of X with due dates (two late), one of Y."""
    x, y = site.demarches.x, site.demarches.y
    result = {}
    with api.env.adopt_roles(["Manager"]):
        with_delay(x, 5, "calendar")
        now = datetime.now(UTC)
        for name, days_ago in (("a", 20), ("b", 3), ("c", 12), ("d", 1), ("e", 8)):
            result[name] = submit(
                x, VALID_DATA, submitter=None, now=now - timedelta(days=days_ago)
            )
        result["y"] = submit(y, DEFAULT_FORM_DATA, submitter=None)
        # c is late but waits for the citizen: not overdue.
        for state in ("in_progress", "waiting_citizen"):
            handling.update_state(
                result["c"],
                state,
                seen_etag=etag(result["c"]),
                user_id="siteadmin",
                public_message="?",
            )
    transaction.commit()
    return result


class TestAssignment:
    def test_assign_reassign_unassign(self, site, filed):
        caller = as_user("backoffice_x")
        submission = filed["a"]
        with api.env.adopt_user(username="backoffice_x"):
            assert staff.assignable(caller, submission) == ["backoffice_x"]
            staff.assign(
                caller, submission.id, "backoffice_x", seen_etag=etag(submission)
            )
            assert submission.assignee == "backoffice_x"
            with pytest.raises(StaleVersion):
                staff.assign(caller, submission.id, None, seen_etag='"old"')
            with pytest.raises(VersionRequired):
                staff.assign(caller, submission.id, None, seen_etag=None)
            staff.assign(caller, submission.id, "", seen_etag=etag(submission))
        assert submission.assignee is None
        events = [e for e in submission.history if "assign" in e["action"]]
        assert [
            (e["action"], e["actor"], e["from_assignee"], e["to_assignee"])
            for e in events
        ] == [
            ("assign", "backoffice_x", None, "backoffice_x"),
            ("unassign", "backoffice_x", "backoffice_x", None),
        ]
        assert [
            (r["action"], r["submissions"], r["details"])
            for r in iter_records()
            if r["action"] == "assign"
        ] == [
            ("assign", [submission.id], {"from": None, "to": "backoffice_x"}),
            ("assign", [submission.id], {"from": "backoffice_x", "to": None}),
        ]

    @pytest.mark.parametrize("who", ["backoffice_y", "siteadmin", "nobody", 12])
    def test_only_a_handler_of_the_procedure(self, site, filed, who):
        submission = filed["a"]
        caller = as_user("siteadmin")
        with (
            api.env.adopt_user(username="siteadmin"),
            pytest.raises(InvalidAssignee) as refused,
        ):
            staff.assign(caller, submission.id, who, seen_etag=etag(submission))
        assert refused.value.status == 400
        assert [f.field for f in refused.value.fields] == ["assignee"]
        assert submission.assignee is None and submission.revision == 1

    def test_who_may_not_manage_may_not_assign(self, site, filed):
        submission = filed["a"]
        with api.env.adopt_user(username="backoffice_y"), pytest.raises(Forbidden):
            staff.assign(
                as_user("backoffice_y"),
                submission.id,
                "backoffice_y",
                seen_etag=etag(submission),
            )

    def test_a_group_handles_a_folder_of_procedures(self, site, filed):
        with api.env.adopt_roles(["Manager"]):
            api.group.create(groupname="etat-civil", title="État civil")
            api.group.add_user(groupname="etat-civil", username="citizen_b")
            api.group.grant_roles(
                groupname="etat-civil", obj=site.demarches, roles=["GuichetBackOffice"]
            )
        transaction.commit()
        submission = filed["b"]
        caller = as_user("backoffice_x")
        with api.env.adopt_user(username="backoffice_x"):
            assert "etat-civil" in staff.assignable(caller, submission)
            staff.assign(
                caller, submission.id, "etat-civil", seen_etag=etag(submission)
            )
        transaction.commit()
        # "Mes dossiers" of a member of the group.
        assert listed("citizen_b", assignee="me") == [submission]
        assert listed("backoffice_x", assignee="me") == []
        assert listed("backoffice_x", assignee="etat-civil") == [submission]

    def test_assigned_to_me_by_state(self, site, filed):
        caller = as_user("backoffice_x")
        with api.env.adopt_user(username="backoffice_x"):
            for name in ("a", "c", "e"):
                submission = filed[name]
                staff.assign(
                    caller, submission.id, "backoffice_x", seen_etag=etag(submission)
                )
        transaction.commit()
        mine = listed("backoffice_x", assignee="me")
        assert mine == [filed["a"], filed["c"], filed["e"]]
        assert listed("backoffice_x", assignee="me", state="waiting_citizen") == [
            filed["c"]
        ]
        assert listed("backoffice_x", assignee="me", sort_on="due") == [
            filed["a"],
            filed["c"],
            filed["e"],
        ]
        # Y's staff see none of X's requests, assigned or not.
        assert listed("siteadmin", assignee="backoffice_x") == mine
        with api.env.adopt_user(username="backoffice_y"):
            page = staff.list_submissions(
                as_user("backoffice_y"),
                ListingQuery.parse({"assignee": "backoffice_x"}),
            )
        assert page.items == []


class TestListings:
    def test_overdue_and_due_before(self, site, filed):
        # Due 5 days after filing: a (20 days ago) and e (8 days ago) are
        # late; c too, but it waits for the citizen.
        assert listed("backoffice_x", overdue="true") == [filed["a"], filed["e"]]
        # Due before the day after tomorrow: every one but d (due in 4 days).
        soon = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
        assert listed("backoffice_x", due_before=soon) == [
            filed["a"],
            filed["c"],
            filed["e"],
            filed["b"],
        ]
        assert listed("backoffice_x", overdue="true", sort_order="descending") == [
            filed["e"],
            filed["a"],
        ]
        assert listed("backoffice_x", overdue="true", state="received") == []

    @pytest.mark.parametrize("order", ["ascending", "descending"])
    @pytest.mark.parametrize("sort_on", ["created", "due", "state"])
    def test_sorting_pages_skip_and_repeat_nothing(self, site, filed, sort_on, order):
        found = listed("siteadmin", sort_on=sort_on, sort_order=order)
        assert len(found) == len({s.id for s in found}) == 6
        if sort_on == "created":
            keys = [s.key for s in found]
        elif sort_on == "due":
            keys = [(s.due or date.max, s.key) for s in found]
        else:
            states = ["submitted", "received", "in_progress", "waiting_citizen"]
            keys = [(states.index(s.state), s.key) for s in found]
        assert keys == sorted(keys, reverse=order == "descending")

    def test_the_state_order(self, site, filed):
        found = listed("backoffice_x", sort_on="state")
        assert found[-1] == filed["c"]  # waiting for the citizen comes last
        assert [s.state for s in found[:-1]] == ["submitted"] * 4

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"sort_on": "name"}, "sort_on"),
            ({"overdue": "yes"}, "overdue"),
            ({"overdue": "true", "sort_on": "created"}, "sort_on"),
            ({"due_before": "2026-13-01"}, "due_before"),
            ({"sort_on": "due", "from": "2026-01-01"}, "from"),
            ({"acknowledged": "false", "assignee": "me"}, "acknowledged"),
        ],
    )
    def test_refused(self, params, field):
        with pytest.raises(InvalidQuery) as refused:
            ListingQuery.parse(params)
        assert field in [f.field for f in refused.value.fields]

    def test_a_cursor_of_another_order_is_refused(self, site, filed):
        with api.env.adopt_user(username="siteadmin"):
            page = staff.list_submissions(
                as_user("siteadmin"),
                ListingQuery.parse({"limit": "2", "sort_on": "due"}),
            )
        with pytest.raises(InvalidQuery) as refused:
            ListingQuery.parse({"cursor": page.next_cursor, "sort_on": "state"})
        assert [f.field for f in refused.value.fields] == ["cursor"]


def test_upgrade_indexes_what_was_stored_by_due_date(site, filed):
    store = get_store()
    del store._due_indexes  # as a store made before 1006
    assert not hasattr(store, "_due_indexes")
    assignment_and_due_dates()
    # None of them has a due date in a store made before: they all sort
    # after every day, here by creation.
    assert isinstance(store, SubmissionStore)
    assert len(list(store.iter_due(None, [None], None))) == 6
    assert len(listed("siteadmin", sort_on="due")) == 6


def test_an_assignment_shows_in_the_change_feed(site, filed):
    from imio.guichet.submissions.api import feed_submissions

    everything = feed_submissions(since="0", limit=100)
    submission = filed["b"]
    with api.env.adopt_user(username="backoffice_x"):
        staff.assign(
            as_user("backoffice_x"),
            submission.id,
            "backoffice_x",
            seen_etag=etag(submission),
        )
    transaction.commit()
    changed = feed_submissions(since=everything.resume_cursor, limit=100)
    assert changed.items == [submission]
