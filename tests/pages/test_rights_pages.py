"""The citizens' rights on the pages: the download from "Mes démarches",
the staff's request page with national register numbers masked or in
full by permission, and the page that finds one person's requests."""

from fixtures.rights import file_rights_requests
from fixtures.rights import NRN_A
from fixtures.rights import NRN_B
from imio.guichet.permissions import ViewNationalRegisterNumbers
from zExceptions import Unauthorized

import json
import pytest
import transaction


MASKED_A = "85.07.30-***.**"
FULL_A = "85.07.30-033.28"


@pytest.fixture
def filed(site):
    return file_rights_requests(site)


class TestMyRequests:
    def test_download_links(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests")
        browser.getLink(url="@@my-data?format=json").click()
        assert browser.headers["Content-Type"].startswith("application/json")
        data = json.loads(browser.contents)
        assert {r["reference"] for r in data["requests"]} == {
            filed["a1"].reference,
            filed["a2"].reference,
        }
        assert NRN_B not in browser.contents
        browser.open(f"{site.absolute_url()}/@@my-requests")
        browser.getLink(url="@@my-data?format=pdf").click()
        assert browser.headers["Content-Type"] == "application/pdf"

    def test_anonymous(self, site, filed, browser_for):
        with pytest.raises(Unauthorized):
            browser_for("Anonymous").open(f"{site.absolute_url()}/@@my-data")


class TestRequestPage:
    def open(self, site, browser_for, who, submission):
        browser = browser_for(who)
        browser.open(f"{site.absolute_url()}/@@guichet-request?id={submission.id}")
        return browser.contents

    def test_masked_without_the_permission(self, site, filed, browser_for):
        page = self.open(site, browser_for, "backoffice_x", filed["a1"])
        assert MASKED_A in page and FULL_A not in page and NRN_A not in page
        page = self.open(site, browser_for, "backoffice_x", filed["b2"])
        assert MASKED_A in page and FULL_A not in page  # verified identity

    def test_in_full_with_it(self, site, filed, browser_for):
        assert FULL_A in self.open(site, browser_for, "siteadmin", filed["a1"])
        site.manage_permission(
            ViewNationalRegisterNumbers,
            ["Manager", "Site Administrator", "GuichetBackOffice"],
            True,
        )
        transaction.commit()
        page = self.open(site, browser_for, "backoffice_x", filed["b2"])
        assert FULL_A in page and MASKED_A not in page

    def test_listing_column(self, site, filed, browser_for):
        site.demarches.z.list_columns = ["niss"]
        transaction.commit()
        browser = browser_for("backoffice_x")
        browser.open(f"{site.demarches.z.absolute_url()}/@@guichet-requests")
        assert MASKED_A in browser.contents and FULL_A not in browser.contents


class TestPersonPage:
    def search(self, site, browser_for, who="siteadmin", **typed):
        browser = browser_for(who)
        browser.open(f"{site.absolute_url()}/@@guichet-person")
        for name, value in typed.items():
            browser.getControl(name=name).value = value
        browser.getControl(name="search").click()
        return browser

    def test_finds_by_number(self, site, filed, browser_for):
        browser = self.search(site, browser_for, nrn="850730 033 28")
        assert filed["a1"].reference in browser.contents
        assert filed["b2"].reference in browser.contents
        assert filed["a2"].reference not in browser.contents
        assert 'id="guichet-person-erasure"' in browser.contents
        # Each request found leads to its page's erasure form (a Site
        # Administrator may erase).
        # The number typed is in the form (to export), masked elsewhere.
        assert MASKED_A in browser.contents
        erase = browser.getLink(url=f"{filed['a1'].id}#request-erase-form")
        erase.click()
        assert 'id="request-erase-form"' in browser.contents

    def test_exports(self, site, filed, browser_for):
        browser = self.search(site, browser_for, email="CITIZEN_A@example.org")
        browser.getControl(name="export", index=1).click()  # CSV
        assert browser.headers["Content-Type"].startswith("text/csv")
        assert filed["anon"].reference in browser.contents

    def test_faulty_number_next_to_its_field(self, site, filed, browser_for):
        browser_for_errors = browser_for("siteadmin")
        browser_for_errors.handleErrors = True
        browser_for_errors.raiseHttpErrors = False
        browser_for_errors.open(f"{site.absolute_url()}/@@guichet-person")
        browser_for_errors.getControl(name="nrn").value = "85073003329"
        browser_for_errors.getControl(name="search").click()
        assert 'data-error-field="nrn"' in browser_for_errors.contents
        assert 'data-error-code="invalid_niss"' in browser_for_errors.contents

    def test_refused_without_the_permission(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        browser.handleErrors = True
        browser.raiseHttpErrors = False
        browser.open(f"{site.absolute_url()}/@@guichet-person")
        assert "guichet-person-search" not in browser.contents
        assert browser.url.endswith("/insufficient-privileges")
