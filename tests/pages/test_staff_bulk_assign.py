"""Bulk assignment from the staff's listing and over REST
(``POST @submissions-bulk`` with ``assignee``): each request checked,
assigned and audited alone; the answer says which could not be assigned
and why."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.audit import iter_records
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from plone import api

import pytest
import re
import transaction


@pytest.fixture
def five(site):
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    with api.env.adopt_roles(["Manager"]):
        made = [
            submit(
                site.demarches.x, VALID_DATA, submitter=None, now=start + timedelta(n)
            )
            for n in range(5)
        ]
    transaction.commit()
    return [(s.id, s.reference) for s in made]


def assigned(five) -> list:
    transaction.begin()
    return [get_store().get(submission_id).assignee for submission_id, _ in five]


def assignments_in_trail() -> list:
    transaction.begin()
    return [r for r in iter_records() if r["action"] == "assign"]


def change_meanwhile(submission_id: str) -> None:
    with api.env.adopt_roles(["Manager"]):
        moved = get_store().get(submission_id)
        update_state(moved, "received", seen_etag=etag(moved), user_id="other")
    transaction.commit()


def test_one_of_five_refused_on_the_page(site, five, browser_for):
    listing = f"{site.absolute_url()}/demarches/x/@@guichet-requests"
    browser = browser_for("backoffice_x")
    browser.open(listing)
    chosen = browser.getControl(name="ids:list")
    for submission_id, _ in five:
        chosen.getControl(value=submission_id).selected = True
    assignee = browser.getForm(id="requests-bulk").getControl(name="bulk_assignee")
    assert "backoffice_x" in assignee.options
    assert "backoffice_y" not in assignee.options  # not a handler of X
    assignee.value = ["backoffice_x"]
    change_meanwhile(five[4][0])
    browser.followRedirects = False
    browser.getControl("Assign the selected requests").click()
    assert browser.headers["status"].startswith("303")
    browser.open(browser.headers["Location"])
    outcome = browser.contents.split("requests-bulk-outcome")[1].split("</div>")[0]
    said = " ".join(re.sub(r"<[^>]+>", " ", outcome).split())
    assert "4 requests assigned to backoffice_x." in said
    assert "1 request could not be assigned:" in said
    refused = re.findall(
        r'<li data-error-code="([^"]+)"\s+data-reference="([^"]+)"', outcome
    )
    assert refused == [("stale_version", five[4][1])]
    assert assigned(five) == ["backoffice_x"] * 4 + [None]
    trail = assignments_in_trail()
    assert sorted(r["submissions"][0] for r in trail) == sorted(
        submission_id for submission_id, _ in five[:4]
    )
    assert all(r["details"]["to"] == "backoffice_x" for r in trail)


def test_one_of_five_refused_over_rest(site, five, session_for):
    office = session_for("backoffice_x")
    read = {
        submission_id: office.get(f"@submissions/{submission_id}").headers["ETag"]
        for submission_id, _ in five
    }
    change_meanwhile(five[2][0])
    answer = office.post(
        "@submissions-bulk",
        json={
            "assignee": "backoffice_x",
            "submissions": [{"id": i, "etag": read[i]} for i, _ in five],
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["moved"], body["refused"]) == (4, 1)
    refused = [item for item in body["items"] if not item["moved"]]
    assert [(i["id"], i["status"], i["error"]["code"]) for i in refused] == [
        (five[2][0], 412, "stale_version")
    ]
    assert assigned(five) == ["backoffice_x"] * 2 + [None] + ["backoffice_x"] * 2
    assert len(assignments_in_trail()) == 4
    # Unassigned again, in one request; "state" and "assignee" never mix.
    etags = {i["id"]: i["etag"] for i in body["items"] if i["moved"]}
    again = office.post(
        "@submissions-bulk",
        json={
            "assignee": None,
            "submissions": [{"id": i, "etag": e} for i, e in etags.items()],
        },
    )
    assert again.json()["moved"] == 4
    assert assigned(five) == [None] * 5
    mixed = office.post(
        "@submissions-bulk",
        json={"assignee": "backoffice_x", "state": "received", "submissions": []},
    )
    assert mixed.status_code == 400
    # Someone who does not handle X: refused for each one, said why.
    stranger = office.post(
        "@submissions-bulk",
        json={
            "assignee": "backoffice_y",
            "submissions": [{"id": five[0][0], "etag": etags[five[0][0]]}],
        },
    )
    item = stranger.json()["items"][0]
    assert item["error"]["code"] == "invalid_assignee"
    assert item["error"]["errors"][0]["code"] == "not_a_handler"
