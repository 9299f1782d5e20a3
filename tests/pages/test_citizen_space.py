"""The citizen's space: "Mes démarches", tracking links, answering the
service, withdrawing; and the submitter index behind them."""

from datetime import timedelta
from fixtures.accounts import PASSWORD
from fixtures.files import EXE
from fixtures.files import PDF
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.pages import fill_valid
from fixtures.pages import listed
from fixtures.stored import make_submission
from fixtures.stored import START
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import list_submitted_by
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.events import ISubmissionStateChangedEvent
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.submissions.tracking import tracking_secret
from plone import api
from zExceptions import Forbidden
from zExceptions import Unauthorized
from zope.component import getGlobalSiteManager

import html
import pytest
import re
import requests
import transaction


def file(procedure, submitter=None, data=None):
    with api.env.adopt_roles(["Manager"]):
        return submit(procedure, data or VALID_DATA, submitter=submitter)


@pytest.fixture
def filed(site):
    """Submissions of citizen A (two), citizen B (one) and an anonymous one:
    key -> (id, reference, tracking secret)."""
    x, y = site.demarches.x, site.demarches.y
    made = {
        "a1": file(x, "citizen_a"),
        "a2": file(y, "citizen_a", DEFAULT_FORM_DATA),
        "b1": file(x, "citizen_b"),
        "anon": file(x),
    }
    store = get_store()
    result = {
        key: (s.id, s.reference, tracking_secret(store, s)) for key, s in made.items()
    }
    transaction.commit()
    return result


def stored(submission_id):
    transaction.begin()
    return get_store().get(submission_id)


def staff_moves(submission_id, *states, message="", note=""):
    """Move a submission on as staff would (through the core), retried on a
    conflict as Zope retries a request (the feed's settler may commit at
    the same moment)."""
    for attempt in transaction.manager.attempts(3):
        with attempt:
            submission = get_store().get(submission_id)
            for state in states:
                update_state(
                    submission,
                    state,
                    seen_etag=etag(submission),
                    user_id="backoffice_x",
                    public_message=message if state == "waiting_citizen" else "",
                    internal_note=note,
                )


def tracking_url(site, filed, key, secret=None):
    _id, reference, right = filed[key]
    secret = right if secret is None else secret
    return (
        f"{site.absolute_url()}/@@track-request?reference={reference}&secret={secret}"
    )


class TestMyRequests:
    def test_exactly_my_own_submissions(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(site.absolute_url() + "/@@my-requests")
        assert listed(browser) == [filed["a2"][1], filed["a1"][1]]  # newest first
        browser = browser_for("citizen_b")
        browser.open(site.absolute_url() + "/@@my-requests")
        assert listed(browser) == [filed["b1"][1]]

    @pytest.mark.parametrize("who", ["backoffice_x", "siteadmin"])
    def test_staff_have_no_requests_of_their_own(self, site, filed, browser_for, who):
        browser = browser_for(who)
        browser.open(site.absolute_url() + "/@@my-requests")
        assert listed(browser) == []

    def test_anonymous_must_log_in(self, site, filed, browser_for):
        with pytest.raises(Unauthorized):
            browser_for("Anonymous").open(site.absolute_url() + "/@@my-requests")

    def test_pages(self, site, filed):
        transaction.begin()
        first = list_submitted_by("citizen_a", limit=1)
        assert [s.reference for s in first.items] == [filed["a1"][1]]
        assert first.total == 2
        second = list_submitted_by("citizen_a", cursor=first.next_cursor, limit=1)
        assert [s.reference for s in second.items] == [filed["a2"][1]]
        assert second.next_cursor is None

    def test_one_of_mine_with_history_but_no_internal_note(
        self, site, filed, browser_for
    ):
        staff_moves(filed["a1"][0], "received", note="NOTE-INTERNE")
        browser = browser_for("citizen_a")
        browser.open(site.absolute_url() + "/@@my-requests")
        browser.getLink(filed["a1"][1]).click()
        assert filed["a1"][1] in browser.contents
        assert "Jeanne Dupont" in browser.contents  # what was sent
        history = browser.contents.split("request-history-list")[1]
        assert "Received" in history or "Reçue" in history
        assert "NOTE-INTERNE" not in browser.contents
        assert "backoffice_x" not in browser.contents  # staff names stay inside

    def test_someone_elses_is_not_found(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.raiseHttpErrors = False
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['b1'][1]}")
        assert browser.headers["status"].startswith("404")
        assert "Jeanne Dupont" not in browser.contents
        not_found = browser.contents
        browser.open(f"{site.absolute_url()}/@@my-requests?reference=AAAA-BBBB")
        assert browser.headers["status"].startswith("404")
        assert _main(browser.contents) == _main(not_found).replace(
            filed["b1"][1], "AAAA-BBBB"
        )

    def test_user_menu_link(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(site.absolute_url())
        assert "@@my-requests" in browser.contents
        browser = browser_for("Anonymous")
        browser.open(site.absolute_url())
        assert "@@my-requests" not in browser.contents


def _main(html: str) -> str:
    """The page's own content, without what differs between requests."""
    return html.split('id="content-core"')[1].split("</article>", maxsplit=1)[0]


class TestTracking:
    def test_right_secret_shows_the_request(self, site, filed, browser_for):
        staff_moves(filed["anon"][0], "received", note="NOTE-INTERNE")
        browser = browser_for("Anonymous")
        browser.open(tracking_url(site, filed, "anon"))
        assert filed["anon"][1] in browser.contents
        assert "Received" in browser.contents or "Reçue" in browser.contents
        assert "NOTE-INTERNE" not in browser.contents

    @pytest.mark.parametrize(
        "secret",
        ["", "wrong", "A" * 22, "%C3%A9t%C3%A9"],
        ids=["missing", "wrong", "forged", "non-ascii"],
    )
    def test_wrong_or_missing_secret_shows_nothing(
        self, site, filed, browser_for, secret
    ):
        browser = browser_for("Anonymous")
        browser.raiseHttpErrors = False
        browser.open(tracking_url(site, filed, "anon", secret))
        assert browser.headers["status"].startswith("404")
        assert filed["anon"][1] not in _main(browser.contents)
        assert "Jeanne Dupont" not in browser.contents
        refused = _main(browser.contents)
        # The same answer as for a reference that does not exist.
        browser.open(
            f"{site.absolute_url()}/@@track-request?reference=AAAA-BBBB&secret=x"
        )
        assert browser.headers["status"].startswith("404")
        assert _main(browser.contents) == refused

    def test_another_submissions_secret_opens_nothing(self, site, filed, browser_for):
        browser = browser_for("Anonymous")
        browser.raiseHttpErrors = False
        browser.open(tracking_url(site, filed, "anon", filed["b1"][2]))
        assert browser.headers["status"].startswith("404")

    def test_confirmation_page_links_to_tracking(self, site, browser_for):
        browser = browser_for("Anonymous")
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        reference = browser.url.split("reference=")[1]
        link = browser.getLink(url="@@track-request")
        assert f"reference={reference}" in link.url
        link.click()
        assert reference in browser.contents
        assert "Jeanne Dupont" in browser.contents
        # The confirmation page without the secret shows no tracking link.
        browser.open(
            site.demarches.x.absolute_url() + f"/@@confirmation?reference={reference}"
        )
        assert "@@track-request" not in browser.contents

    def test_logged_in_confirmation_links_to_my_requests(self, site, browser_for):
        browser = browser_for("citizen_a")
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        assert "@@track-request" in browser.contents
        browser.getLink(url="@@my-requests").click()
        assert browser.url.endswith("/@@my-requests")


@pytest.fixture
def state_changes():
    """The state-change events fired while the test runs."""
    seen = []

    def handler(event):
        seen.append(event)

    registry = getGlobalSiteManager()
    registry.registerHandler(handler, (ISubmissionStateChangedEvent,))
    yield seen
    registry.unregisterHandler(handler, (ISubmissionStateChangedEvent,))


class TestReply:
    def ask(self, filed, key):
        staff_moves(
            filed[key][0],
            "in_progress",
            "waiting_citizen",
            message="Envoyez une copie de votre carte d'identité",
            note="NOTE-INTERNE",
        )

    def test_reply_from_my_requests(
        self, site, filed, browser_for, session_for, state_changes
    ):
        self.ask(filed, "a1")
        state_changes.clear()  # the staff's own moves
        browser = browser_for("citizen_a")
        browser.open(site.absolute_url() + "/@@my-requests")
        assert "answer is expected" in browser.contents
        browser.getLink(filed["a1"][1]).click()
        assert "Envoyez une copie de votre carte" in browser.contents
        assert "NOTE-INTERNE" not in browser.contents
        browser.getControl(name="message").value = "Voici ma carte, envoyée par poste"
        browser.getControl(name="reply").click()
        submission = stored(filed["a1"][0])
        assert submission.state == "in_progress"
        event = submission.history[-1]
        assert event["by"] == "citizen"
        assert event["actor"] == "citizen_a"
        assert event["from_state"] == "waiting_citizen"
        assert event["public_message"] == "Voici ma carte, envoyée par poste"
        assert [(e.submission.id, e.event["to_state"]) for e in state_changes] == [
            (filed["a1"][0], "in_progress")
        ]
        # The citizen sees the answer in the history; the form is gone.
        assert "Voici ma carte" in browser.contents
        assert 'name="reply"' not in browser.contents
        # Back offices see it in the feed and the staff page.
        feed = session_for("backoffice_x").get("@submissions?since=0").json()
        entry = [i for i in feed["items"] if i["id"] == filed["a1"][0]]
        assert entry and entry[0]["state"] == "in_progress"
        staff = browser_for("backoffice_x")
        staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed['a1'][0]}")
        assert "Voici ma carte" in staff.contents
        assert "Answer from the citizen" in staff.contents or (
            "Réponse du citoyen" in staff.contents
        )

    def test_reply_from_the_tracking_page(self, site, filed, browser_for):
        self.ask(filed, "anon")
        browser = browser_for("Anonymous")
        browser.open(tracking_url(site, filed, "anon"))
        browser.getControl(name="message").value = "Carte jointe au guichet"
        browser.getControl(name="reply").click()
        assert "secret=" in browser.url  # back on the tracking page
        submission = stored(filed["anon"][0])
        assert submission.state == "in_progress"
        assert submission.history[-1]["actor"] is None
        assert submission.history[-1]["by"] == "citizen"

    def test_empty_answer_is_refused(self, site, filed, browser_for):
        self.ask(filed, "a1")
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        browser.getControl(name="message").value = "   "
        browser.raiseHttpErrors = False
        browser.getControl(name="reply").click()
        assert browser.headers["status"].startswith("400")
        assert "is-invalid" in browser.contents
        assert stored(filed["a1"][0]).state == "waiting_citizen"

    def test_stale_answer_is_refused(self, site, filed, browser_for):
        self.ask(filed, "a1")
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        staff_moves(filed["a1"][0], "in_progress")  # staff went on meanwhile
        browser.getControl(name="message").value = "Trop tard"
        browser.raiseHttpErrors = False
        browser.getControl(name="reply").click()
        assert browser.headers["status"].startswith("409")
        submission = stored(filed["a1"][0])
        assert all(e.get("public_message") != "Trop tard" for e in submission.history)

    def test_csrf_token_required(self, site, filed, browser_for):
        self.ask(filed, "anon")
        browser = browser_for("Anonymous")
        browser.open(tracking_url(site, filed, "anon"))
        browser.getControl(name="message").value = "Forgé"
        browser.getControl(name="_authenticator", index=0).value = "forged"
        with pytest.raises(Forbidden):
            browser.getControl(name="reply").click()
        assert stored(filed["anon"][0]).state == "waiting_citizen"

    def test_no_answer_form_when_nothing_is_asked(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        assert 'name="reply"' not in browser.contents


class TestWithdraw:
    def test_withdraw_while_submitted(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        assert "cannot be undone" in browser.contents or "irréversible" in (
            browser.contents
        )
        # Not confirmed: nothing is done, the box says why.
        browser.raiseHttpErrors = False
        browser.getControl(name="withdraw").click()
        assert browser.headers["status"].startswith("400")
        assert stored(filed["a1"][0]).state == "submitted"
        assert 'data-error-field="confirm"' in browser.contents
        browser.getControl(name="confirm").value = ["1"]
        browser.getControl(name="withdraw").click()
        assert stored(filed["a1"][0]).state == "withdrawn"
        assert 'name="withdraw"' not in browser.contents

    def test_not_once_received(self, site, filed, browser_for):
        staff_moves(filed["anon"][0], "received")
        browser = browser_for("Anonymous")
        browser.open(tracking_url(site, filed, "anon"))
        assert 'name="withdraw"' not in browser.contents

    def test_someone_elses_cannot_be_withdrawn(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        token = browser.getControl(name="_authenticator", index=0).value
        version = etag(stored(filed["b1"][0]))
        browser.raiseHttpErrors = False
        browser.post(
            f"{site.absolute_url()}/@@my-requests",
            f"reference={filed['b1'][1]}&etag={version}&withdraw=1"
            f"&_authenticator={token}",
        )
        assert browser.headers["status"].startswith("404")
        assert stored(filed["b1"][0]).state == "submitted"


class TestSubmitterIndex:
    def test_add_indexes_logged_in_submitters(self):
        store = SubmissionStore()
        mine = make_submission(START)
        mine.submitter = "jeanne"
        other = make_submission(START + timedelta(seconds=1))
        anonymous = make_submission(START + timedelta(seconds=2))
        other.submitter = "paul"
        for submission in (mine, other, anonymous):
            store.add(submission)
        assert list(store.submitted_by("jeanne")) == [mine.key]
        assert store.count_submitted_by("jeanne") == 1
        assert store.count_submitted_by("nobody") == 0
        assert list(store.submitted_by("")) == []

    def test_pages_after_a_cursor(self):
        store = SubmissionStore()
        for second in range(50):
            submission = make_submission(START + timedelta(seconds=second))
            submission.submitter = "jeanne" if second % 10 == 0 else "paul"
            store.add(submission)
        keys = store.submitted_by("jeanne")
        first_two = [next(keys), next(keys)]
        assert first_two == sorted(first_two)
        after = list(store.submitted_by("jeanne", after=first_two[-1]))
        assert len(after) == 3


def test_new_strings_have_french_translations(portal):
    from imio.guichet.browser.display import CITIZEN_REPLY
    from imio.guichet.forms.display import YES
    from imio.guichet.submissions.states import STATES
    from zope.i18n import translate

    assert translate(CITIZEN_REPLY, target_language="fr") == "Réponse du citoyen"
    assert translate(YES, target_language="fr") == "Oui"
    assert translate(STATES["waiting_citizen"], target_language="fr") == (
        "En attente du citoyen"
    )


def send_answer(browser, message: str, files, auth=None):
    """POST the answer form of the page ``browser`` shows, with ``files``
    ((name, content) pairs), as a browser does (multipart)."""
    page = browser.contents
    form = page[page.rindex("<form", 0, page.index('name="reply"')) :]
    form = form[: form.index("</form>")]
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'name="(\w+)"\s+type="hidden"\s+value="([^"]*)"', form
        )
    }
    return requests.post(
        re.search(r'action="([^"]+)"', form)[1],
        data={**hidden, "message": message, "reply": "1"},
        files=[("files:list", (name, content)) for name, content in files],
        auth=auth,
        allow_redirects=False,
    )


class TestReplyWithFiles:
    ask = TestReply.ask

    def test_files_are_stored_listed_and_downloadable_by_staff(
        self, site, filed, browser_for, session_for
    ):
        self.ask(filed, "a1")
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        sent = send_answer(
            browser,
            "Voici ma carte",
            [("carte d'identité.pdf", PDF)],
            auth=("citizen_a", PASSWORD),
        )
        assert sent.status_code == 303
        submission = stored(filed["a1"][0])
        assert submission.state == "in_progress"
        [file] = submission.history[-1]["files"]
        assert file["filename"] == "carte d'identité.pdf"
        assert file["content-type"] == "application/pdf"
        assert file["attachment"] in submission.attachments
        browser.open(sent.headers["Location"])
        assert "carte d'identité.pdf" in browser.contents  # in the history
        # Staff find it on the request's page, with a link that serves it.
        staff = browser_for("backoffice_x")
        staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed['a1'][0]}")
        link = staff.getLink("carte d'identité.pdf", index=0)
        download = session_for("backoffice_x").get(link.url.split("++api++/")[1])
        assert download.status_code == 200
        assert download.content == PDF
        # Back offices see the file named in the history over REST.
        api_view = session_for("backoffice_x").get(f"@submissions/{filed['a1'][0]}")
        assert (
            api_view.json()["history"][-1]["files"][0]["attachment"]
            == file["attachment"]
        )

    def test_a_refused_file_changes_nothing(self, site, filed, browser_for):
        self.ask(filed, "anon")
        before = stored(filed["anon"][0]).revision
        browser = browser_for("Anonymous")
        browser.open(tracking_url(site, filed, "anon"))
        sent = send_answer(browser, "Voici le programme", [("programme.pdf", EXE)])
        assert sent.status_code == 400
        assert "citizen-files-error" in sent.text
        submission = stored(filed["anon"][0])
        assert submission.state == "waiting_citizen"
        assert submission.revision == before
        assert not (submission.attachments or {})


def send_form(browser, button, message, files=(), auth=None, extra=None):
    """POST the form of the page ``browser`` shows that holds ``button``,
    with ``message`` and ``files`` ((name, content) pairs), as a browser
    does (multipart)."""
    page = browser.contents
    form = page[page.rindex("<form", 0, page.index(f'name="{button}"')) :]
    form = form[: form.index("</form>")]
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'name="(\w+)"\s+type="hidden"\s+value="([^"]*)"', form
        )
    }
    return requests.post(
        html.unescape(re.search(r'action="([^"]+)"', form)[1]),
        data={**hidden, "message": message, button: "1", **(extra or {})},
        files=[("files:list", (name, content)) for name, content in files],
        auth=auth,
        allow_redirects=False,
    )


@pytest.fixture
def messages():
    """The message events fired (webhooks and e-mails hook there)."""
    from imio.guichet.submissions.events import ISubmissionMessageEvent

    seen = []

    def handler(event):
        seen.append(event.event)

    registry = getGlobalSiteManager()
    registry.registerHandler(handler, (ISubmissionMessageEvent,))
    yield seen
    registry.unregisterHandler(handler, (ISubmissionMessageEvent,))


def file_links(page: str) -> dict[str, str]:
    """The history's file links of a page: label -> URL."""
    return {
        html.unescape(label): html.unescape(url)
        for url, label in re.findall(
            r'<a class="history-file"\s+href="([^"]+)">([^<]+)</a>', page
        )
    }


class TestMessagesWithFiles:
    """The citizen writes at any time while the request is open, and staff
    send files (a decision, a permit) that the citizen downloads."""

    def test_citizen_writes_without_being_asked(
        self, site, filed, browser_for, session_for, messages
    ):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        assert 'name="reply"' not in browser.contents  # nothing asked
        sent = send_form(
            browser,
            "write",
            "J'ai oublié le plan",
            [("plan.pdf", PDF)],
            auth=("citizen_a", PASSWORD),
        )
        assert sent.status_code == 303
        submission = stored(filed["a1"][0])
        assert submission.state == "submitted"  # a message changes no state
        event = submission.history[-1]
        assert event["action"] == "message"
        assert event["by"] == "citizen"
        assert event["public_message"] == "J'ai oublié le plan"
        [described] = event["files"]
        assert described["filename"] == "plan.pdf"
        assert [seen["action"] for seen in messages] == ["message"]
        # The citizen downloads it from their page.
        browser.open(sent.headers["Location"])
        assert "J'ai oublié le plan" in browser.contents
        [link] = file_links(browser.contents).values()
        own = requests.get(link, auth=("citizen_a", PASSWORD))
        assert own.status_code == 200
        assert own.content == PDF
        # Nobody else does.
        other = requests.get(link, auth=("citizen_b", PASSWORD))
        assert other.status_code == 404
        # Staff see it over REST, and the request is back in the feed.
        api_view = session_for("backoffice_x").get(f"@submissions/{filed['a1'][0]}")
        assert api_view.json()["history"][-1]["action"] == "message"
        feed = session_for("backoffice_x").get("@submissions?since=0").json()
        assert feed["items"][-1]["id"] == filed["a1"][0]

    def test_an_empty_message_is_refused(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        before = stored(filed["a1"][0]).revision
        sent = send_form(browser, "write", "  ", auth=("citizen_a", PASSWORD))
        assert sent.status_code == 400
        assert "citizen-message-error" in sent.text
        assert stored(filed["a1"][0]).revision == before

    def test_staff_send_a_permit_the_anonymous_citizen_downloads(
        self, site, filed, browser_for
    ):
        staff_moves(filed["anon"][0], "in_progress")
        staff = browser_for("backoffice_x")
        staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed['anon'][0]}")
        sent = send_form(
            staff,
            "to_state",
            "Votre demande est acceptée: voici l'autorisation.",
            [("autorisation.pdf", PDF)],
            auth=("backoffice_x", PASSWORD),
            extra={"to_state": "accepted"},
        )
        assert sent.status_code == 303, sent.text
        submission = stored(filed["anon"][0])
        assert submission.state == "accepted"
        [described] = submission.history[-1]["files"]
        assert described["filename"] == "autorisation.pdf"
        # The citizen, with the tracking link only, downloads it.
        citizen = browser_for("Anonymous")
        citizen.open(tracking_url(site, filed, "anon"))
        links = file_links(citizen.contents)
        [link] = [url for label, url in links.items() if "autorisation" in label]
        assert "secret=" in link
        download = requests.get(link)
        assert download.status_code == 200
        assert download.content == PDF
        assert "autorisation.pdf" in download.headers["Content-Disposition"]
        # Without the secret, nothing.
        assert requests.get(re.sub(r"secret=[^&]+", "secret=x", link)).status_code == (
            404
        )

    def test_staff_message_only(self, site, filed, browser_for, messages):
        staff = browser_for("backoffice_x")
        staff.open(f"{site.absolute_url()}/@@guichet-request?id={filed['a1'][0]}")
        sent = send_form(
            staff,
            "write",
            "Nous traitons votre demande cette semaine.",
            [("horaire.pdf", PDF)],
            auth=("backoffice_x", PASSWORD),
        )
        assert sent.status_code == 303, sent.text
        submission = stored(filed["a1"][0])
        assert submission.state == "submitted"
        assert submission.history[-1]["by"] == "staff"
        assert [seen["by"] for seen in messages] == ["staff"]
        citizen = browser_for("citizen_a")
        citizen.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        assert "Nous traitons votre demande cette semaine." in citizen.contents
        assert any("horaire.pdf" in label for label in file_links(citizen.contents))

    def test_no_message_once_closed(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        staff_moves(filed["a1"][0], "in_progress", "rejected", "closed")
        version = etag(stored(filed["a1"][0]))
        sent = send_form(
            browser,
            "write",
            "Encore une chose",
            auth=("citizen_a", PASSWORD),
            extra={"etag": version},
        )
        assert sent.status_code == 409
        browser.open(f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}")
        assert 'name="write"' not in browser.contents


class TestNoCmsForCitizens:
    """The toolbar and the byline are for those who work on the site."""

    def pages(self, site, filed):
        procedure = site.demarches.x.absolute_url()
        return [
            procedure,
            f"{procedure}/@@submit",
            f"{site.absolute_url()}/@@my-requests",
            f"{site.absolute_url()}/@@my-requests?reference={filed['a1'][1]}",
        ]

    def test_a_citizen_sees_neither(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        for url in self.pages(site, filed):
            browser.open(url)
            assert 'id="edit-bar"' not in browser.contents, url
            assert 'id="section-byline"' not in browser.contents, url
            # What the toolbar's user menu gave: the member tools.
            tools = browser.contents.split('class="imio-guichet-citizen-links"')[1]
            tools = tools.split("</nav>")[0]
            assert "@@my-requests" in tools, url
            assert "/logout" in tools, url

    @pytest.mark.parametrize("who", ["editor", "siteadmin"])
    def test_editors_keep_them(self, site, filed, browser_for, who):
        browser = browser_for(who)
        browser.open(site.demarches.x.absolute_url())
        assert 'id="edit-bar"' in browser.contents
        assert 'id="section-byline"' in browser.contents

    def test_staff_keep_the_toolbar_where_they_handle_requests(
        self, site, filed, browser_for
    ):
        browser = browser_for("backoffice_x")
        browser.open(site.demarches.x.absolute_url())
        assert 'id="edit-bar"' in browser.contents
        # Elsewhere in the site, as before.
        browser.open(f"{site.absolute_url()}/@@guichet-requests")
        assert 'id="edit-bar"' in browser.contents

    def test_other_pages_are_untouched(self, site, filed, browser_for):
        browser = browser_for("citizen_a")
        browser.open(site.absolute_url())  # not a page of the guichet
        assert 'id="edit-bar"' in browser.contents
