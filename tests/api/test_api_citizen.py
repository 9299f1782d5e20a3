"""REST for citizens: ``@submissions/{id}/@reply``, ``@message`` and
``@withdraw``, and the files of their request; staff's messages and files;
and the staff listing's export in HTML (``@@guichet-export``)."""

from fixtures.files import EXE
from fixtures.files import PDF
from fixtures.forms import VALID_DATA
from imio.guichet.audit import iter_records
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.tracking import tracking_secret
from plone import api

import base64
import pytest
import transaction


def stored(submission_id):
    transaction.begin()
    return get_store().get(submission_id)


def file_as(session) -> str:
    response = session.post("demarches/x/@submissions", json={"data": VALID_DATA})
    assert response.status_code == 201
    return response.json()["id"]


def ask(submission_id):
    transaction.begin()
    submission = get_store().get(submission_id)
    for state in ("in_progress", "waiting_citizen"):
        update_state(
            submission,
            state,
            seen_etag=etag(submission),
            user_id="backoffice_x",
            public_message="Une copie de votre carte ?",
        )
    transaction.commit()


def version(submission_id) -> str:
    return etag(stored(submission_id))


def as_file(name: str, content: bytes) -> dict:
    return {"filename": name, "data": base64.b64encode(content).decode()}


class TestReply:
    def test_the_submitter_answers_with_a_file(self, site, session_for):
        citizen = session_for("citizen_a")
        submission_id = file_as(citizen)
        ask(submission_id)
        response = citizen.post(
            f"@submissions/{submission_id}/@reply",
            json={"message": "Voici ma carte", "files": [as_file("carte.pdf", PDF)]},
            headers={"If-Match": version(submission_id)},
        )
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "in_progress"
        submission = stored(submission_id)
        assert response.headers["ETag"] == etag(submission)
        event = submission.history[-1]
        assert (event["by"], event["actor"]) == ("citizen", "citizen_a")
        assert event["public_message"] == "Voici ma carte"
        [described] = event["files"]
        assert described["content-type"] == "application/pdf"
        assert described["attachment"] in submission.attachments

    def test_by_reference_with_the_tracking_secret(self, site, session_for):
        submission_id = file_as(session_for("Anonymous"))
        ask(submission_id)
        submission = stored(submission_id)
        secret = tracking_secret(get_store(), submission)
        anonymous = session_for("Anonymous")
        url = f"@submissions/{submission.reference}/@reply"
        body = {"message": "Voici"}
        headers = {"If-Match": etag(submission)}
        refused = anonymous.post(
            url, json=body, headers={**headers, "X-Tracking-Secret": "wrong"}
        )
        assert refused.status_code == 404
        answered = anonymous.post(
            url, json=body, headers={**headers, "X-Tracking-Secret": secret}
        )
        assert answered.status_code == 200, answered.text
        assert stored(submission_id).history[-1]["actor"] is None

    def test_refusals(self, site, session_for):
        citizen = session_for("citizen_a")
        submission_id = file_as(citizen)
        url = f"@submissions/{submission_id}/@reply"
        nothing_asked = citizen.post(
            url, json={"message": "Voici"}, headers={"If-Match": version(submission_id)}
        )
        assert nothing_asked.status_code == 409
        assert nothing_asked.json()["error"]["code"] == "transition_not_allowed"
        ask(submission_id)
        current = {"If-Match": version(submission_id)}
        empty = citizen.post(url, json={"message": " "}, headers=current).json()
        assert [(e["field"], e["code"]) for e in empty["error"]["errors"]] == [
            ("message", "message_required")
        ]
        program = citizen.post(
            url,
            json={"message": "Voici", "files": [as_file("x.pdf", EXE)]},
            headers=current,
        ).json()
        assert [(e["field"], e["code"]) for e in program["error"]["errors"]] == [
            ("files", "file_type")
        ]
        stale = citizen.post(
            url, json={"message": "Voici"}, headers={"If-Match": '"old.1"'}
        )
        assert stale.status_code == 412
        malformed = citizen.post(
            url, json={"message": "Voici", "files": "x"}, headers=current
        )
        assert malformed.status_code == 400
        submission = stored(submission_id)
        assert submission.state == "waiting_citizen"
        assert not (submission.attachments or {})


class TestWithdraw:
    def test_the_submitter_withdraws_while_submitted(self, site, session_for):
        citizen = session_for("citizen_a")
        submission_id = file_as(citizen)
        url = f"@submissions/{submission_id}/@withdraw"
        response = citizen.post(url, headers={"If-Match": version(submission_id)})
        assert response.status_code == 200, response.text
        assert stored(submission_id).state == "withdrawn"
        again = citizen.post(url, headers={"If-Match": version(submission_id)})
        assert again.status_code == 409

    @pytest.mark.parametrize("who", ["citizen_b", "backoffice_x", "siteadmin"])
    def test_nobody_else(self, site, session_for, who):
        submission_id = file_as(session_for("citizen_a"))
        response = session_for(who).post(
            f"@submissions/{submission_id}/@withdraw",
            headers={"If-Match": version(submission_id)},
        )
        assert response.status_code == 404
        assert "Jeanne" not in response.text
        assert stored(submission_id).state == "submitted"

    def test_the_secret_is_never_taken_from_the_url(self, site, session_for):
        submission_id = file_as(session_for("Anonymous"))
        secret = tracking_secret(get_store(), stored(submission_id))
        response = session_for("Anonymous").post(
            f"@submissions/{submission_id}/@withdraw?secret={secret}",
            headers={"If-Match": version(submission_id)},
        )
        assert response.status_code == 404
        assert stored(submission_id).state == "submitted"

    def test_the_version_read_as_for_staff(self, site, session_for):
        api.portal.set_registry_record("plone.default_language", "fr")
        api.portal.set_registry_record("plone.available_languages", ["fr"])
        transaction.commit()
        citizen = session_for("citizen_a")
        submission_id = file_as(citizen)
        url = f"@submissions/{submission_id}/@withdraw"
        missing = citizen.post(url)
        assert missing.status_code == 428
        assert missing.json()["error"]["code"] == "version_required"
        assert "If-Match" in missing.json()["error"]["message"]
        assert missing.json()["error"]["message"].startswith("Envoyez")
        stale = citizen.post(
            url, headers={"If-Match": '"old"', "Accept-Language": "fr"}
        )
        assert stale.status_code == 412
        assert stale.headers["ETag"] == version(submission_id)
        assert stale.json()["error"]["message"].startswith("Votre demande a changé")
        assert stored(submission_id).state == "submitted"
        nothing_asked = citizen.post(
            f"@submissions/{submission_id}/@reply",
            json={"message": "Voici"},
            headers={"If-Match": version(submission_id), "Accept-Language": "fr"},
        )
        assert nothing_asked.status_code == 409
        assert nothing_asked.json()["error"]["message"] == (
            "Ce n'est plus possible pour cette demande."
        )

    def test_a_non_ascii_secret_is_a_wrong_secret(self, site, session_for):
        submission_id = file_as(session_for("Anonymous"))
        reference = stored(submission_id).reference
        refused = session_for("Anonymous").post(
            f"@submissions/{reference}/@withdraw",
            headers={"If-Match": version(submission_id), "X-Tracking-Secret": "été"},
        )
        assert refused.status_code == 404, refused.text
        assert "Traceback" not in refused.text
        assert stored(submission_id).state == "submitted"


class TestExportPage:
    def test_listing_links_to_the_export_with_its_filters(
        self, site, session_for, browser_for
    ):
        file_as(session_for("Anonymous"))
        browser = browser_for("backoffice_x")
        listing = f"{site.demarches.x.absolute_url()}/@@guichet-requests"
        browser.open(f"{listing}?state=submitted&from=2026-01-01")
        link = browser.getLink(url="format=xlsx")
        assert "/demarches/x/@@guichet-export?" in link.url
        assert "state=submitted" in link.url and "from=2026-01-01" in link.url
        browser.open(f"{listing}?from=31/31/2026")  # a refused filter is left out
        assert "from=" not in browser.getLink(url="format=csv").url

    def test_site_listing_exports_the_chosen_procedure(self, site, browser_for):
        browser = browser_for("siteadmin")
        listing = f"{site.absolute_url()}/@@guichet-requests"
        browser.open(listing)
        assert "requests-export" not in browser.contents  # which procedure?
        uid = api.content.get_uuid(site.demarches.x)
        browser.open(f"{listing}?procedure={uid}")
        browser.getLink(url="format=jsonl").click()
        assert browser.headers["Content-Type"].startswith("application/")
        assert 'filename="x.jsonl"' in browser.headers["Content-Disposition"]

    def test_export_is_audited_and_checked(self, site, session_for, browser_for):
        from zExceptions import Forbidden

        file_as(session_for("Anonymous"))
        url = f"{site.demarches.x.absolute_url()}/@@guichet-export?format=csv"
        with pytest.raises(Forbidden):
            browser_for("backoffice_y").open(url)
        browser = browser_for("backoffice_x")
        browser.open(url)
        assert "reference" in browser.contents.splitlines()[0]
        transaction.begin()
        [record] = iter_records()
        assert (record["actor"], record["action"]) == ("backoffice_x", "export")
        assert record["details"] == {
            "count": 1,
            "procedure": api.content.get_uuid(site.demarches.x),
            "format": "csv",
            "ui": True,
        }

    def test_export_from_the_site_records_its_procedure(
        self, site, session_for, browser_for
    ):
        file_as(session_for("Anonymous"))
        uid = api.content.get_uuid(site.demarches.x)
        browser = browser_for("backoffice_x")
        browser.open(
            f"{site.absolute_url()}/@@guichet-export"
            f"?procedure={uid}&state=submitted&to=2099-12-31"
        )
        transaction.begin()
        [record] = iter_records()
        assert record["details"] == {
            "count": 1,
            "procedure": uid,
            "format": "csv",
            "state": "submitted",
            "to": "2099-12-31",
            "ui": True,
        }


class TestMessages:
    """``@message`` (the citizen, at any time while the request is open),
    ``PATCH`` with files or without a state (staff), and the files
    downloaded by the citizen from ``@attachments``."""

    def test_citizen_writes_with_a_file_and_downloads_it(self, site, session_for):
        citizen = session_for("citizen_a")
        submission_id = file_as(citizen)
        response = citizen.post(
            f"@submissions/{submission_id}/@message",
            json={"message": "J'ai oublié", "files": [as_file("plan.pdf", PDF)]},
            headers={"If-Match": version(submission_id)},
        )
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "submitted"
        submission = stored(submission_id)
        assert response.headers["ETag"] == etag(submission)
        event = submission.history[-1]
        assert (event["action"], event["by"]) == ("message", "citizen")
        [described] = event["files"]
        name = described["attachment"]
        own = citizen.get(f"@submissions/{submission_id}/@attachments/{name}")
        assert own.status_code == 200
        assert own.content == PDF
        other = session_for("citizen_b").get(
            f"@submissions/{submission_id}/@attachments/{name}"
        )
        assert other.status_code == 403  # as staff it is not theirs either
        # Back offices read it in the history, and download the file.
        staff = session_for("backoffice_x")
        history = staff.get(f"@submissions/{submission_id}").json()["history"]
        assert history[-1]["public_message"] == "J'ai oublié"
        assert staff.get(
            f"@submissions/{submission_id}/@attachments/{name}"
        ).content == (PDF)

    def test_staff_send_a_permit_the_anonymous_citizen_downloads(
        self, site, session_for
    ):
        submission_id = file_as(session_for("Anonymous"))
        staff = session_for("backoffice_x")
        for state in ("in_progress", "accepted"):
            files = [as_file("permis.pdf", PDF)] if state == "accepted" else []
            response = staff.patch(
                f"@submissions/{submission_id}",
                json={"state": state, "message": "Accordé", "files": files},
                headers={"If-Match": version(submission_id)},
            )
            assert response.status_code == 200, response.text
        submission = stored(submission_id)
        [described] = submission.history[-1]["files"]
        assert described["filename"] == "permis.pdf"
        url = f"@submissions/{submission.id}/@attachments/{described['attachment']}"
        secret = tracking_secret(get_store(), submission)
        anonymous = session_for("Anonymous")
        download = anonymous.get(url, headers={"X-Tracking-Secret": secret})
        assert download.status_code == 200
        assert download.content == PDF
        wrong = anonymous.get(url, headers={"X-Tracking-Secret": "x" * len(secret)})
        assert wrong.status_code == 404
        audited = [r for r in iter_records() if r["action"] == "change_state"]
        assert audited[-1]["details"]["files"] == 1

    def test_staff_message_without_a_state(self, site, session_for):
        submission_id = file_as(session_for("citizen_a"))
        response = session_for("backoffice_x").patch(
            f"@submissions/{submission_id}",
            json={"message": "Pièce reçue", "files": [as_file("accuse.pdf", PDF)]},
            headers={"If-Match": version(submission_id)},
        )
        assert response.status_code == 200, response.text
        submission = stored(submission_id)
        assert submission.state == "submitted"
        assert (submission.history[-1]["action"], submission.history[-1]["by"]) == (
            "message",
            "staff",
        )

    def test_refusals(self, site, session_for):
        citizen = session_for("citizen_a")
        submission_id = file_as(citizen)
        url = f"@submissions/{submission_id}/@message"
        empty = citizen.post(
            url, json={"message": " "}, headers={"If-Match": version(submission_id)}
        )
        assert empty.status_code == 400
        assert [(e["field"], e["code"]) for e in empty.json()["error"]["errors"]] == [
            ("message", "message_required")
        ]
        wrong_file = citizen.post(
            url,
            json={"message": "Voici", "files": [as_file("x.exe", EXE)]},
            headers={"If-Match": version(submission_id)},
        )
        assert wrong_file.status_code == 400
        assert [e["field"] for e in wrong_file.json()["error"]["errors"]] == ["files"]
        stale = citizen.post(url, json={"message": "Voici"}, headers={"If-Match": "x"})
        assert stale.status_code == 412
        assert stored(submission_id).revision == 1  # nothing was added
        # Closed: no message any more, from either side.
        staff = session_for("backoffice_x")
        for state in ("in_progress", "rejected", "closed"):
            staff.patch(
                f"@submissions/{submission_id}",
                json={"state": state},
                headers={"If-Match": version(submission_id)},
            )
        closed = citizen.post(
            url,
            json={"message": "Et alors ?"},
            headers={"If-Match": version(submission_id)},
        )
        assert closed.status_code == 409
        staff_closed = staff.patch(
            f"@submissions/{submission_id}",
            json={"message": "Et alors ?"},
            headers={"If-Match": version(submission_id)},
        )
        assert staff_closed.status_code == 409
