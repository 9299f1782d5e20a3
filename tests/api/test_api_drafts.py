"""``@drafts``: save and resume a form over REST, as the HTML form does.

A draft opens for its owner, or with its secret in ``X-Draft-Secret``;
anyone else gets the same 404 as for an unknown draft. Drafts are never
delivered to back offices.
"""

from fixtures.drafts import resume_link
from fixtures.drafts import save_in_browser
from fixtures.forms import VALID_DATA
from fixtures.openapi import conforms
from imio.guichet.drafts.api import get_draft_store
from imio.guichet.submissions import protection
from imio.guichet.submissions.api import get_store
from plone import api
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
import transaction


PARTIAL = {"name": "Jeanne Dupont", "copies": 2, "purposes": ["work"]}


def save(session, data=PARTIAL, procedure="demarches/x"):
    return session.post(f"{procedure}/@drafts", json={"data": data})


def secret_header(secret: str) -> dict:
    return {"X-Draft-Secret": secret}


class TestAnonymous:
    def test_created_with_a_secret_given_once(self, site, session_for):
        anonymous = session_for("Anonymous")
        response = save(anonymous)
        assert response.status_code == 201
        conforms(response.json(), "DraftCreated")
        draft = response.json()
        assert response.headers["Location"] == draft["@id"]
        assert draft["@id"].endswith(f"/@drafts/{draft['id']}")
        assert draft["data"] == PARTIAL
        assert draft["procedure"]["title"] == "Extrait"
        secret = draft["secret"]
        opened = anonymous.get(f"@drafts/{draft['id']}", headers=secret_header(secret))
        assert opened.status_code == 200
        conforms(opened.json(), "Draft")
        assert "secret" not in opened.json()
        assert opened.json()["data"] == PARTIAL
        assert opened.headers["Cache-Control"] == "private, no-store"

    def test_404_without_the_right_secret(self, site, session_for):
        anonymous = session_for("Anonymous")
        draft = save(anonymous).json()
        url = f"@drafts/{draft['id']}"
        answers = [
            anonymous.get(url),
            anonymous.get(url, headers=secret_header(draft["secret"][:-1] + "x")),
            anonymous.get(f"@drafts/{'0' * 32}", headers=secret_header("x")),
            anonymous.get(url, headers=secret_header("été")),
            # The secret in the URL opens nothing.
            anonymous.get(url, params={"secret": draft["secret"]}),
            anonymous.patch(url, json={"data": {"name": "Robot"}}),
            anonymous.delete(url),
            session_for("citizen_a").get(url),
            session_for("siteadmin").get(url),
        ]
        assert {answer.status_code for answer in answers} == {404}
        # The same answer whatever the reason: no oracle.
        assert len({answer.text for answer in answers}) == 1
        assert "Jeanne" not in answers[0].text
        transaction.begin()
        assert get_draft_store().get(draft["id"]).data == PARTIAL

    def test_patched_and_deleted_with_the_secret(self, site, session_for):
        anonymous = session_for("Anonymous")
        draft = save(anonymous).json()
        url, headers = f"@drafts/{draft['id']}", secret_header(draft["secret"])
        patched = anonymous.patch(
            url, json={"data": {"name": "Jeanne D"}}, headers=headers
        )
        assert patched.status_code == 200
        conforms(patched.json(), "Draft")
        assert patched.json()["data"] == {"name": "Jeanne D"}
        assert anonymous.delete(url, headers=headers).status_code == 204
        assert anonymous.get(url, headers=headers).status_code == 404

    def test_rate_limited_as_in_html(self, site, session_for):
        api.portal.set_registry_record(protection.SETTING, 2)
        transaction.commit()
        anonymous = session_for("Anonymous")
        first = save(anonymous).json()
        assert save(anonymous).status_code == 201
        refused = save(anonymous)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        # Saving an existing draft again is no new entry.
        again = anonymous.patch(
            f"@drafts/{first['id']}",
            json={"data": {"name": "Encore"}},
            headers=secret_header(first["secret"]),
        )
        assert again.status_code == 200

    def test_malformed_bodies(self, site, session_for):
        anonymous = session_for("Anonymous")
        for body in ({}, {"data": "x"}, {"data": {}, "secret": "x"}):
            response = anonymous.post("demarches/x/@drafts", json=body)
            assert response.status_code == 400, body
            assert response.json()["error"]["message"]

    def test_closed_or_login_required(self, site, session_for):
        site.demarches.x.allow_anonymous = False
        transaction.commit()
        assert save(session_for("Anonymous")).status_code == 401
        site.demarches.x.submissions_open = False
        transaction.commit()
        assert save(session_for("citizen_a")).status_code == 403

    def test_saved_again_only_while_open(self, site, session_for):
        anonymous = session_for("Anonymous")
        draft = save(anonymous).json()
        url, headers = f"@drafts/{draft['id']}", secret_header(draft["secret"])
        body = {"data": {"name": "Encore"}}
        site.demarches.x.allow_anonymous = False
        transaction.commit()
        assert anonymous.patch(url, json=body, headers=headers).status_code == 401
        site.demarches.x.allow_anonymous = True
        site.demarches.x.submissions_open = False
        transaction.commit()
        closed = anonymous.patch(url, json=body, headers=headers)
        assert closed.status_code == 403
        assert closed.json() == save(session_for("citizen_a")).json()
        transaction.begin()
        assert get_draft_store().get(draft["id"]).data == PARTIAL


class TestLoggedIn:
    def test_owner_only(self, site, session_for):
        citizen = session_for("citizen_a")
        response = save(citizen)
        assert response.status_code == 201
        draft = response.json()
        assert "secret" not in draft
        url = f"@drafts/{draft['id']}"
        assert citizen.get(url).json()["data"] == PARTIAL
        other = session_for("citizen_b")
        assert other.get(url).status_code == 404
        assert other.patch(url, json={"data": {"name": "B"}}).status_code == 404
        assert other.delete(url).status_code == 404
        assert citizen.patch(url, json={"data": {"copies": 3}}).status_code == 200
        assert citizen.get(url).json()["data"] == {"copies": 3}
        assert citizen.delete(url).status_code == 204
        assert citizen.get(url).status_code == 404

    def test_keeps_only_the_forms_fields_and_no_files(self, site, session_for):
        data = {
            **PARTIAL,
            "unknown": "x",
            "copies": {"not": "a number"},
            "name": None,
        }
        draft = save(session_for("citizen_a"), data).json()
        assert draft["data"] == {"purposes": ["work"]}


class TestFiling:
    def test_filing_a_draft_deletes_it(self, site, session_for):
        anonymous = session_for("Anonymous")
        draft = save(anonymous, VALID_DATA).json()
        headers = secret_header(draft["secret"])
        body = {"draft_id": draft["id"]}
        refused = anonymous.post("demarches/x/@submissions", json=body)
        assert refused.status_code == 404
        filed = anonymous.post("demarches/x/@submissions", json=body, headers=headers)
        assert filed.status_code == 201, filed.text
        conforms(filed.json(), "Filed")
        transaction.begin()
        submission = get_store().get(filed.json()["id"])
        assert submission.data["name"] == VALID_DATA["name"]
        assert get_draft_store().get(draft["id"]) is None
        again = anonymous.post("demarches/x/@submissions", json=body, headers=headers)
        assert again.status_code == 404

    def test_incomplete_draft_refused_and_kept(self, site, session_for):
        citizen = session_for("citizen_a")
        draft = save(citizen).json()
        body = {"draft_id": draft["id"]}
        refused = citizen.post("demarches/x/@submissions", json=body)
        assert refused.status_code == 400
        assert {e["field"] for e in refused.json()["error"]["errors"]} >= {"email"}
        assert citizen.get(f"@drafts/{draft['id']}").status_code == 200
        # With the answers completed (as a partner app sends them all).
        body["data"] = VALID_DATA
        filed = citizen.post("demarches/x/@submissions", json=body)
        assert filed.status_code == 201
        assert citizen.get(f"@drafts/{draft['id']}").status_code == 404

    def test_only_on_its_procedure(self, site, session_for):
        citizen = session_for("citizen_a")
        draft = save(citizen, VALID_DATA).json()
        elsewhere = citizen.post(
            "demarches/y/@submissions", json={"draft_id": draft["id"]}
        )
        assert elsewhere.status_code == 404
        assert citizen.get(f"@drafts/{draft['id']}").status_code == 200

    def test_draft_id_must_be_text(self, site, session_for):
        response = session_for("citizen_a").post(
            "demarches/x/@submissions", json={"draft_id": 3}
        )
        assert response.status_code == 400


def test_never_delivered_to_back_offices(site, session_for):
    save(session_for("Anonymous"), VALID_DATA)
    save(session_for("citizen_a"), VALID_DATA)
    transaction.begin()
    assert len(get_draft_store()) == 2
    store = get_store()
    assert store is None or len(store) == 0
    office = session_for("siteadmin")
    assert office.get("@submissions").json()["items"] == []
    assert office.get("@submissions?since=0").json()["items"] == []
    export = office.get("demarches/x/@submissions-export?format=jsonl")
    assert export.text == ""
    assert office.get("@drafts").status_code == 404  # no listing


class TestSameJsonAsHtml:
    @pytest.fixture
    def citizen(self, site, browser_for):
        return browser_for("citizen_a")

    def test_saved_in_html_resumed_over_rest(self, site, citizen, session_for):
        save_in_browser(citizen, site, name="Jeanne", email="pas-une-adresse")
        draft_id = parse_qs(urlparse(resume_link(citizen)).query)["id"][0]
        data = session_for("citizen_a").get(f"@drafts/{draft_id}").json()["data"]
        assert data == {
            "name": "Jeanne",
            "email": "pas-une-adresse",
            "purposes": ["work"],
            "copies": 1,  # the field's default, shown in the form
            "consent": False,  # a checkbox left unticked
        }

    def test_saved_over_rest_resumed_in_html(self, site, citizen, session_for):
        draft = save(
            session_for("citizen_a"),
            {**PARTIAL, "birth_date": "1990-05-17", "email": "pas-une-adresse"},
        ).json()
        citizen.open(f"{site.demarches.x.absolute_url()}/@@submit?draft={draft['id']}")
        assert citizen.getControl("Nom").value == "Jeanne Dupont"
        assert citizen.getControl("E-mail").value == "pas-une-adresse"
        assert citizen.getControl("Nombre d'exemplaires").value == "2"
        purposes = citizen.getControl(name="form.widgets.purposes:list")
        assert purposes.value == ["work"]
        # Saved again from the form: the same JSON.
        citizen.getControl(name="form.buttons.save_draft").click()
        data = session_for("citizen_a").get(f"@drafts/{draft['id']}").json()["data"]
        assert data == {
            **PARTIAL,
            "birth_date": "1990-05-17",
            "email": "pas-une-adresse",
            "consent": False,
        }

    def test_anonymous_draft_resumed_in_html_with_its_secret(
        self, site, browser_for, session_for
    ):
        draft = save(session_for("Anonymous")).json()
        browser = browser_for("Anonymous")
        browser.open(
            f"{site.aq_parent.absolute_url()}/{site.getId()}/@@resume-draft"
            f"?id={draft['id']}&secret={draft['secret']}"
        )
        assert "/demarches/x/@@submit?" in browser.url
        assert browser.getControl("Nom").value == "Jeanne Dupont"


def test_values_the_form_cannot_show_are_left_out_when_resumed(
    site, browser_for, session_for
):
    """A draft saved over REST is not validated: a choice that does not
    exist, a number typed as text."""
    answers = {
        "name": "Jeanne",
        "delivery": "pigeon",
        "copies": "deux",
        "purposes": ["work", "nope"],
    }
    draft = save(session_for("citizen_a"), answers).json()
    browser = browser_for("citizen_a")
    browser.open(f"{site.demarches.x.absolute_url()}/@@submit?draft={draft['id']}")
    assert browser.getControl("Nom").value == "Jeanne"
    assert browser.getControl("Nombre d'exemplaires").value == "deux"
    assert browser.getControl(name="form.widgets.delivery").value == []
    purposes = browser.getControl(name="form.widgets.purposes:list")
    assert purposes.value == ["work"]  # the known choice only


class TestRetries:
    def test_a_filed_draft_retried_answers_the_first_filing(self, site, session_for):
        anonymous = session_for("Anonymous")
        draft = save(anonymous, VALID_DATA).json()
        headers = {**secret_header(draft["secret"]), "Idempotency-Key": "retry-1"}
        body = {"draft_id": draft["id"]}
        first = anonymous.post("demarches/x/@submissions", json=body, headers=headers)
        assert first.status_code == 201, first.text
        # The answer was lost: the same request again, the draft now gone.
        again = anonymous.post("demarches/x/@submissions", json=body, headers=headers)
        assert again.status_code == 201, again.text
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        transaction.begin()
        assert len(get_store()) == 1

    def test_the_key_with_another_draft_is_refused(self, site, session_for):
        citizen = session_for("citizen_a")
        first_draft = save(citizen, VALID_DATA).json()
        other_draft = save(citizen, VALID_DATA).json()
        headers = {"Idempotency-Key": "retry-2"}
        filed = citizen.post(
            "demarches/x/@submissions",
            json={"draft_id": first_draft["id"]},
            headers=headers,
        )
        assert filed.status_code == 201
        reused = citizen.post(
            "demarches/x/@submissions",
            json={"draft_id": other_draft["id"]},
            headers=headers,
        )
        assert reused.status_code == 409
        assert citizen.get(f"@drafts/{other_draft['id']}").status_code == 200


class TestOverTheLimit:
    """An anonymous client over its limit is told so whatever it sends."""

    @pytest.fixture(autouse=True)
    def limited(self, site):
        api.portal.set_registry_record(protection.SETTING, 1)
        transaction.commit()

    @pytest.mark.parametrize("path", ["@drafts", "@submissions"])
    def test_malformed_body_gets_429(self, site, session_for, path):
        anonymous = session_for("Anonymous")
        assert save(anonymous).status_code == 201
        for body in ({"data": "x"}, {"unknown": 1}):
            refused = anonymous.post(f"demarches/x/{path}", json=body)
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["Retry-After"]) > 0
        not_json = anonymous.post(
            f"demarches/x/{path}",
            data=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert not_json.status_code == 429
