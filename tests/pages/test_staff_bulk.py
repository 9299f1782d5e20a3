"""Bulk changes of state from the staff's listing, and over REST
(``POST @submissions-bulk``): each request checked and audited alone; the
answer says which could not move and why."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
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
    """Five requests of X filed a day apart; the last one already received
    (it cannot be "received" again)."""
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    with api.env.adopt_roles(["Manager"]):
        made = [
            submit(
                site.demarches.x,
                VALID_DATA,
                submitter=None,
                now=start + timedelta(days=n),
            )
            for n in range(5)
        ]
        update_state(made[4], "received", seen_etag=etag(made[4]), user_id="x")
    transaction.commit()
    return [(s.id, s.reference) for s in made]


def listing(site):
    return f"{site.absolute_url()}/demarches/x/@@guichet-requests"


def changes_in_trail():
    transaction.begin()
    return [r for r in iter_records() if r["action"] == "change_state"]


def states(five):
    transaction.begin()
    store = get_store()
    return [store.get(submission_id).state for submission_id, _ in five]


def test_one_of_five_refused_on_the_page(site, five, browser_for):
    browser = browser_for("backoffice_x")
    browser.open(listing(site) + "?sort_order=ascending")
    for submission_id, _ in five:
        browser.getControl(name="ids:list").getControl(
            value=submission_id
        ).selected = True
    browser.getControl(name="to_state").value = ["received"]
    browser.getControl(name="message").value = "Bien reçu"
    browser.followRedirects = False
    browser.getControl("Apply to the selected requests").click()
    # Post/Redirect/Get: back to the listing, its filters kept.
    assert browser.headers["status"].startswith("303")
    assert browser.headers["Location"] == listing(site) + "?sort_order=ascending"
    browser.open(browser.headers["Location"])
    outcome = browser.contents.split("requests-bulk-outcome")[1].split("</div>")[0]
    said = " ".join(re.sub(r"<[^>]+>", " ", outcome).split())
    assert "4 requests moved to Received." in said
    assert "1 request could not move:" in said
    refused = re.findall(
        r'<li data-error-code="([^"]+)"\s+data-reference="([^"]+)"', outcome
    )
    assert refused == [("transition_not_allowed", five[4][1])]
    assert states(five) == ["received"] * 5
    # Each one audited alone, the refused one not at all.
    changes = changes_in_trail()
    assert sorted(r["submissions"][0] for r in changes) == sorted(
        submission_id for submission_id, _ in five[:4]
    )
    assert all(r["actor"] == "backoffice_x" for r in changes)
    transaction.begin()
    history = get_store().get(five[0][0]).history
    assert history[-1]["public_message"] == "Bien reçu"
    # A reload is a GET: nothing sent again, the outcome shown once.
    browser.open(browser.url)
    assert "requests-bulk-outcome" not in browser.contents
    assert len(changes_in_trail()) == 4


def test_a_request_changed_meanwhile_is_not_overwritten(site, five, browser_for):
    browser = browser_for("backoffice_x")
    browser.open(listing(site))
    chosen = browser.getControl(name="ids:list")
    for submission_id, _ in five[:2]:
        chosen.getControl(value=submission_id).selected = True
    with api.env.adopt_roles(["Manager"]):
        moved = get_store().get(five[1][0])
        update_state(moved, "in_progress", seen_etag=etag(moved), user_id="other")
    transaction.commit()
    browser.getControl(name="to_state").value = ["received"]
    browser.getControl("Apply to the selected requests").click()
    assert 'data-error-code="stale_version"' in browser.contents
    assert states(five)[:2] == ["received", "in_progress"]


def test_nothing_chosen_is_said_next_to_the_list(site, five, browser_for):
    browser = browser_for("backoffice_x")
    browser.handleErrors = True
    browser.raiseHttpErrors = False
    browser.open(listing(site))
    browser.getControl(name="to_state").value = ["received"]
    browser.getControl("Apply to the selected requests").click()
    assert browser.url.startswith(listing(site))
    assert 'data-error-field="submissions"' in browser.contents
    assert 'data-error-code="none_chosen"' in browser.contents
    assert states(five) == ["submitted"] * 4 + ["received"]


def test_no_bulk_form_without_the_manage_permission(site, five, browser_for):
    site.manage_permission(
        "imio.guichet: Manage submissions", ["Manager"], acquire=False
    )
    transaction.commit()
    browser = browser_for("backoffice_x")
    browser.open(listing(site))
    assert "requests-bulk" not in browser.contents
    assert 'name="ids:list"' not in browser.contents


def test_one_of_five_refused_over_rest(site, five, session_for):
    office = session_for("backoffice_x")
    chosen = [
        {
            "id": submission_id,
            "etag": office.get(f"@submissions/{submission_id}").headers["ETag"],
        }
        for submission_id, _ in five
    ]
    answer = office.post(
        "@submissions-bulk",
        json={"state": "received", "message": "Bien reçu", "submissions": chosen},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["moved"], body["refused"]) == (4, 1)
    assert [item["moved"] for item in body["items"]] == [True] * 4 + [False]
    refused = body["items"][4]
    assert refused["reference"] == five[4][1]
    assert refused["status"] == 409  # what PATCH would have answered
    assert refused["error"]["code"] == "transition_not_allowed"
    assert body["items"][0]["etag"] != chosen[0]["etag"]  # the new version
    assert states(five) == ["received"] * 5
    assert len(changes_in_trail()) == 4


@pytest.mark.parametrize(
    "body,field,code",
    [
        ({"state": "received", "submissions": []}, "submissions", "none_chosen"),
        ({"state": "", "submissions": [{"id": "a"}]}, "state", "state_required"),
        ({"state": "gone", "submissions": [{"id": "a"}]}, "state", "unknown_state"),
        (
            {"state": "received", "submissions": "a"},
            "submissions",
            "invalid_submissions",
        ),
        (
            {"state": "received", "submissions": [{"id": 1}]},
            "submissions",
            "invalid_submissions",
        ),
    ],
)
def test_faulty_bulk_bodies(site, five, session_for, body, field, code):
    answer = session_for("backoffice_x").post("@submissions-bulk", json=body)
    assert answer.status_code == 400
    errors = answer.json()["error"]["errors"]
    assert [(error["field"], error["code"]) for error in errors] == [(field, code)]


def test_another_procedures_request_says_nothing_of_it(site, five, session_for):
    """An id of Y sent by backoffice_x: refused (forbidden), and its
    reference is not given away."""
    with api.env.adopt_roles(["Manager"]):
        other = submit(site.demarches.y, DEFAULT_FORM_DATA, submitter=None)
    transaction.commit()
    answer = session_for("backoffice_x").post(
        "@submissions-bulk",
        json={"state": "received", "submissions": [{"id": other.id, "etag": "x"}]},
    )
    item = answer.json()["items"][0]
    assert item["moved"] is False and item["reference"] is None
    assert item["error"]["code"] == "forbidden"
