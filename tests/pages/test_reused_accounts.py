"""A new account with a deleted account's login inherits nothing of it
(issue #10, item 5): requests and drafts are bound to the account's
identity key, and detached when the account is deleted."""

from fixtures.accounts import PASSWORD
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.pages import listed
from imio.guichet.caller import Caller
from imio.guichet.drafts.api import get_draft_store
from imio.guichet.identities import get_identity_store
from imio.guichet.identities import identity_key
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import list_submitted_by
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.usecases.citizen import is_submitter
from plone import api
from zope.annotation.interfaces import IAnnotations

import pytest
import transaction


def recreate(username: str) -> None:
    """Delete the account ``username`` and make another with its login."""
    transaction.begin()
    with api.env.adopt_roles(["Manager"]):
        api.user.delete(username=username)
        api.user.create(
            email=f"new.{username}@example.org", username=username, password=PASSWORD
        )
    transaction.commit()


@pytest.fixture
def old(site, session_for):
    """What the first citizen_a filed and kept, before their account is
    deleted and another citizen_a is made: the request (id, reference,
    tracking secret) and a draft id."""
    citizen = session_for("citizen_a")
    filed = citizen.post("demarches/x/@submissions", json={"data": VALID_DATA})
    assert filed.status_code == 201, filed.text
    draft = citizen.post("demarches/x/@drafts", json={"data": {"name": "Brouillon"}})
    assert draft.status_code == 201, draft.text
    transaction.begin()
    submission = get_store().get(filed.json()["id"])
    assert is_submitter(Caller("citizen_a"), submission)
    secret = tracking_secret(get_store(), submission)
    transaction.commit()
    recreate("citizen_a")
    return {
        "id": submission.id,
        "reference": submission.reference,
        "secret": secret,
        "draft": draft.json()["id"],
    }


def own_page(site, browser, reference) -> str:
    return f"{site.absolute_url()}/@@my-requests?reference={reference}"


class TestNewAccountWithTheSameLogin:
    def test_my_requests_is_empty(self, site, old, browser_for):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests")
        assert listed(browser) == []
        assert "Brouillon" not in browser.contents
        transaction.begin()
        assert list_submitted_by("citizen_a").total == 0

    def test_the_old_request_is_not_found(self, site, old, browser_for):
        browser = browser_for("citizen_a")
        browser.raiseHttpErrors = False
        browser.open(own_page(site, browser, old["reference"]))
        assert browser.headers["status"].startswith("404")
        assert "Jeanne Dupont" not in browser.contents

    def test_nor_its_receipt(self, site, old, session_for):
        citizen = session_for("citizen_a")
        response = citizen.get(
            f"{site.absolute_url()}/@@receipt", params={"reference": old["reference"]}
        )
        assert response.status_code == 404

    @pytest.mark.parametrize(
        "action", [{"withdraw": "1"}, {"reply": "1", "message": "Me voici"}]
    )
    def test_it_cannot_be_withdrawn_nor_answered(
        self, site, old, session_for, browser_for, action
    ):
        if "reply" in action:
            staff_asks(old["id"])
        # The newcomer's own request gives them a page with a CSRF token.
        mine = session_for("citizen_a").post(
            "demarches/y/@submissions", json={"data": DEFAULT_FORM_DATA}
        )
        browser = browser_for("citizen_a")
        browser.open(own_page(site, browser, mine.json()["reference"]))
        token = browser.getControl(name="_authenticator", index=0).value
        transaction.begin()
        before = get_store().get(old["id"])
        state, version = before.state, etag(before)
        browser.raiseHttpErrors = False
        query = "&".join(f"{key}={value}" for key, value in action.items())
        browser.post(
            f"{site.absolute_url()}/@@my-requests",
            f"reference={old['reference']}&etag={version}&{query}"
            f"&_authenticator={token}",
        )
        assert browser.headers["status"].startswith("404")
        transaction.begin()
        assert get_store().get(old["id"]).state == state
        assert get_store().get(old["id"]).revision == before.revision

    @pytest.mark.parametrize("action", ["@withdraw", "@reply"])
    def test_nor_over_rest(self, site, old, session_for, action):
        transaction.begin()
        version = etag(get_store().get(old["id"]))
        body = {"message": "Me voici"} if action == "@reply" else {}
        response = session_for("citizen_a").post(
            f"@submissions/{old['id']}/{action}",
            json=body,
            headers={"If-Match": version},
        )
        assert response.status_code == 404
        transaction.begin()
        assert get_store().get(old["id"]).state == "submitted"

    def test_nor_the_old_draft(self, site, old, session_for):
        citizen = session_for("citizen_a")
        assert citizen.get(f"@drafts/{old['draft']}").status_code == 404
        filed = citizen.post(
            "demarches/x/@submissions", json={"draft_id": old["draft"]}
        )
        assert filed.status_code == 404

    def test_the_tracking_link_still_opens_it(self, site, old, browser_for):
        browser = browser_for("Anonymous")
        browser.open(
            f"{site.absolute_url()}/@@track-request?reference={old['reference']}"
            f"&secret={old['secret']}"
        )
        assert old["reference"] in browser.contents
        assert "Jeanne Dupont" in browser.contents

    def test_the_back_office_still_handles_it(self, site, old, session_for):
        office = session_for("backoffice_x")
        response = office.get(f"@submissions/{old['id']}")
        assert response.status_code == 200
        assert response.json()["submitter"] is None
        ids = [item["id"] for item in office.get("@submissions").json()["items"]]
        assert old["id"] in ids

    def test_detached_but_remembered(self, site, old):
        transaction.begin()
        submission = get_store().get(old["id"])
        assert submission.submitter is None
        # The key of the deleted account stays with the request, for the
        # record, and is no account's any more.
        assert submission.submitter_key
        assert identity_key("citizen_a") != submission.submitter_key
        draft = get_draft_store().get(old["draft"])
        assert draft.owner is None


def staff_asks(submission_id):
    """The service asks the citizen something (through the core)."""
    from imio.guichet.submissions.handling import update_state

    for attempt in transaction.manager.attempts(3):
        with attempt:
            submission = get_store().get(submission_id)
            for state in ("in_progress", "waiting_citizen"):
                update_state(
                    submission,
                    state,
                    seen_etag=etag(submission),
                    user_id="backoffice_x",
                    public_message=(
                        "Une copie de votre carte" if state == "waiting_citizen" else ""
                    ),
                )


class TestBothChecks:
    def test_a_login_alone_is_not_the_account(self, site, session_for):
        """Even if an account vanished without the deletion event (so its
        requests were never detached), a newcomer does not match the
        identity key the requests keep."""
        filed = session_for("citizen_a").post(
            "demarches/x/@submissions", json={"data": VALID_DATA}
        )
        transaction.begin()
        submission = get_store().get(filed.json()["id"])
        assert is_submitter(Caller("citizen_a"), submission)
        get_identity_store().forget("citizen_a")  # as a new account would be
        assert submission.submitter == "citizen_a"
        assert not is_submitter(Caller("citizen_a"), submission)
        assert list_submitted_by("citizen_a").total == 0
        transaction.abort()


class TestUpgrade1003:
    def test_a_site_of_version_1002(self, portal, procedure, setup_tool):
        """As 1002 left a site: no identity store, submissions and drafts
        without keys, "My requests" indexed by login, no public URL."""
        from imio.guichet.drafts.api import save_draft
        from imio.guichet.submissions.api import submit
        from imio.guichet.urls import PUBLIC_URL_RECORD

        with api.env.adopt_roles(["Manager"]):
            api.user.create(
                email="a@example.org", username="citizen_a", password=PASSWORD
            )
            mine = submit(procedure, VALID_DATA, submitter="citizen_a")
            ghost = submit(procedure, VALID_DATA, submitter="ghost")
            draft, _secret = save_draft(procedure, {"name": "x"}, "citizen_a")
        store = get_store()
        for submission in (mine, ghost):
            owner = store._by_submitter.pop(submission.submitter_key)
            store._by_submitter[submission.submitter] = owner
            del submission.submitter_key  # the class default: None
        del draft.owner_key
        del IAnnotations(portal)["imio.guichet.identities"]
        registry = api.portal.get_tool("portal_registry")
        del registry.records[PUBLIC_URL_RECORD]
        profile = "imio.guichet:default"
        setup_tool.setLastVersionForProfile(profile, "1002")

        with api.env.adopt_roles(["Manager"]):
            setup_tool.upgradeProfile(profile, dest="1003")

        assert setup_tool.getLastVersionForProfile(profile) == ("1003",)
        assert api.portal.get_registry_record(PUBLIC_URL_RECORD) == (
            portal.absolute_url()
        )
        assert mine.submitter_key == identity_key("citizen_a")
        assert is_submitter(Caller("citizen_a"), mine)
        assert [s.id for s in list_submitted_by("citizen_a").items] == [mine.id]
        # "ghost" has no account: detached, as deleting it would have.
        assert ghost.submitter is None
        assert "ghost" not in set(store._by_submitter)
        assert draft.owner_key == identity_key("citizen_a")


class TestEmails:
    def test_the_newcomer_gets_no_email_of_the_old_request(self, site):
        """A form without an e-mail field writes to the account's address:
        never to a newer account's with the same login."""
        from imio.guichet.notifications.messages import citizen_address
        from imio.guichet.submissions.api import submit

        procedure = site.demarches.x
        procedure.form_schema = procedure.form_schema.replace(
            'type="plone.schema.email.Email"', 'type="zope.schema.TextLine"'
        )
        with api.env.adopt_roles(["Manager"]):
            submission = submit(procedure, VALID_DATA, submitter="citizen_a")
        assert citizen_address(submission, procedure) == "citizen_a@example.org"
        # The account vanished without the deletion event, and a new one
        # took its login: the request is not detached, yet not theirs.
        get_identity_store().forget("citizen_a")
        assert citizen_address(submission, procedure) is None
        transaction.abort()
