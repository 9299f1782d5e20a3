"""The citizens' rights over REST: GET @my-data (the citizen's own
requests, never anyone else's), POST @guichet-person (one person's
requests for staff who answer data subject requests), and national
register numbers masked in the REST JSON without the permission."""

from fixtures.rights import file_rights_requests
from fixtures.rights import NRN_A
from fixtures.rights import NRN_B

import csv
import io
import pytest


MASKED_A = "85.07.30-***.**"


@pytest.fixture
def filed(site):
    return file_rights_requests(site)


class TestMyData:
    def test_exactly_their_requests(self, session_for, filed):
        response = session_for("citizen_a").get("@my-data")
        assert response.status_code == 200, response.text
        body = response.json()
        assert {r["reference"] for r in body["requests"]} == {
            filed["a1"].reference,
            filed["a2"].reference,
        }
        assert NRN_B not in response.text
        # Their files' links and their own number in full.
        a1 = next(r for r in body["requests"] if r["id"] == filed["a1"].id)
        assert a1["data"]["niss"] == NRN_A
        assert a1["attachments"] == []
        other = session_for("citizen_b").get("@my-data").json()
        assert {r["reference"] for r in other["requests"]} == {
            filed["b1"].reference,
            filed["b2"].reference,
        }

    def test_pdf(self, session_for, filed):
        response = session_for("citizen_a").get("@my-data?format=pdf")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    def test_anonymous_and_bad_format(self, session_for, filed):
        assert session_for("Anonymous").get("@my-data").status_code == 401
        refused = session_for("citizen_a").get("@my-data?format=xml")
        assert refused.status_code == 400
        assert refused.json()["error"]["errors"][0]["field"] == "format"


class TestPerson:
    def test_lookup(self, session_for, filed):
        response = session_for("siteadmin").post(
            "@guichet-person", json={"nrn": "85.07.30-033.28"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["person"]["nrn"] == MASKED_A
        assert {item["reference"] for item in body["items"]} == {
            filed["a1"].reference,
            filed["b2"].reference,
        }

    def test_csv_export(self, session_for, filed):
        response = session_for("siteadmin").post(
            "@guichet-person", json={"email": "Citizen_A@example.org", "format": "csv"}
        )
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert {row["reference"] for row in rows} == {
            filed["a1"].reference,
            filed["a2"].reference,
            filed["anon"].reference,
        }

    @pytest.mark.parametrize("who", ["Anonymous", "citizen_a", "backoffice_x"])
    def test_refused(self, session_for, filed, who):
        response = session_for(who).post("@guichet-person", json={"nrn": NRN_A})
        assert response.status_code in (401, 403)
        assert NRN_A not in response.text

    def test_faulty_number(self, session_for, filed):
        response = session_for("siteadmin").post(
            "@guichet-person", json={"nrn": "85073003329"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["errors"][0]["field"] == "nrn"

    def test_never_in_the_url(self, session_for, filed):
        # A read by POST: GET is not served (the number would be logged).
        response = session_for("siteadmin").get(f"@guichet-person?nrn={NRN_A}")
        assert response.status_code == 405


class TestMaskedJson:
    def test_item_and_listing(self, session_for, filed):
        backoffice = session_for("backoffice_x")
        item = backoffice.get(f"demarches/z/@submissions/{filed['a1'].id}").json()
        assert item["data"]["niss"] == MASKED_A
        listing = backoffice.get("@submissions").json()
        assert NRN_A not in str(listing) and NRN_B not in str(listing)
        verified = backoffice.get(f"demarches/x/@submissions/{filed['b2'].id}").json()
        assert verified["verified_identity"]["national_number"] == MASKED_A
        admin = session_for("siteadmin")
        item = admin.get(f"demarches/z/@submissions/{filed['a1'].id}").json()
        assert item["data"]["niss"] == NRN_A

    def test_export(self, session_for, filed):
        response = session_for("backoffice_x").get(
            "demarches/z/@submissions-export?format=csv"
        )
        assert response.status_code == 200
        assert MASKED_A in response.text and NRN_A not in response.text


def test_a_lookup_and_an_export_never_commit(session_for, filed, functional):
    """POST only so that the value is in no URL: still a read."""
    database = functional["zodbDB"]
    last = database.lastTransaction()
    admin = session_for("siteadmin")
    for body in ({"nrn": NRN_A}, {"email": "citizen_a@example.org", "format": "csv"}):
        assert admin.post("@guichet-person", json=body).status_code == 200
    assert database.lastTransaction() == last
