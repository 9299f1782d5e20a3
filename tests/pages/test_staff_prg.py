"""Post/Redirect/Get on the staff's request page: a refused change keeps
the page, the request (``?id=`` in the address) and what was typed, with
the error next to its field; a reload never sends the form again."""

from fixtures.forms import VALID_DATA
from imio.guichet.browser.prg import COOKIE
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from plone import api

import pytest
import re
import transaction


@pytest.fixture
def in_progress(site):
    """A request of X that staff are working on (asking the citizen
    something needs a message from there)."""
    with api.env.adopt_roles(["Manager"]):
        submission = submit(site.demarches.x, VALID_DATA, submitter=None)
        update_state(
            submission, "in_progress", seen_etag=etag(submission), user_id="someone"
        )
    transaction.commit()
    return submission.id


def page_url(site, submission_id):
    return f"{site.absolute_url()}/@@guichet-request?id={submission_id}"


def move(browser, state):
    states = re.findall(
        r'name="to_state"\s+type="submit"\s+value="([^"]+)"', browser.contents
    )
    browser.getControl(name="to_state", index=states.index(state)).click()


def history_length(submission_id):
    transaction.begin()
    return len(get_store().get(submission_id).history)


def test_refused_change_redirects_and_keeps_what_was_typed(
    site, in_progress, browser_for
):
    browser = browser_for("backoffice_x")
    browser.handleErrors = True
    browser.raiseHttpErrors = False
    browser.open(page_url(site, in_progress))
    browser.getControl(name="note").value = "à relancer lundi"
    browser.followRedirects = False
    move(browser, "waiting_citizen")  # needs a message: refused
    assert browser.headers["status"].startswith("303")
    assert browser.headers["Location"] == page_url(site, in_progress)
    browser.open(browser.headers["Location"])
    # The request's page, its address, the error next to the field, the
    # refusal's status, and the note as typed.
    assert browser.url == page_url(site, in_progress)
    assert browser.headers["status"].startswith("400")
    assert 'data-error-field="message"' in browser.contents
    assert 'data-error-code="message_required"' in browser.contents
    assert "is-invalid" in browser.contents
    assert browser.getControl(name="note").value == "à relancer lundi"
    # The form goes back to this address.
    assert browser.getForm(index=1).action == page_url(site, in_progress)
    # A reload is a GET: nothing sent again, the refusal shown once. (Not
    # testbrowser's reload(), which replays the request with its old
    # cookies; a browser sends the ones it holds now.)
    before = history_length(in_progress)
    browser.open(browser.url)
    assert browser.headers["status"].startswith("200")
    assert "data-error-code" not in browser.contents
    assert browser.getControl(name="note").value == ""
    assert history_length(in_progress) == before


def test_success_redirects_to_the_request(site, in_progress, browser_for):
    browser = browser_for("backoffice_x")
    browser.open(page_url(site, in_progress))
    browser.getControl(name="message").value = "Une copie de votre carte ?"
    browser.followRedirects = False
    move(browser, "waiting_citizen")
    assert browser.headers["status"].startswith("303")
    browser.open(browser.headers["Location"])
    assert browser.url == page_url(site, in_progress)
    length = history_length(in_progress)
    browser.open(browser.url)
    assert history_length(in_progress) == length
    transaction.begin()
    assert get_store().get(in_progress).state == "waiting_citizen"


def test_stale_version_keeps_the_page(site, in_progress, browser_for):
    first, second = browser_for("backoffice_x"), browser_for("siteadmin")
    for browser in (first, second):
        browser.open(page_url(site, in_progress))
    move(second, "accepted")
    first.handleErrors = True
    first.raiseHttpErrors = False
    first.getControl(name="message").value = "Refusé : pièce manquante"
    move(first, "rejected")
    assert first.url == page_url(site, in_progress)
    assert first.headers["status"].startswith("409")
    assert 'data-error-code="stale_version"' in first.contents
    assert first.getControl(name="message").value == "Refusé : pièce manquante"
    transaction.begin()
    assert get_store().get(in_progress).state == "accepted"


def test_a_forged_refusal_is_not_shown(site, in_progress, browser_for):
    browser = browser_for("backoffice_x")
    browser.open(page_url(site, in_progress))
    browser.getControl(name="note").value = "x"
    browser.handleErrors = True
    browser.raiseHttpErrors = False
    move(browser, "waiting_citizen")
    assert "data-error-code" in browser.contents
    # The same refusal, its text changed: the signature no longer holds.
    browser.cookies[COOKIE] = "eyJwYWdlIjoiIn0.forged"
    browser.open(page_url(site, in_progress))
    assert "data-error-code" not in browser.contents


def test_a_refusal_too_large_to_keep_is_shown_at_once(site, in_progress, browser_for):
    browser = browser_for("backoffice_x")
    browser.handleErrors = True
    browser.raiseHttpErrors = False
    browser.open(page_url(site, in_progress))
    long_note = "Une note très longue. " * 300
    browser.getControl(name="note").value = long_note
    browser.followRedirects = False
    move(browser, "waiting_citizen")
    assert browser.headers["status"].startswith("400")
    assert 'data-error-code="message_required"' in browser.contents
    assert browser.getControl(name="note").value.strip() == long_note.strip()
    # Still the request's address (the form posts to it).
    assert browser.url == page_url(site, in_progress)


def test_a_refused_message_to_the_citizen_redirects_too(site, in_progress, browser_for):
    """The write and assign forms of the page follow the same pattern as
    the transitions (the one ``apply`` of the view)."""
    browser = browser_for("backoffice_x")
    browser.handleErrors = True
    browser.raiseHttpErrors = False
    browser.open(page_url(site, in_progress))
    browser.getControl(name="note").value = "pour mémoire"
    browser.followRedirects = False
    browser.getControl(name="write").click()  # no message: refused
    assert browser.headers["status"].startswith("303")
    browser.open(browser.headers["Location"])
    assert browser.url == page_url(site, in_progress)
    assert 'data-error-code="message_required"' in browser.contents
    assert browser.getControl(name="note").value == "pour mémoire"


def test_a_refused_assignment_redirects_too(site, in_progress, browser_for):
    first, second = browser_for("backoffice_x"), browser_for("siteadmin")
    for browser in (first, second):
        browser.open(page_url(site, in_progress))
    move(second, "accepted")
    first.handleErrors = True
    first.raiseHttpErrors = False
    first.followRedirects = False
    first.getControl(name="assign").click()  # the version shown is stale
    assert first.headers["status"].startswith("303")
    first.open(first.headers["Location"])
    assert first.url == page_url(site, in_progress)
    assert first.headers["status"].startswith("409")
    assert 'data-error-code="stale_version"' in first.contents
    transaction.begin()
    assert get_store().get(in_progress).assignee is None
