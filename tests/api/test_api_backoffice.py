"""REST API for back offices: acknowledge a submission, move it on."""

from fixtures.accounts import REFUSED_ON_X
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from imio.guichet.submissions.api import get_store

import pytest
import transaction


@pytest.fixture
def filed(site, session_for):
    """The id of a submission filed anonymously to procedure X."""
    response = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": VALID_DATA}
    )
    return response.json()["id"]


@pytest.fixture
def office(session_for):
    return session_for("backoffice_x")


def patch(session, submission_id, body, etag):
    headers = {"If-Match": etag} if etag else {}
    return session.patch(f"@submissions/{submission_id}", json=body, headers=headers)


class TestAcknowledge:
    def test_ack_is_recorded_once(self, filed, office):
        first = office.post(
            f"@submissions/{filed}/@ack", json={"external_reference": "EC-1"}
        )
        assert first.status_code == 200
        ack = first.json()["acknowledgement"]
        assert ack["actor"] == "backoffice_x"
        assert ack["external_reference"] == "EC-1"
        again = office.post(
            f"@submissions/{filed}/@ack", json={"external_reference": "EC-2"}
        )
        assert again.json()["acknowledgement"] == ack  # a retry changes nothing
        transaction.begin()
        submission = get_store().get(filed)
        assert [e["action"] for e in submission.history] == ["submit", "acknowledge"]

    def test_unacknowledged_filter(self, site, filed, office, session_for):
        other = (
            session_for("Anonymous")
            .post("demarches/x/@submissions", json={"data": VALID_DATA})
            .json()["id"]
        )
        listed = office.get("@submissions?acknowledged=false").json()
        assert [i["id"] for i in listed["items"]] == [filed, other]
        office.post(f"@submissions/{filed}/@ack")
        listed = office.get("@submissions?acknowledged=false").json()
        assert [i["id"] for i in listed["items"]] == [other]
        assert listed["items_total"] == 1
        on_x = office.get("demarches/x/@submissions?acknowledged=false").json()
        assert [i["id"] for i in on_x["items"]] == [other]
        assert office.get("@submissions?acknowledged=true").status_code == 400
        bad = office.get("@submissions?acknowledged=false&state=submitted")
        assert bad.status_code == 400

    @pytest.mark.parametrize("who,status", REFUSED_ON_X)
    def test_refused(self, filed, session_for, who, status):
        response = session_for(who).post(f"@submissions/{filed}/@ack")
        assert response.status_code == status
        transaction.begin()
        assert get_store().get(filed).acknowledgement is None

    def test_bad_input(self, filed, office):
        url = f"@submissions/{filed}/@ack"
        assert office.post(url, json={"external_reference": 5}).status_code == 400
        assert office.post(url, json={"other": 1}).status_code == 400
        assert (
            office.post(url, json={"external_reference": "x" * 201}).status_code == 400
        )
        assert office.post(f"@submissions/{filed}/@nope").status_code == 404
        assert office.post("@submissions/nope/@ack").status_code == 404


class TestPatch:
    def test_move_on_with_etag(self, filed, office):
        read = office.get(f"@submissions/{filed}")
        etag = read.headers["ETag"]
        response = patch(office, filed, {"state": "received", "note": "vu"}, etag)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "received"
        assert response.headers["ETag"] != etag
        event = response.json()["history"][-1]
        assert event["to_state"] == "received"
        assert event["internal_note"] == "vu"
        assert event["actor"] == "backoffice_x"

    def test_stale_etag_is_refused(self, filed, office):
        etag = office.get(f"@submissions/{filed}").headers["ETag"]
        assert patch(office, filed, {"state": "received"}, etag).status_code == 200
        response = patch(office, filed, {"state": "in_progress"}, etag)
        assert response.status_code == 412
        transaction.begin()
        assert get_store().get(filed).state == "received"

    def test_if_match_required(self, filed, office):
        assert patch(office, filed, {"state": "received"}, None).status_code == 428

    def test_disallowed_transition(self, filed, office):
        etag = office.get(f"@submissions/{filed}").headers["ETag"]
        response = patch(office, filed, {"state": "closed"}, etag)
        assert response.status_code == 409
        assert "allowed: received, in_progress" in response.json()["error"]["message"]

    def test_asking_the_citizen_needs_a_message(self, filed, office):
        etag = office.get(f"@submissions/{filed}").headers["ETag"]
        etag = patch(office, filed, {"state": "in_progress"}, etag).headers["ETag"]
        response = patch(office, filed, {"state": "waiting_citizen"}, etag)
        assert response.status_code == 400
        response = patch(
            office, filed, {"state": "waiting_citizen", "message": "Photo ?"}, etag
        )
        assert response.status_code == 200
        assert response.json()["history"][-1]["public_message"] == "Photo ?"

    @pytest.mark.parametrize("who,status", REFUSED_ON_X)
    def test_refused(self, filed, office, session_for, who, status):
        etag = office.get(f"@submissions/{filed}").headers["ETag"]
        response = patch(session_for(who), filed, {"state": "received"}, etag)
        assert response.status_code == status
        transaction.begin()
        assert get_store().get(filed).state == "submitted"

    @pytest.mark.parametrize(
        "body", [{}, {"state": 3}, {"state": "received", "colour": "red"}]
    )
    def test_bad_body(self, filed, office, body):
        etag = office.get(f"@submissions/{filed}").headers["ETag"]
        assert patch(office, filed, body, etag).status_code == 400


class TestFeed:
    def test_pull_everything_then_only_what_changed(self, filed, office, session_for):
        anon = session_for("Anonymous")
        more = [
            anon.post("demarches/x/@submissions", json={"data": VALID_DATA}).json()[
                "id"
            ]
            for _ in range(2)
        ]
        page = office.get("@submissions?since=0&limit=2").json()
        pulled = [item["id"] for item in page["items"]]
        page = office.get(page["next"]).json()
        pulled += [item["id"] for item in page["items"]]
        assert pulled == [filed, *more]
        assert page["next"] is None
        cursor = page["cursor"]
        assert office.get(f"@submissions?since={cursor}").json()["items"] == []
        etag = office.get(f"@submissions/{filed}").headers["ETag"]
        patch(office, filed, {"state": "received"}, etag)
        changed = office.get(f"@submissions?since={cursor}").json()
        assert [(i["id"], i["state"]) for i in changed["items"]] == [
            (filed, "received")
        ]

    def test_back_office_pulls_only_its_procedures(self, site, filed, session_for):
        other = session_for("Anonymous").post(
            "demarches/y/@submissions", json={"data": DEFAULT_FORM_DATA}
        )
        assert other.status_code == 201
        page = session_for("backoffice_x").get("@submissions?since=0").json()
        assert [item["id"] for item in page["items"]] == [filed]
        page = session_for("backoffice_y").get("@submissions?since=0").json()
        assert [item["id"] for item in page["items"]] == [other.json()["id"]]

    @pytest.mark.parametrize(
        "query", ["since=garbage", "since=0&state=received", "since=0&cursor=x"]
    )
    def test_bad_parameters(self, site, office, query):
        assert office.get(f"@submissions?{query}").status_code == 400


@pytest.mark.parametrize("who", ["Manager", "siteadmin", "backoffice_x"])
def test_staff_with_the_permission_may_ack_and_move_on(filed, session_for, who):
    session = session_for(who)
    assert session.post(f"@submissions/{filed}/@ack").status_code == 200
    etag = session.get(f"@submissions/{filed}").headers["ETag"]
    assert patch(session, filed, {"state": "received"}, etag).status_code == 200
