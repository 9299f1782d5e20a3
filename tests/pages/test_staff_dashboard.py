"""The dashboard's page and ``GET @guichet-dashboard``: the same figures,
only of what the user may read; charts are SVG images with a title, a
description and a table; the CSV is the same on both channels."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.openapi import conforms
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.due import today
from plone import api
from zExceptions import Forbidden

import csv
import io
import pytest
import re
import transaction


@pytest.fixture
def filed(site):
    """Three requests of X this week and one of Y."""
    now = datetime.now(UTC)
    with api.env.adopt_roles(["Manager"]):
        for n in range(3):
            submit(site.demarches.x, VALID_DATA, submitter=None, now=now - timedelta(n))
        submit(site.demarches.y, DEFAULT_FORM_DATA, submitter=None, now=now)
    transaction.commit()


def test_rest_on_the_site_and_a_procedure(site, filed, session_for):
    office = session_for("backoffice_x")
    answer = office.get("@guichet-dashboard")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    conforms(body, "Dashboard")
    assert body["total"] == 3  # nothing of Y
    assert body["procedures"] == [api.content.get_uuid(site.demarches.x)]
    assert body["on"] == today().isoformat()
    assert len(body["weeks"]) == 52
    assert sum(week["count"] for week in body["weeks"]) == 3
    assert {"state": "submitted", "count": 3} in body["states"]
    assert body["processing"] == {
        "decided": 0,
        "median_hours": None,
        "p90_hours": None,
        "histogram": [],
    }
    one = office.get("demarches/x/@guichet-dashboard").json()
    conforms(one, "Dashboard")
    assert one["total"] == 3
    assert office.get("demarches/y/@guichet-dashboard").status_code == 403
    assert session_for("citizen_a").get("@guichet-dashboard").status_code == 403
    assert session_for("Anonymous").get("@guichet-dashboard").status_code == 401
    assert session_for("Manager").get("@guichet-dashboard").json()["total"] == 4
    refused = office.get("@guichet-dashboard?format=pdf")
    assert refused.status_code == 400
    assert office.post("@guichet-dashboard", json={}).status_code == 405


def test_csv_is_the_same_on_both_channels(site, filed, session_for, browser_for):
    answer = session_for("backoffice_x").get("@guichet-dashboard?format=csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["table", "item", "value"]
    assert ["state", "submitted", "3"] in rows
    browser = browser_for("backoffice_x")
    browser.open(f"{site.absolute_url()}/@@guichet-dashboard?format=csv")
    assert browser.headers["Content-Type"].startswith("text/csv")
    assert browser.contents.replace("\r\n", "\n") == answer.text.replace("\r\n", "\n")


def test_the_page(site, filed, browser_for):
    browser = browser_for("backoffice_x")
    browser.open(f"{site.absolute_url()}/demarches/x/@@guichet-requests")
    browser.getLink(url="demarches/x/@@guichet-dashboard").click()
    assert browser.url.endswith("/demarches/x/@@guichet-dashboard")
    page = browser.contents
    charts = re.findall(r"<svg[^>]*guichet-chart[^>]*>", page)
    assert len(charts) == 2
    for chart in charts:
        assert 'role="img"' in chart
        ident = re.search(r'aria-labelledby="(\S+)-title \1-desc"', chart).group(1)
        assert f'<title id="{ident}-title">' in page
        assert f'<desc id="{ident}-desc">' in page
    # Each chart's table: 8 states, 52 weeks.
    tables = page.split("<table")[1:]
    assert len(tables) == 2
    assert tables[0].count("<tr") == 1 + 8
    assert tables[1].count("<tr") == 1 + 52
    assert re.search(r'class="[^"]*dashboard-total"\s*>3<', page)
    browser.getLink("Download the figures (CSV)")
    with pytest.raises(Forbidden):
        browser_for("backoffice_y").open(
            f"{site.absolute_url()}/demarches/x/@@guichet-dashboard"
        )
