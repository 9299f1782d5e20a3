"""The staff pages as a worklist: assignment on a request's page (handlers
only, in the history), "Mes dossiers", due dates and late requests
standing out, sortable columns keeping the filters in the address, and
the columns a procedure's webmaster chooses."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.pages import listed
from imio.guichet.audit import iter_records
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from plone import api

import pytest
import re
import transaction


@pytest.fixture
def filed(site):
    """x1 (20 days ago: late), x2 (today) of X with a 5-day delay;
    y1 of Y (no delay), filed by citizen_b."""
    x, y = site.demarches.x, site.demarches.y
    now = datetime.now(UTC)
    with api.env.adopt_roles(["Manager"]):
        x.processing_days = 5
        x.processing_day_kind = "calendar"
        api.user.get(userid="citizen_b").setMemberProperties(
            {"fullname": "Élodie Martin"}
        )
        result = {
            "x1": submit(x, VALID_DATA, submitter=None, now=now - timedelta(days=20)),
            "x2": submit(x, VALID_DATA, submitter=None, now=now),
            "y1": submit(y, DEFAULT_FORM_DATA, submitter="citizen_b"),
        }
    refs = {key: (s.id, s.reference) for key, s in result.items()}
    transaction.commit()
    return refs


def open_request(site, browser, submission_id):
    browser.open(f"{site.absolute_url()}/@@guichet-request?id={submission_id}")


class TestAssignment:
    def test_assign_and_unassign_on_the_page(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        open_request(site, browser, filed["x1"][0])
        select = browser.getControl(name="assignee")
        assert select.options == ["", "backoffice_x"]  # handlers of X only
        select.value = ["backoffice_x"]
        browser.getControl(name="assign").click()
        assert browser.url.endswith(f"id={filed['x1'][0]}")  # redirected
        transaction.begin()
        submission = get_store().get(filed["x1"][0])
        assert submission.assignee == "backoffice_x"
        history = browser.contents.split("request-history-table")[1]
        assert "history-assignee" in history
        browser.getControl(name="assignee").value = [""]
        browser.getControl(name="assign").click()
        transaction.begin()
        submission = get_store().get(filed["x1"][0])
        assert submission.assignee is None
        assert [e["action"] for e in submission.history][-2:] == [
            "assign",
            "unassign",
        ]
        actions = [r["action"] for r in iter_records()]
        assert actions.count("assign") == 2

    def test_a_non_handler_is_refused_next_to_the_field(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        open_request(site, browser, filed["x1"][0])
        browser.handleErrors = True
        browser.raiseHttpErrors = False
        # A hand-made option: someone who does not handle X.
        form = browser.getForm(index=list_forms(browser).index("assign"))
        token = form.getControl(name="_authenticator").value
        etag = form.getControl(name="etag").value
        browser.post(
            f"{site.absolute_url()}/@@guichet-request",
            "&".join(
                [
                    f"id={filed['x1'][0]}",
                    f"etag={etag}",
                    f"_authenticator={token}",
                    "assignee=backoffice_y",
                    "assign=1",
                ]
            ),
        )
        assert browser.headers["status"].startswith("400")
        assert 'data-error-field="assignee"' in browser.contents
        assert 'data-error-code="not_a_handler"' in browser.contents
        transaction.begin()
        assert get_store().get(filed["x1"][0]).assignee is None

    def test_my_cases(self, site, filed, browser_for):
        with api.env.adopt_roles(["Manager"]):
            submission = get_store().get(filed["x2"][0])
            get_store().assign(submission, "backoffice_x")
        transaction.commit()
        browser = browser_for("backoffice_x")
        browser.open(site.absolute_url() + "/@@guichet-requests")
        browser.getLink(url="assignee=me").click()
        assert "assignee=me" in browser.url
        assert listed(browser) == [filed["x2"][1]]
        # Someone else's cases, by id: the filter shows who.
        admin = browser_for("siteadmin")
        admin.open(site.absolute_url() + "/@@guichet-requests?assignee=backoffice_x")
        assert listed(admin) == [filed["x2"][1]]
        assert admin.getControl(name="assignee").value == ["backoffice_x"]


def list_forms(browser) -> list[str]:
    """For each form of the page, "assign" or "other"."""
    return [
        "assign" if 'name="assign"' in form else "other"
        for form in re.split(r"<form\b", browser.contents)[1:]
    ]


class TestDueDatesAndSorting:
    def test_late_requests_stand_out(self, site, filed, browser_for):
        browser = browser_for("backoffice_x")
        browser.open(site.absolute_url() + "/@@guichet-requests")
        late = re.findall(r'data-lateness="late"', browser.contents)
        assert len(late) == 1
        row = browser.contents.split('data-lateness="late"')[1].split("</tr>")[0]
        assert filed["x1"][1] in row
        open_request(site, browser, filed["x1"][0])
        assert 'class="col-sm-9 request-due"' in browser.contents
        assert 'data-lateness="late"' in browser.contents

    def test_overdue_and_due_before_filters(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        url = site.absolute_url() + "/@@guichet-requests"
        browser.open(f"{url}?overdue=true")
        assert listed(browser) == [filed["x1"][1]]
        day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        browser.open(f"{url}?due_before={day}")
        assert listed(browser) == [filed["x1"][1], filed["x2"][1]]  # not y1
        browser.open(f"{url}?due_before=2026-02-30")
        assert 'data-error-field="due_before"' in browser.contents
        assert len(listed(browser)) == 3  # the filter is left out

    def test_newest_first_and_sortable_columns(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        uid_x = api.content.get_uuid(site.demarches.x)
        browser.open(
            site.absolute_url() + f"/@@guichet-requests?procedure={uid_x}&limit=1"
        )
        assert listed(browser) == [filed["x2"][1]]  # newest first by default
        browser.getLink(url="sort_on=due").click()
        # The filters stay in the address, the cursor does not.
        assert f"procedure={uid_x}" in browser.url
        assert "sort_on=due" in browser.url and "cursor" not in browser.url
        assert listed(browser) == [filed["x1"][1]]  # the nearest due first
        browser.getLink(url="cursor=").click()
        assert "sort_on=due" in browser.url
        assert listed(browser) == [filed["x2"][1]]
        # Reloading the address shows the same page.
        again = browser_for("siteadmin")
        again.open(browser.url)
        assert listed(again) == [filed["x2"][1]]
        assert 'aria-sort="ascending"' in browser.contents

    def test_sorted_by_state(self, site, filed, browser_for):
        with api.env.adopt_roles(["Manager"]):
            store = get_store()
            store.change_state(store.get(filed["x1"][0]), "received")
        transaction.commit()
        browser = browser_for("siteadmin")
        browser.open(site.absolute_url() + "/@@guichet-requests?sort_on=state")
        assert listed(browser)[-1] == filed["x1"][1]
        assert len(listed(browser)) == 3


class TestColumns:
    def test_the_applicants_name_by_default(self, site, filed, browser_for):
        browser = browser_for("siteadmin")
        browser.open(site.absolute_url() + "/@@guichet-requests")
        assert 'data-column="applicant"' in browser.contents
        assert "Élodie Martin" in browser.contents  # the account's full name

    def test_the_answers_chosen_by_the_webmaster(self, site, filed, browser_for):
        x = site.demarches.x
        with api.env.adopt_roles(["Manager"]):
            x.list_columns = ["email", "copies"]
        transaction.commit()
        browser = browser_for("backoffice_x")
        browser.open(x.absolute_url() + "/@@guichet-requests")
        headers = re.findall(r'data-column="([^"]+)"', browser.contents)
        assert headers == ["email", "copies"]
        assert VALID_DATA["email"] in browser.contents


class TestProcedureSettings:
    """The webmaster sets the delay and the columns on the procedure's
    edit form (its *Handling* fieldset)."""

    @pytest.fixture
    def manager_browser(self, site):
        from plone.app.testing import SITE_OWNER_NAME
        from plone.app.testing import SITE_OWNER_PASSWORD
        from plone.testing.zope import Browser

        browser = Browser(site.aq_parent)
        browser.handleErrors = False
        browser.addHeader(
            "Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}"
        )
        return browser

    def test_edit_form(self, site, manager_browser):
        procedure = site.demarches.x
        manager_browser.open(procedure.absolute_url() + "/edit")
        prefix = "form.widgets.IOnlineForm."
        manager_browser.getControl(name=prefix + "processing_days").value = "10"
        manager_browser.getControl(name=prefix + "processing_day_kind:list").value = [
            "calendar"
        ]
        manager_browser.getControl(name=prefix + "list_columns").value = "email\ncopies"
        manager_browser.getControl(name="form.buttons.save").click()
        transaction.begin()
        assert procedure.processing_days == 10
        assert procedure.processing_day_kind == "calendar"
        assert procedure.list_columns == ["email", "copies"]

    def test_a_column_must_be_a_field_of_the_form(self, site, manager_browser):
        procedure = site.demarches.x
        manager_browser.open(procedure.absolute_url() + "/edit")
        manager_browser.getControl(
            name="form.widgets.IOnlineForm.list_columns"
        ).value = "email\nnope"
        manager_browser.getControl(name="form.buttons.save").click()
        assert "The form has no field named nope." in manager_browser.contents
        transaction.begin()
        assert not procedure.list_columns
