"""Classic UI for staff: the "Demandes" listings and one submission's page."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.pages import listed
from imio.guichet.audit import iter_records
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from plone import api
from zExceptions import Forbidden
from zExceptions import NotFound
from zExceptions import Unauthorized

import pytest
import re
import transaction


def file(procedure, submitter=None, now=None, data=None):
    """File a submission through the core, as the form does."""
    with api.env.adopt_roles(["Manager"]):
        return submit(procedure, data or VALID_DATA, submitter=submitter, now=now)


@pytest.fixture
def filed(site):
    """Two submissions of X (anonymous, citizen_a), one of Y (citizen_b)."""
    x, y = site.demarches.x, site.demarches.y

    result = {
        "x1": file(x, now=datetime(2026, 3, 1, 10, tzinfo=UTC)),
        "x2": file(x, "citizen_a", now=datetime(2026, 3, 5, 10, tzinfo=UTC)),
        "y1": file(y, "citizen_b", data=DEFAULT_FORM_DATA),
    }
    refs = {key: (s.id, s.reference) for key, s in result.items()}
    transaction.commit()
    return refs


def buttons(browser) -> list[str]:
    """The states the transition buttons of the page lead to."""
    pattern = r'name="to_state"\s+type="submit"\s+value="([^"]+)"'
    return re.findall(pattern, browser.contents)


def move(browser, state: str) -> None:
    """Click the button of a transition."""
    browser.getControl(name="to_state", index=buttons(browser).index(state)).click()


def audit_records():
    transaction.begin()
    return list(iter_records())


class TestListing:
    def test_site_listing_of_a_back_office(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        browser.open(site.absolute_url() + "/@@guichet-requests")
        contents = browser.contents
        assert filed["x1"][1] in contents
        assert filed["x2"][1] in contents
        assert filed["y1"][1] not in contents  # not granted on Y
        # Counts per state, from the indexes of X only.
        assert 'data-state="submitted"' in contents
        counts = contents.split('data-state="submitted"')[1].split("</a>")[0]
        assert ">2<" in counts.replace(" ", "").replace("\n", "")
        # Only the granted procedure is offered in the filter.
        options = browser.getControl(name="procedure").displayOptions
        assert options[1:] == ["Extrait"]

    def test_site_administrator_sees_all(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        browser.open(site.absolute_url() + "/@@guichet-requests")
        for key in ("x1", "x2", "y1"):
            assert filed[key][1] in browser.contents
        assert "3 request" in browser.contents or "3 demande" in browser.contents

    def test_filters(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        url = site.absolute_url() + "/@@guichet-requests"
        uid_y = api.content.get_uuid(site.demarches.y)
        browser.open(f"{url}?procedure={uid_y}")
        assert filed["y1"][1] in browser.contents
        assert filed["x1"][1] not in browser.contents
        browser.open(f"{url}?state=received")
        assert "requests-table" not in browser.contents
        browser.open(f"{url}?from=2026-03-02&to=2026-03-31")
        assert filed["x2"][1] in browser.contents
        assert filed["x1"][1] not in browser.contents
        assert filed["y1"][1] not in browser.contents  # filed today
        browser.open(f"{url}?to=2026-03-01")
        assert filed["x1"][1] in browser.contents
        assert filed["x2"][1] not in browser.contents
        for bad in ("from=31/31/2026", "to=9999-12-31", "from=0001-01-01"):
            browser.open(f"{url}?{bad}")
            assert "is-invalid" in browser.contents
            assert "YYYY-MM-DD" in browser.contents
            assert len(listed(browser)) == 3  # the filter is not applied

    def test_search_by_reference(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        url = site.absolute_url() + "/@@guichet-requests"
        reference = filed["x2"][1]
        browser.open(f"{url}?reference={reference.lower().replace('-', '')}")
        assert listed(browser) == [reference]
        # Y's reference is not found by X's back office: same empty answer.
        browser.open(f"{url}?reference={filed['y1'][1]}")
        assert listed(browser) == []
        assert "requests-empty" in browser.contents

    def test_pagination_with_a_cursor(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        browser.open(
            site.absolute_url() + "/@@guichet-requests?limit=2&sort_order=ascending"
        )
        first = [filed["x1"][1], filed["x2"][1]]
        assert all(ref in browser.contents for ref in first)
        assert filed["y1"][1] not in browser.contents
        assert 'aria-current="page"' in browser.contents
        browser.getLink(url="cursor=").click()
        assert "page=2" in browser.url
        assert filed["y1"][1] in browser.contents
        assert not any(ref in browser.contents for ref in first)
        assert "cursor=" not in browser.contents.split("requests-table")[-1]
        # A forged cursor shows the first page, with a message.
        browser.open(site.absolute_url() + "/@@guichet-requests?cursor=forged")
        assert filed["x1"][1] in browser.contents
        assert "alert-warning" in browser.contents

    def test_newest_first_page_by_page(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        browser.open(
            site.absolute_url() + "/@@guichet-requests?limit=2&sort_order=descending"
        )
        assert listed(browser) == [filed["y1"][1], filed["x2"][1]]
        selected = browser.getControl(name="sort_order").value
        assert selected == ["descending"]
        browser.getLink(url="cursor=").click()
        assert "sort_order=descending" in browser.url  # the order goes on
        assert listed(browser) == [filed["x1"][1]]

    def test_procedure_listing(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        browser.open(site.demarches.x.absolute_url() + "/@@guichet-requests")
        assert filed["x1"][1] in browser.contents
        assert filed["y1"][1] not in browser.contents

    def test_listing_is_audited(self, site, filed, browser_for):
        browser_for("backoffice_x").open(site.absolute_url() + "/@@guichet-requests")
        records = audit_records()
        assert [(r["actor"], r["action"]) for r in records] == [
            ("backoffice_x", "list")
        ]
        assert set(records[0]["submissions"]) == {filed["x1"][0], filed["x2"][0]}


#: Who may open what: (user, path under the site, expected exception or None)
MATRIX = [
    ("Anonymous", "@@guichet-requests", Unauthorized),
    ("citizen_a", "@@guichet-requests", Forbidden),
    ("editor", "@@guichet-requests", Forbidden),
    ("backoffice_x", "@@guichet-requests", None),
    ("siteadmin", "@@guichet-requests", None),
    ("Anonymous", "demarches/x/@@guichet-requests", Unauthorized),
    ("citizen_b", "demarches/x/@@guichet-requests", Forbidden),
    ("editor", "demarches/x/@@guichet-requests", Forbidden),
    ("backoffice_y", "demarches/x/@@guichet-requests", Forbidden),
    ("backoffice_x", "demarches/y/@@guichet-requests", Forbidden),
    ("backoffice_x", "demarches/x/@@guichet-requests", None),
    ("siteadmin", "demarches/y/@@guichet-requests", None),
]


@pytest.mark.parametrize("who,path,refused", MATRIX)
def test_listing_permissions(site, filed, browser_for, who, path, refused):
    browser = browser_for(who)
    url = f"{site.absolute_url()}/{path}"
    if refused is None:
        browser.open(url)
        assert "requests-states" in browser.contents
    else:
        with pytest.raises(refused):
            browser.open(url)


@pytest.mark.parametrize(
    "who,refused",
    [
        ("Anonymous", Unauthorized),
        ("citizen_a", Forbidden),  # even its submitter: staff page
        ("editor", Forbidden),
        ("backoffice_y", Forbidden),
        ("backoffice_x", None),
        ("siteadmin", None),
    ],
)
def test_submission_page_permissions(site, filed, browser_for, who, refused):
    url = f"{site.absolute_url()}/@@guichet-request?id={filed['x2'][0]}"
    browser = browser_for(who)
    if refused is None:
        browser.open(url)
        assert filed["x2"][1] in browser.contents
    else:
        with pytest.raises(refused):
            browser.open(url)
        assert all(r["action"] != "read" for r in audit_records())


def test_refused_answers_over_http(site, filed, session_for):
    """The real statuses: 403 for a logged-in user, login for anonymous."""
    url = f"@@guichet-request?id={filed['y1'][0]}"
    response = session_for("backoffice_x").get(url, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert filed["y1"][1] not in response.text
    response = session_for("Anonymous").get(
        url, headers={"Accept": "text/html"}, allow_redirects=False
    )
    assert response.status_code in (302, 401)
    assert filed["y1"][1] not in response.text


def test_unknown_submission(site, filed, browser_for):
    with pytest.raises(NotFound):
        browser_for("siteadmin").open(site.absolute_url() + "/@@guichet-request?id=x")


class TestSubmissionPage:
    def open(self, site, browser, submission_id):
        browser.open(f"{site.absolute_url()}/@@guichet-request?id={submission_id}")

    def test_answers_history_and_buttons(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        self.open(site, browser, filed["x2"][0])
        answers = browser.contents.split("request-answers-table")[1]
        answers = answers.split("</table>")[0]
        assert "Nombre d'exemplaires" in answers or "Nombre d&#x27;exemplaires" in (
            answers
        )
        assert "17/05/1990" in answers  # a date as people write it
        assert "Jeanne Dupont" in answers
        assert "school, work" in answers  # a set, sorted as stored
        assert "Yes" in answers or "Oui" in answers  # a boolean
        history = browser.contents.split("request-history-table")[1]
        assert "citizen_a" in history
        assert buttons(browser) == ["received", "in_progress"]  # allowed_states

    def test_read_is_audited(self, site, filed, browser_for):
        self.open(site, browser_for("backoffice_x"), filed["x1"][0])
        records = audit_records()
        assert [(r["actor"], r["action"], r["submissions"]) for r in records] == [
            ("backoffice_x", "read", [filed["x1"][0]])
        ]

    def test_transition_with_message_and_note(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        self.open(site, browser, filed["x1"][0])
        browser.getControl(name="message").value = "Bien reçu"
        browser.getControl(name="note").value = "dossier papier au bureau 2"
        move(browser, "received")
        assert browser.url.endswith(f"id={filed['x1'][0]}")
        transaction.begin()
        submission = get_store().get(filed["x1"][0])
        assert submission.state == "received"
        event = submission.history[-1]
        assert event["actor"] == "backoffice_x"
        assert event["public_message"] == "Bien reçu"
        assert event["internal_note"] == "dossier papier au bureau 2"
        assert "dossier papier au bureau 2" in browser.contents  # staff see notes
        assert buttons(browser) == ["in_progress", "rejected"]
        actions = [(r["action"], r["details"].get("to")) for r in audit_records()]
        assert ("change_state", "received") in actions

    def test_asking_the_citizen_needs_a_message(self, site, filed, browser_for):
        with api.env.adopt_roles(["Manager"]):
            submission = get_store().get(filed["x1"][0])
            update_state(
                submission, "in_progress", seen_etag=etag(submission), user_id="x"
            )
        transaction.commit()
        browser = browser_for("backoffice_x")
        self.open(site, browser, filed["x1"][0])
        browser.getControl(name="note").value = "à relancer"
        browser.handleErrors = True
        browser.raiseHttpErrors = False
        move(browser, "waiting_citizen")
        assert browser.headers["status"].startswith("400")
        assert "is-invalid" in browser.contents
        assert "à relancer" in browser.contents  # what was typed is kept
        transaction.begin()
        assert get_store().get(filed["x1"][0]).state == "in_progress"

    def test_stale_version_is_refused(self, site, filed, browser_for):
        first, second = browser_for("backoffice_x"), browser_for("siteadmin")
        self.open(site, first, filed["x1"][0])
        self.open(site, second, filed["x1"][0])
        move(second, "received")
        first.handleErrors = True
        first.raiseHttpErrors = False
        move(first, "in_progress")
        assert first.headers["status"].startswith("409")
        assert "alert-danger" in first.contents
        transaction.begin()
        submission = get_store().get(filed["x1"][0])
        assert submission.state == "received"
        assert [e.get("to_state") for e in submission.history] == [
            "submitted",
            "received",
        ]
        # The page now shows the current version: its buttons work.
        move(first, "in_progress")
        transaction.begin()
        assert get_store().get(filed["x1"][0]).state == "in_progress"

    def test_csrf_token_required(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        self.open(site, browser, filed["x1"][0])
        # The first form of the page is the transitions'.
        browser.getControl(name="_authenticator", index=0).value = "forged"
        with pytest.raises(Forbidden):
            move(browser, "received")
        transaction.begin()
        assert get_store().get(filed["x1"][0]).state == "submitted"

    def test_get_cannot_change_state(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        self.open(site, browser, filed["x1"][0])
        browser.open(
            f"{site.absolute_url()}/@@guichet-request?id={filed['x1'][0]}"
            "&to_state=received&etag=" + etag(get_store().get(filed["x1"][0]))
        )
        transaction.begin()
        assert get_store().get(filed["x1"][0]).state == "submitted"

    def test_no_buttons_without_the_manage_permission(self, site, filed, browser_for):
        site.manage_permission(
            "imio.guichet: Manage submissions", ["Manager"], acquire=False
        )
        transaction.commit()
        browser = browser_for("backoffice_x")
        self.open(site, browser, filed["x1"][0])
        assert "request-transitions" not in browser.contents
        # And a post made by hand, with a valid token, is refused.
        browser.open(site.absolute_url() + "/@@personal-information")
        token = browser.getControl(name="_authenticator").value
        transaction.begin()
        version = etag(get_store().get(filed["x1"][0]))
        with pytest.raises(Forbidden):
            browser.post(
                site.absolute_url() + "/@@guichet-request",
                f"id={filed['x1'][0]}&etag={version}&to_state=received"
                f"&_authenticator={token}",
            )
        transaction.begin()
        assert get_store().get(filed["x1"][0]).state == "submitted"


class TestActions:
    def test_staff_find_the_requests_in_their_menu(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        browser.open(site.absolute_url())
        assert "@@guichet-requests" in browser.contents

    @pytest.mark.parametrize("who", ["citizen_a", "editor"])
    def test_others_do_not(self, site, filed, browser_for, who):
        browser = browser_for(who)
        browser.open(site.absolute_url())
        assert "@@guichet-requests" not in browser.contents
        assert "@@my-requests" in browser.contents

    @pytest.mark.parametrize(
        "who,shown", [("backoffice_x", True), ("siteadmin", True), ("editor", False)]
    )
    def test_procedure_tab(self, site, filed, browser_for, who, shown):
        browser = browser_for(who)
        browser.open(site.demarches.x.absolute_url())
        assert ('id="contentview-guichet-procedure-requests"' in browser.contents) is (
            shown
        )
        if shown:
            browser.getLink(url="demarches/x/@@guichet-requests").click()
            assert listed(browser) == [filed["x2"][1], filed["x1"][1]]  # newest
