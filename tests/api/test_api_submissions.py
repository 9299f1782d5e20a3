"""REST API: @form-schema and @submissions."""

from fixtures.accounts import REFUSED_ON_X
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from imio.guichet.submissions.api import get_store
from jsonschema import Draft202012Validator
from plone import api

import pytest
import threading
import transaction


@pytest.fixture
def anon(session_for):
    return session_for("Anonymous")


@pytest.fixture
def manager(session_for):
    return session_for("Manager")


def post(session, path, data):
    return session.post(f"{path}/@submissions", json={"data": data})


def stored_count():
    transaction.begin()  # see what the server committed
    store = get_store()
    return 0 if store is None else len(store)


class TestFormSchema:
    def test_json_schema(self, site, anon):
        response = anon.get("demarches/x/@form-schema")
        assert response.status_code == 200
        schema = response.json()
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"] == "Extrait"
        assert schema["required"] == ["name", "email", "copies", "delivery"]
        assert schema["additionalProperties"] is False
        props = schema["properties"]
        assert props["name"] == {
            "title": "Nom",
            "type": "string",
            "maxLength": 50,
            "minLength": 1,
            "pattern": "^[^\\r\\n]*$",
        }
        assert props["email"]["format"] == "email"
        assert props["birth_date"] == {
            "title": "Date de naissance",
            "type": "string",
            "format": "date",
        }
        assert props["copies"]["minimum"] == 1
        assert props["copies"]["maximum"] == 5
        assert props["copies"]["default"] == 1
        assert props["delivery"]["enum"] == ["post", "email", "counter"]
        assert props["purposes"]["type"] == "array"
        assert props["purposes"]["uniqueItems"] is True
        assert props["purposes"]["items"]["enum"] == ["school", "work", "other"]
        assert props["consent"]["type"] == "boolean"

    def test_schema_agrees_with_server_validation(self, site, anon):
        validator = Draft202012Validator(anon.get("demarches/x/@form-schema").json())
        assert validator.is_valid(VALID_DATA)
        for bad in (
            {**VALID_DATA, "delivery": "pigeon"},
            {**VALID_DATA, "copies": 9},
            {**VALID_DATA, "hacker": 1},
            {k: v for k, v in VALID_DATA.items() if k != "name"},
        ):
            assert not validator.is_valid(bad)
            assert post(anon, "demarches/x", bad).status_code == 400

    def test_back_office_reads_the_form_of_a_retracted_procedure(
        self, site, session_for
    ):
        with api.env.adopt_roles(["Manager"]):
            api.content.transition(site.demarches.x, "retract")
        transaction.commit()
        assert (
            session_for("Anonymous").get("demarches/x/@form-schema").status_code == 401
        )
        response = session_for("backoffice_x").get("demarches/x/@form-schema?version=1")
        assert response.status_code == 200
        assert (
            session_for("citizen_a").get("demarches/x/@form-schema").status_code == 403
        )

    def test_unreadable_stored_form(self, site, anon):
        # Written around the edit form's check, as a broken migration might.
        site.demarches.x._form_schema_versions = ("<model><broken",)
        transaction.commit()
        response = anon.get("demarches/x/@form-schema")
        assert response.status_code == 503
        assert "unavailable" in response.json()["error"]["message"]
        assert post(anon, "demarches/x", VALID_DATA).status_code == 503

    @pytest.mark.parametrize("query", ["version=7", "version=x", "version=1&version=2"])
    def test_bad_version(self, site, anon, query):
        response = anon.get(f"demarches/x/@form-schema?{query}")
        assert response.status_code == 400

    def test_unknown_version(self, site, anon):
        response = anon.get("demarches/x/@form-schema?version=7")
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "BadRequest"


class TestSubmit:
    def test_anonymous_submission(self, site, anon):
        response = post(anon, "demarches/x", VALID_DATA)
        assert response.status_code == 201, response.text
        body = response.json()
        assert set(body) == {"@id", "id", "reference", "state", "created"}
        assert body["state"] == "submitted"
        assert response.headers["Location"] == body["@id"]
        transaction.begin()
        submission = get_store().get(body["id"])
        assert submission.reference == body["reference"]
        assert submission.submitter is None
        assert submission.procedure_uid == api.content.get_uuid(site.demarches.x)
        assert submission.schema_version == 1
        assert submission.data["purposes"] == ["school", "work"]
        assert [e["action"] for e in submission.history] == ["submit"]

    def test_logged_in_submitter_is_recorded(self, site, session_for):
        response = post(session_for("citizen_a"), "demarches/x", VALID_DATA)
        assert response.status_code == 201
        transaction.begin()
        assert get_store().get(response.json()["id"]).submitter == "citizen_a"

    def test_invalid_values_refused_nothing_stored(self, site, anon):
        before = stored_count()
        response = post(anon, "demarches/x", {**VALID_DATA, "copies": "many", "x": 1})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["type"] == "BadRequest"
        assert {(e["field"], e["code"]) for e in error["errors"]} == {
            ("copies", "wrong_type"),
            ("x", "unknown_field"),
        }
        assert all(e["message"] for e in error["errors"])
        assert stored_count() == before

    @pytest.mark.parametrize(
        "body",
        [b"{not json", b"[1, 2]", b'"text"', b'{"data": []}', b'{"name": "x"}', b""],
    )
    def test_malformed_body_refused(self, site, anon, body):
        before = stored_count()
        response = anon.post(
            "demarches/x/@submissions",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["error"]["message"]
        assert stored_count() == before

    def test_oversized_body_refused(self, site, anon):
        response = post(anon, "demarches/x", {**VALID_DATA, "comment": "x" * 1_100_000})
        assert response.status_code == 413

    def test_closed_procedure(self, site, anon):
        site.demarches.x.submissions_open = False
        transaction.commit()
        before = stored_count()
        response = post(anon, "demarches/x", VALID_DATA)
        assert response.status_code == 403
        assert "closed" in response.json()["error"]["message"]
        assert stored_count() == before

    def test_login_required(self, site, anon, session_for):
        site.demarches.x.allow_anonymous = False
        transaction.commit()
        assert post(anon, "demarches/x", VALID_DATA).status_code == 401
        assert (
            post(session_for("citizen_a"), "demarches/x", VALID_DATA).status_code == 201
        )

    def test_private_procedure_cannot_be_filed(self, site, anon):
        with api.env.adopt_roles(["Manager"]):
            api.content.transition(site.demarches.x, "retract")
        transaction.commit()
        assert post(anon, "demarches/x", VALID_DATA).status_code == 401

    def test_references_unique(self, site, anon):
        references = {
            post(
                anon, "demarches/y", {**DEFAULT_FORM_DATA, "message": f"n°{i}"}
            ).json()["reference"]
            for i in range(20)
        }
        assert len(references) == 20


def file_some(session, count=3, path="demarches/x"):
    return [post(session, path, VALID_DATA).json()["id"] for _ in range(count)]


class TestList:
    def test_pages_in_creation_order(self, site, anon, manager):
        ids = file_some(anon, 5)
        page = manager.get("@submissions?limit=2").json()
        assert page["items_total"] == 5
        assert page["cursor"]
        assert [i["id"] for i in page["items"]] == ids[:2]
        seen = [i["id"] for i in page["items"]]
        while page["next"]:
            assert "limit=2" in page["next"]
            page = manager.get(page["next"]).json()
            seen += [i["id"] for i in page["items"]]
        assert seen == ids
        # From the last page's cursor, a later pull gets only what is new.
        later = file_some(anon, 1)
        resumed = manager.get(f"@submissions?cursor={page['cursor']}").json()
        assert [i["id"] for i in resumed["items"]] == later
        item = manager.get("@submissions").json()["items"][0]
        assert item["data"] == {**VALID_DATA, "purposes": ["school", "work"]}
        assert item["procedure"]["title"] == "Extrait"
        assert item["state"] == "submitted"

    def test_filters(self, site, anon, manager):
        on_x = file_some(anon, 2)
        on_y = [post(anon, "demarches/y", DEFAULT_FORM_DATA).json()["id"]]
        uid_y = api.content.get_uuid(site.demarches.y)
        listed = manager.get(f"@submissions?procedure={uid_y}").json()
        assert [i["id"] for i in listed["items"]] == on_y
        listed = manager.get("demarches/x/@submissions").json()
        assert [i["id"] for i in listed["items"]] == on_x
        assert manager.get("@submissions?state=submitted").json()["items_total"] == 3
        assert manager.get("@submissions?state=accepted").json()["items_total"] == 0

    @pytest.mark.parametrize(
        "query",
        [
            "limit=0",
            "limit=101",
            "limit=ten",
            "state=lost",
            "cursor=garbage",
            "cursor=MDAwMDA",
            "colour=blue",
            "state=submitted&state=received",
        ],
    )
    def test_bad_parameters(self, site, manager, query):
        response = manager.get(f"@submissions?{query}")
        assert response.status_code == 400
        assert response.json()["error"]["message"]

    def test_get_one(self, site, anon, manager):
        (submission_id,) = file_some(anon, 1)
        response = manager.get(f"@submissions/{submission_id}")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == submission_id
        assert body["history"][0]["to_state"] == "submitted"
        assert manager.get("@submissions/nope").status_code == 404

    def test_reading_never_changes_stored_data(self, site, anon, manager):
        (submission_id,) = file_some(anon, 1)
        transaction.begin()
        before = dict(get_store().get(submission_id).data)
        manager.get(f"@submissions/{submission_id}")
        manager.get("@submissions")
        transaction.begin()
        assert get_store().get(submission_id).data == before


BACK_OFFICE_ENDPOINTS = [
    "@submissions",
    "demarches/x/@submissions",
    "@submissions/{id}",
]


class TestAccess:
    @pytest.mark.parametrize("endpoint", BACK_OFFICE_ENDPOINTS)
    @pytest.mark.parametrize("who,status", REFUSED_ON_X)
    def test_refused(self, site, anon, session_for, endpoint, who, status):
        (submission_id,) = file_some(anon, 1)
        response = session_for(who).get(endpoint.format(id=submission_id))
        assert "Jeanne" not in response.text
        if who == "backoffice_y" and endpoint == "@submissions":
            # Granted elsewhere: the site-wide listing answers, empty.
            assert response.status_code == 200
            assert response.json()["items"] == []
        else:
            assert response.status_code == status
            assert response.json()["error"]["type"] in ("Unauthorized", "Forbidden")

    @pytest.mark.parametrize("endpoint", BACK_OFFICE_ENDPOINTS)
    @pytest.mark.parametrize("who", ["Manager", "siteadmin", "backoffice_x"])
    def test_allowed(self, site, anon, session_for, endpoint, who):
        (submission_id,) = file_some(anon, 1)
        response = session_for(who).get(endpoint.format(id=submission_id))
        assert response.status_code == 200
        assert "Jeanne" in response.text

    def test_back_office_sees_only_granted_procedures(self, site, anon, session_for):
        on_x = file_some(anon, 2)
        on_y = post(anon, "demarches/y", DEFAULT_FORM_DATA).json()["id"]
        listed = session_for("backoffice_x").get("@submissions").json()
        assert [i["id"] for i in listed["items"]] == on_x
        assert listed["items_total"] == 2
        uid_y = api.content.get_uuid(site.demarches.y)
        assert (
            session_for("backoffice_x")
            .get(f"@submissions?procedure={uid_y}")
            .status_code
            == 403
        )
        assert (
            session_for("backoffice_x").get(f"@submissions/{on_y}").status_code == 403
        )
        assert (
            session_for("backoffice_y").get(f"@submissions/{on_y}").status_code == 200
        )


def test_submitted_values_never_reach_the_catalog(site, anon):
    secret = "Zyxwvutsrq"
    response = post(
        anon, "demarches/x", {**VALID_DATA, "name": secret, "comment": secret}
    )
    assert response.status_code == 201
    transaction.begin()
    catalog = api.portal.get_tool("portal_catalog")
    assert len(catalog.unrestrictedSearchResults(SearchableText=secret)) == 0
    for brain in catalog.unrestrictedSearchResults():
        assert secret not in str(catalog.getIndexDataForRID(brain.getRID()))
        assert secret not in str(catalog.getMetadataForRID(brain.getRID()))


class TestIdempotencyKey:
    def post_with_key(self, session, key, data=VALID_DATA):
        return session.post(
            "demarches/x/@submissions",
            json={"data": data},
            headers={"Idempotency-Key": key},
        )

    def test_a_retry_returns_the_first_result(self, site, anon):
        before = stored_count()
        first = self.post_with_key(anon, "retry-7f3a")
        again = self.post_with_key(anon, "retry-7f3a")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert stored_count() == before + 1

    def test_another_key_files_again(self, site, anon):
        before = stored_count()
        self.post_with_key(anon, "key-1")
        self.post_with_key(anon, "key-2")
        assert stored_count() == before + 2

    def test_same_key_other_request_is_refused(self, site, anon, session_for):
        self.post_with_key(anon, "key-1")
        before = stored_count()
        other = self.post_with_key(anon, "key-1", {**VALID_DATA, "copies": 3})
        assert other.status_code == 409
        by_someone_else = self.post_with_key(session_for("citizen_a"), "key-1")
        assert by_someone_else.status_code == 409
        assert "Jeanne" not in other.text + by_someone_else.text
        assert stored_count() == before

    @pytest.mark.parametrize("key", ["", "x" * 201, "clé"])
    def test_malformed_key(self, site, anon, key):
        response = anon.post(
            "demarches/x/@submissions",
            json={"data": VALID_DATA},
            headers={"Idempotency-Key": key.encode()},
        )
        assert response.status_code == 400

    def test_invalid_data_is_not_remembered(self, site, anon):
        bad = self.post_with_key(anon, "key-9", {**VALID_DATA, "copies": 99})
        assert bad.status_code == 400
        assert self.post_with_key(anon, "key-9").status_code == 201

    def test_concurrent_retries_file_once(self, site, session_for):
        """Two copies of one request racing: ZODB lets one commit, the
        other is retried by Zope and answers the first one's result."""
        sessions = [session_for("Anonymous") for _ in range(2)]
        barrier = threading.Barrier(len(sessions))
        answers = []

        def send(session):
            barrier.wait()
            answers.append(self.post_with_key(session, "race-1"))

        before = stored_count()
        threads = [threading.Thread(target=send, args=(s,)) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [201, 201]
        assert answers[0].json()["id"] == answers[1].json()["id"]
        assert stored_count() == before + 1
