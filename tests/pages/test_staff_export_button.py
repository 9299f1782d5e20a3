"""The export buttons of the staff listing: the file holds the rows the
listing's filters select, and only those (the same use case as the API)."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.audit import iter_records
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from plone import api

import csv
import html
import io
import pytest
import re
import transaction


@pytest.fixture
def filed(site):
    """Four requests of X (March 1st to 4th), the second received."""
    with api.env.adopt_roles(["Manager"]):
        made = [
            submit(
                site.demarches.x,
                VALID_DATA,
                submitter=None,
                now=datetime(2026, 3, day, 10, tzinfo=UTC),
            )
            for day in (1, 2, 3, 4)
        ]
        update_state(made[1], "received", seen_etag=etag(made[1]), user_id="x")
    transaction.commit()
    return [s.reference for s in made]


def export_links(browser) -> dict:
    return {
        kind: html.unescape(url)
        for url, kind in re.findall(
            r'href="([^"]+)"\s+data-format="([a-z]+)"', browser.contents
        )
    }


def exported_references(browser, url) -> list[str]:
    browser.open(url)
    rows = list(csv.DictReader(io.StringIO(browser.contents)))
    return [row["reference"] for row in rows]


def test_the_file_holds_the_filtered_rows_only(site, filed, browser_for):
    browser = browser_for("backoffice_x")
    base = f"{site.absolute_url()}/demarches/x/@@guichet-requests"
    browser.open(f"{base}?state=submitted&from=2026-03-02")
    links = export_links(browser)
    assert set(links) == {"csv", "xlsx", "jsonl"}
    assert exported_references(browser, links["csv"]) == [filed[2], filed[3]]
    # Exactly what the listing shows.
    browser.open(f"{base}?state=submitted&from=2026-03-02")
    shown = re.findall(r'class="request-link"[^>]*>([^<]+)<', browser.contents)
    assert sorted(shown) == sorted([filed[2], filed[3]])


def test_a_reference_searched_exports_that_request(site, filed, browser_for):
    browser = browser_for("backoffice_x")
    searched = filed[1].lower()  # as a person types it
    browser.open(
        f"{site.absolute_url()}/demarches/x/@@guichet-requests?reference={searched}"
    )
    links = export_links(browser)
    assert exported_references(browser, links["csv"]) == [filed[1]]
    browser.open(links["jsonl"])
    assert [line for line in browser.contents.splitlines() if line] and all(
        filed[1] in line for line in browser.contents.splitlines() if line
    )
    # The trail says which rows were exported.
    transaction.begin()
    exports = [r for r in iter_records() if r["action"] == "export"]
    assert [r["references"] for r in exports] == [[filed[1]], [filed[1]]]
    assert exports[0]["details"]["reference"] == searched


def test_the_site_listing_asks_for_a_procedure(site, filed, browser_for):
    browser = browser_for("backoffice_x")
    browser.open(f"{site.absolute_url()}/@@guichet-requests?state=received")
    assert export_links(browser) == {}
    assert "requests-export-hint" in browser.contents
    uid = api.content.get_uuid(site.demarches.x)
    browser.open(
        f"{site.absolute_url()}/@@guichet-requests?state=received&procedure={uid}"
    )
    assert "requests-export-hint" not in browser.contents
    links = export_links(browser)
    assert set(links) == {"csv", "xlsx", "jsonl"}
    assert exported_references(browser, links["csv"]) == [filed[1]]
