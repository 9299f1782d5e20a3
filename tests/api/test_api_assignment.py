"""REST API: assign a request (PATCH @submissions/{id} with "assignee"),
list what is assigned, late or due before a day, sorted by filing, due
date or state with the cursor going on page after page."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.openapi import conforms
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from plone import api

import pytest
import transaction


@pytest.fixture
def filed(site):
    """Five requests of X (a 3-day delay: two are late), two of Y."""
    x, y = site.demarches.x, site.demarches.y
    now = datetime.now(UTC)
    ids = {}
    with api.env.adopt_roles(["Manager"]):
        x.processing_days = 3
        x.processing_day_kind = "calendar"
        for name, days_ago in (("a", 10), ("b", 1), ("c", 7), ("d", 0), ("e", 2)):
            ids[name] = submit(
                x, VALID_DATA, submitter=None, now=now - timedelta(days=days_ago)
            ).id
        for name in ("y1", "y2"):
            ids[name] = submit(y, DEFAULT_FORM_DATA, submitter=None).id
    transaction.commit()
    return ids


def read(session, submission_id):
    response = session.get(f"@submissions/{submission_id}")
    return response.json(), response.headers["ETag"]


def assign(session, submission_id, assignee, etag):
    return session.patch(
        f"@submissions/{submission_id}",
        json={"assignee": assignee},
        headers={"If-Match": etag},
    )


def every_page(session, path, **params) -> list[str]:
    """The ids of every page, following ``next``."""
    ids = []
    response = session.get(path, params={**params, "limit": 2})
    while True:
        assert response.status_code == 200, response.text
        answer = response.json()
        ids.extend(item["id"] for item in answer["items"])
        if not answer["next"]:
            return ids
        response = session.get(answer["next"])


class TestAssign:
    def test_assign_then_unassign(self, filed, session_for):
        office = session_for("backoffice_x")
        item, etag = read(office, filed["a"])
        assert item["assignee"] is None and item["due"] is not None
        conforms(item, "Submission")
        response = assign(office, filed["a"], "backoffice_x", etag)
        assert response.status_code == 200, response.text
        assert response.json()["assignee"] == "backoffice_x"
        conforms(response.json(), "Submission")
        # The same version rules as a change of state.
        stale = assign(office, filed["a"], None, etag)
        assert stale.status_code == 412
        missing = office.patch(f"@submissions/{filed['a']}", json={"assignee": None})
        assert missing.status_code == 428
        response = assign(office, filed["a"], None, response.headers["ETag"])
        assert response.json()["assignee"] is None
        history = response.json()["history"]
        assert [(e["action"], e.get("to_assignee")) for e in history[-2:]] == [
            ("assign", "backoffice_x"),
            ("unassign", None),
        ]

    @pytest.mark.parametrize("assignee", ["backoffice_y", "citizen_a", 42, ["x"]])
    def test_not_a_handler_is_a_400_with_the_field(self, filed, session_for, assignee):
        office = session_for("backoffice_x")
        _item, etag = read(office, filed["a"])
        response = assign(office, filed["a"], assignee, etag)
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("application/json")
        errors = response.json()["error"]["errors"]
        fields = {(f["field"], f["code"]) for f in errors}
        assert fields & {
            ("assignee", "not_a_handler"),
            ("assignee", "invalid_assignee"),
        }
        transaction.begin()
        assert get_store().get(filed["a"]).assignee is None

    def test_one_change_at_a_time(self, filed, session_for):
        office = session_for("backoffice_x")
        _item, etag = read(office, filed["a"])
        response = office.patch(
            f"@submissions/{filed['a']}",
            json={"assignee": "backoffice_x", "state": "received"},
            headers={"If-Match": etag},
        )
        assert response.status_code == 400

    def test_another_procedures_office_is_forbidden(self, filed, session_for):
        office = session_for("backoffice_y")
        response = assign(office, filed["a"], "backoffice_y", '"any"')
        assert response.status_code == 403

    def test_assigned_to_me(self, filed, session_for):
        office = session_for("backoffice_x")
        for name in ("c", "a"):
            _item, etag = read(office, filed[name])
            assign(office, filed[name], "backoffice_x", etag)
        mine = office.get("@submissions", params={"assignee": "me"}).json()
        assert [i["id"] for i in mine["items"]] == [filed["a"], filed["c"]]
        conforms(mine, "Listing")
        by_id = office.get("@submissions", params={"assignee": "backoffice_x"})
        assert by_id.json()["items"] == mine["items"]
        nobody = session_for("siteadmin").get("@submissions?assignee=me").json()
        assert nobody["items"] == [] and nobody["items_total"] == 0


class TestDueAndSorting:
    def test_overdue_and_due_before(self, filed, session_for):
        office = session_for("backoffice_x")
        late = office.get("@submissions", params={"overdue": "true"}).json()
        assert [i["id"] for i in late["items"]] == [filed["a"], filed["c"]]
        assert late["items_total"] is None
        day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
        soon = every_page(office, "@submissions", due_before=day)
        assert soon == [filed["a"], filed["c"], filed["e"], filed["b"]]

    @pytest.mark.parametrize(
        "params",
        [
            {"sort_on": "title"},
            {"overdue": "1"},
            {"overdue": "true", "sort_on": "created"},
            {"due_before": "tomorrow"},
        ],
    )
    def test_bad_parameters_are_a_400(self, filed, session_for, params):
        response = session_for("backoffice_x").get("@submissions", params=params)
        assert response.status_code == 400
        assert response.json()["error"]["errors"]

    @pytest.mark.parametrize("sort_order", ["ascending", "descending"])
    @pytest.mark.parametrize("sort_on", ["created", "due", "state"])
    def test_pages_skip_and_repeat_nothing(
        self, site, filed, session_for, sort_on, sort_order
    ):
        with api.env.adopt_roles(["Manager"]):
            store = get_store()
            store.change_state(store.get(filed["d"]), "received")
            store.change_state(store.get(filed["y1"]), "in_progress")
        transaction.commit()
        admin = session_for("siteadmin")
        ids = every_page(admin, "@submissions", sort_on=sort_on, sort_order=sort_order)
        assert sorted(ids) == sorted(filed.values())  # each once
        transaction.begin()
        found = [get_store().get(i) for i in ids]
        states = ["submitted", "received", "in_progress"]
        keys = {
            "created": lambda s: s.key,
            "due": lambda s: (s.due or datetime.max.date(), s.key),
            "state": lambda s: (states.index(s.state), s.key),
        }[sort_on]
        assert found == sorted(found, key=keys, reverse=sort_order == "descending")
        # The listing of one procedure too.
        on_x = every_page(admin, "demarches/x/@submissions", sort_on=sort_on)
        assert sorted(on_x) == sorted(filed[k] for k in "abcde")
