"""Searching requests through both channels (issue #13): ``GET
@submissions?q=`` and the staff page's search box find the same requests,
in the same order, within what the caller may read; an API token finds no
more than its account; the export applies the search too; the search
stays in the page's address with the other filters."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.openapi import conforms
from fixtures.pages import listed
from imio.guichet.submissions.api import submit
from plone import api
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlparse

import csv
import io
import pytest
import requests
import transaction


@pytest.fixture
def filed(site):
    """On X: Élodie Lambert (March 1st), Jeanne Dupont, Hélène Lambert;
    on Y: Élodie Martin."""
    x, y = site.demarches.x, site.demarches.y
    when = datetime(2026, 3, 1, 10, tzinfo=UTC)
    answers = [
        (x, {**VALID_DATA, "name": "Élodie Lambert"}),
        (x, VALID_DATA),
        (x, {**VALID_DATA, "name": "Hélène LAMBERT", "comment": "Rue de l'Église"}),
        (y, {**DEFAULT_FORM_DATA, "first_name": "Elodie", "last_name": "Martin"}),
    ]
    with api.env.adopt_roles(["Manager"]):
        refs = [
            submit(procedure, data, submitter=None, now=when.replace(day=day)).reference
            for day, (procedure, data) in enumerate(answers, start=1)
        ]
    transaction.commit()
    return dict(zip(("elodie", "jeanne", "helene", "martin"), refs, strict=True))


def rest(session, **query) -> list[str]:
    response = session.get(f"@submissions?{urlencode(query)}")
    assert response.status_code == 200, response.text
    conforms(response.json(), "Listing")
    return [item["reference"] for item in response.json()["items"]]


def html(site, browser, **query) -> list[str]:
    browser.open(f"{site.absolute_url()}/@@guichet-requests?{urlencode(query)}")
    return listed(browser)


QUERIES = [
    {"q": "lambert", "sort_order": "descending"},
    {"q": "LAMBERT", "sort_order": "ascending"},
    {"q": "élodie", "sort_order": "descending"},
    {"q": "helene", "sort_order": "descending"},
    {"q": "lamb eglise", "sort_order": "descending"},
    {"q": "elodie", "sort_on": "state", "sort_order": "ascending"},
    {"q": "lambert", "state": "received", "sort_order": "descending"},
    {"q": "nobody", "sort_order": "descending"},
]


class TestParity:
    @pytest.mark.parametrize("who", ["backoffice_x", "backoffice_y", "siteadmin"])
    @pytest.mark.parametrize("query", QUERIES)
    def test_rest_and_html_find_the_same(
        self, site, filed, session_for, browser_for, who, query
    ):
        by_rest = rest(session_for(who), **query)
        by_html = html(site, browser_for(who), **query)
        assert by_rest == by_html

    def test_what_is_found(self, site, filed, session_for):
        office = session_for("backoffice_x")
        descending = {"sort_order": "descending"}
        assert rest(office, q="lambert", **descending) == [
            filed["helene"],
            filed["elodie"],
        ]
        assert rest(office, q="elodie", **descending) == [filed["elodie"]]
        assert rest(session_for("siteadmin"), q="elodie", **descending) == [
            filed["martin"],
            filed["elodie"],
        ]
        assert rest(session_for("backoffice_y"), q="lambert") == []

    def test_pages_follow_the_search(self, site, filed, session_for):
        office = session_for("backoffice_x")
        first = office.get("@submissions?q=lambert&limit=1").json()
        assert first["items_total"] == 2
        assert parse_qs(urlparse(first["next"]).query)["q"] == ["lambert"]
        second = office.get(first["next"]).json()
        assert [i["reference"] for i in first["items"] + second["items"]] == [
            filed["elodie"],
            filed["helene"],
        ]
        assert second["next"] is None

    def test_a_too_long_search_is_refused(self, site, filed, session_for):
        response = session_for("backoffice_x").get(f"@submissions?q={'x' * 201}")
        assert response.status_code == 400
        errors = response.json()["error"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("q", "search_too_long")]

    def test_not_with_the_feed(self, site, filed, session_for):
        response = session_for("backoffice_x").get("@submissions?since=0&q=lambert")
        assert response.status_code == 400


class TestScope:
    @pytest.mark.parametrize("who", ["citizen_a", "editor"])
    def test_who_may_not_list_may_not_search(self, site, filed, session_for, who):
        assert session_for(who).get("@submissions?q=elodie").status_code == 403

    def test_a_token_finds_no_more_than_its_account(self, site, filed, session_for):
        made = session_for("siteadmin").post(
            "@guichet-tokens", json={"user": "backoffice_y", "label": "ERP"}
        )
        assert made.status_code == 201, made.text
        session = requests.Session()
        session.headers.update(
            {
                "Accept": "application/json",
                "Authorization": f"Bearer {made.json()['token']}",
            }
        )
        for q in ("elodie", "lambert", "jeanne@example.org", "dupont"):
            answer = session.get(f"{site.absolute_url()}/@submissions?q={q}").json()
            references = {item["reference"] for item in answer["items"]}
            assert references <= {filed["martin"]}, q
        x_listing = session.get(
            f"{site.absolute_url()}/demarches/x/@submissions?q=lambert"
        )
        assert x_listing.status_code == 403


class TestPage:
    def test_the_search_stays_in_the_address(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        browser.open(f"{site.absolute_url()}/@@guichet-requests")
        browser.getControl(name="q").value = "Lambert"
        browser.getControl("Filter").click()
        assert parse_qs(urlparse(browser.url).query)["q"] == ["Lambert"]
        assert browser.getControl(name="q").value == "Lambert"
        assert listed(browser) == [filed["helene"], filed["elodie"]]
        # The sortable columns keep it.
        sort_link = browser.getLink(url="sort_on=state")
        assert parse_qs(urlparse(sort_link.url).query)["q"] == ["Lambert"]

    def test_a_too_long_search_is_shown_next_to_its_box(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        browser.open(f"{site.absolute_url()}/@@guichet-requests?q={'x' * 201}")
        assert 'data-error-field="q"' in browser.contents
        assert 'data-error-code="search_too_long"' in browser.contents


class TestExport:
    def test_the_export_applies_the_search(self, site, filed, session_for):
        office = session_for("backoffice_x")
        response = office.get(
            "demarches/x/@submissions-export", params={"format": "csv", "q": "lambert"}
        )
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == 2
        cells = {value for row in rows for value in row.values()}
        assert {"Élodie Lambert", "Hélène LAMBERT"} <= cells
