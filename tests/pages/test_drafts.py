"""Drafts: save and resume a form, for logged-in and anonymous citizens.

Drafts are never submissions: not in the store's indexes, listings, feed,
exports, webhooks or audit trail.
"""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.drafts import resume_link
from fixtures.drafts import save_in_browser
from fixtures.files import PDF
from fixtures.forms import FIELDS_FORM
from fixtures.mail import body
from fixtures.mail import flush_mail_outbox
from fixtures.pages import fill_valid
from imio.guichet.audit import iter_records
from imio.guichet.drafts.api import clean_draft_data
from imio.guichet.drafts.api import delete_draft
from imio.guichet.drafts.api import DraftRefused
from imio.guichet.drafts.api import get_draft
from imio.guichet.drafts.api import get_draft_store
from imio.guichet.drafts.api import list_drafts
from imio.guichet.drafts.api import MAX_DRAFT_SIZE
from imio.guichet.drafts.api import MAX_DRAFTS_PER_OWNER
from imio.guichet.drafts.api import purge_expired
from imio.guichet.drafts.api import save_draft
from imio.guichet.submissions.api import get_store
from plone import api
from urllib.parse import parse_qs
from urllib.parse import urlparse
from zExceptions import Forbidden

import pytest
import transaction


NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
#: Answers as JSON, the shape of a submission's data (not validated).
TYPED = {
    "name": "Jeanne",
    "email": "pas-encore-une-adresse",
    "purposes": ["work"],
}


class TestCore:
    def test_owner_finds_their_draft(self, procedure):
        draft, secret = save_draft(procedure, TYPED, "jeanne", NOW)
        assert secret is None
        assert draft.data == TYPED
        assert draft.expires == NOW + timedelta(days=30)
        assert get_draft(draft.id, owner="jeanne", now=NOW) is draft
        assert get_draft(draft.id, owner="paul", now=NOW) is None
        assert get_draft(draft.id, now=NOW) is None
        assert list_drafts("jeanne", NOW) == [draft]
        assert list_drafts("paul", NOW) == []

    def test_anonymous_draft_opens_with_its_secret_only(self, procedure):
        draft, secret = save_draft(procedure, TYPED, None, NOW)
        assert len(secret) >= 32
        assert secret not in repr(draft.__dict__)  # only its hash is kept
        assert get_draft(draft.id, secret=secret, now=NOW) is draft
        # Wrong secret, no secret and an unknown id: the same answer.
        assert get_draft(draft.id, secret=secret[:-1] + "x", now=NOW) is None
        assert get_draft(draft.id, secret="", now=NOW) is None
        assert get_draft("0" * 32, secret=secret, now=NOW) is None
        # Nobody "owns" an anonymous draft.
        assert get_draft(draft.id, owner="jeanne", now=NOW) is None

    def test_expiry_from_the_control_panel(self, procedure):
        api.portal.set_registry_record(
            "imio.guichet.interfaces.IGuichetSettings.draft_lifetime_days", 2
        )
        draft, _secret = save_draft(procedure, TYPED, "jeanne", NOW)
        later = NOW + timedelta(days=2)
        assert get_draft(draft.id, owner="jeanne", now=later - timedelta(seconds=1))
        assert get_draft(draft.id, owner="jeanne", now=later) is None
        assert list_drafts("jeanne", later) == []
        kept, _secret = save_draft(procedure, TYPED, "paul", later)
        # Saving purges a few expired drafts; purge_expired the others.
        assert get_draft_store().get(draft.id) is None
        assert purge_expired(later) == 0
        assert purge_expired(later + timedelta(days=2)) == 1
        assert get_draft_store().get(kept.id) is None
        assert len(get_draft_store()) == 0

    def test_saving_again_extends_and_replaces(self, procedure):
        draft, secret = save_draft(procedure, TYPED, None, NOW)
        later = NOW + timedelta(days=20)
        again, no_secret = save_draft(
            procedure, {"name": "Paul"}, None, later, draft=draft
        )
        assert again is draft and no_secret is None
        assert draft.data == {"name": "Paul"}
        assert draft.expires == later + timedelta(days=30)
        assert purge_expired(NOW + timedelta(days=31)) == 0
        assert get_draft(draft.id, secret=secret, now=NOW + timedelta(days=31))

    def test_keeps_only_the_fields_of_the_form_and_no_file(self, procedure):
        data = clean_draft_data(
            procedure.get_form_schema(),
            {
                **TYPED,
                "unknown": "x",
                "copies": {"not": "a number"},
                "comment": ["not", "a text"],
            },
        )
        assert data == TYPED
        with api.env.adopt_roles(["Manager"]):
            procedure.form_schema = FIELDS_FORM
        data = clean_draft_data(
            procedure.get_form_schema(),
            {"zip": "5000", "document": {"filename": "a.pdf", "data": "JVBE"}},
        )
        assert data == {"zip": "5000"}

    def test_bounded(self, procedure):
        with pytest.raises(DraftRefused):
            save_draft(procedure, {"comment": "x" * MAX_DRAFT_SIZE}, None, NOW)
        for _n in range(MAX_DRAFTS_PER_OWNER):
            save_draft(procedure, TYPED, "jeanne", NOW)
        with pytest.raises(DraftRefused):
            save_draft(procedure, TYPED, "jeanne", NOW)

    def test_not_a_submission(self, procedure):
        draft, _secret = save_draft(procedure, TYPED, "jeanne", NOW)
        store = get_store()
        assert store is None or len(store) == 0
        delete_draft(draft)
        assert get_draft_store().get(draft.id) is None


class TestAnonymous:
    def test_save_and_resume(self, site, browser_for):
        browser = browser_for("Anonymous")
        # Incomplete and invalid: a draft is not validated.
        save_in_browser(browser, site, email="pas-une-adresse")
        assert "/@@draft-saved?" in browser.url
        assert "Extrait" in browser.contents
        link = resume_link(browser)
        query = parse_qs(urlparse(link).query)
        assert set(query) == {"id", "secret"}
        assert browser.headers["Referrer-Policy"] == "same-origin"
        other = browser_for("Anonymous")
        other.open(link)
        assert "/demarches/x/@@submit?" in other.url
        assert other.headers["Referrer-Policy"] == "same-origin"
        assert other.getControl("Nom").value == "Jeanne"
        assert other.getControl("E-mail").value == "pas-une-adresse"
        assert other.getControl(name="form.widgets.purposes:list").value == ["work"]

    def test_address_parts_kept_files_left_out(self, site, browser_for):
        site.demarches.x.form_schema = FIELDS_FORM
        transaction.commit()
        browser = browser_for("Anonymous")
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        browser.getControl(name="form.widgets.niss").value = "85.07.30-033"  # wrong
        browser.getControl(name="form.widgets.address.street").value = "Rue de Fer"
        browser.getControl(name="form.widgets.address.locality").value = "Namur"
        browser.getControl(name="form.widgets.document").add_file(
            PDF, "application/pdf", "plan.pdf"
        )
        browser.getControl(name="form.buttons.save_draft").click()
        assert "/@@draft-saved?" in browser.url
        assert "Files are not kept in drafts" in browser.contents
        transaction.begin()
        (draft_id,) = list(get_draft_store()._drafts)
        data = get_draft_store().get(draft_id).data
        assert "document" not in data and "photo" not in data
        assert data["address"]["street"] == "Rue de Fer"
        browser.open(resume_link(browser))
        assert browser.getControl(name="form.widgets.niss").value == "85.07.30-033"
        street = browser.getControl(name="form.widgets.address.street")
        assert street.value == "Rue de Fer"
        assert browser.getControl(name="form.widgets.address.locality").value == "Namur"
        assert "add them again before sending" in browser.contents

    def test_wrong_secret_answers_like_unknown(self, site, browser_for):
        browser = browser_for("Anonymous")
        save_in_browser(browser, site)
        link = resume_link(browser)
        draft_id = parse_qs(urlparse(link).query)["id"][0]
        answers = []
        for query in (
            f"id={draft_id}&secret=wrong",
            f"id={draft_id}",
            "id=0123&secret=wrong",
        ):
            other = browser_for("Anonymous")
            other.raiseHttpErrors = False
            other.open(f"{site.absolute_url()}/@@resume-draft?{query}")
            assert other.headers["status"].startswith("404")
            answers.append(other.contents.split("imio-guichet-draft")[1])
        assert answers[0] == answers[1] == answers[2]
        assert "Jeanne" not in answers[0]

    def test_deleted_from_the_saved_page(self, site, browser_for):
        browser = browser_for("Anonymous")
        save_in_browser(browser, site)
        link = resume_link(browser)
        browser.getControl("Delete this draft").click()
        transaction.begin()
        assert len(get_draft_store()) == 0
        browser.raiseHttpErrors = False
        browser.open(link)
        assert browser.headers["status"].startswith("404")

    def test_robots_and_floods_refused(self, site, browser_for):
        from imio.guichet.browser.honeypot import HONEYPOT_NAME
        from imio.guichet.submissions import protection

        api.portal.set_registry_record(protection.SETTING, 1)
        transaction.commit()
        browser = browser_for("Anonymous")
        browser.raiseHttpErrors = False
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        browser.getControl(name=f"form.widgets.{HONEYPOT_NAME}").value = "http://x"
        browser.getControl(name="form.buttons.save_draft").click()
        assert browser.headers["status"].startswith("400")
        save_in_browser(browser, site)
        assert "/@@draft-saved?" in browser.url
        # New anonymous drafts count with anonymous requests.
        save_in_browser(browser, site)
        assert browser.headers["status"].startswith("429")
        assert int(browser.headers["Retry-After"]) > 0
        transaction.begin()
        assert len(get_draft_store()) == 1

    def test_expired_link_refused(self, site, browser_for):
        browser = browser_for("Anonymous")
        save_in_browser(browser, site)
        link = resume_link(browser)
        transaction.begin()
        store = get_draft_store()
        draft_id = parse_qs(urlparse(link).query)["id"][0]
        draft = store.get(draft_id)
        store.replace(draft, draft.data, NOW, NOW + timedelta(days=1))
        transaction.commit()
        browser.raiseHttpErrors = False
        browser.open(link)
        assert browser.headers["status"].startswith("404")

    def test_filing_deletes_the_draft(self, site, browser_for):
        browser = browser_for("Anonymous")
        save_in_browser(browser, site)
        link = resume_link(browser)
        browser.open(link)
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        assert "/@@confirmation?" in browser.url
        transaction.begin()
        assert len(get_draft_store()) == 0
        assert len(get_store()) == 1
        browser.raiseHttpErrors = False
        browser.open(link)
        assert browser.headers["status"].startswith("404")

    def test_resume_link_emailed(self, site, inbox, browser_for):  # noqa: F811
        browser = browser_for("Anonymous")
        save_in_browser(browser, site, email="jeanne.brouillon@example.org")
        link = resume_link(browser)
        flush_mail_outbox(site)
        (message,) = inbox.to("jeanne.brouillon@example.org")
        assert message["Subject"] == "Votre brouillon : Extrait"
        text = body(message)
        assert link in text
        assert "Jeanne" not in text  # no data of the form in e-mails
        # Neither the service nor anyone else hears of a draft.
        assert len(inbox.messages) == 1

    def test_no_email_for_an_invalid_address(self, site, inbox, browser_for):  # noqa: F811
        browser = browser_for("Anonymous")
        save_in_browser(browser, site, email="jeanne@")
        assert "/@@draft-saved?" in browser.url
        flush_mail_outbox(site)
        assert inbox.messages == []


class TestLoggedIn:
    def test_listed_in_my_requests_and_resumed(self, site, browser_for):
        browser = browser_for("citizen_a")
        save_in_browser(browser, site, name="Jeanne A")
        assert "/@@draft-saved?" in browser.url
        assert "secret=" not in browser.url
        browser.open(site.absolute_url() + "/@@my-requests")
        assert "my-drafts-list" in browser.contents
        assert "Extrait" in browser.contents.split("my-drafts-list")[1]
        browser.getLink("Resume this draft").click()
        assert browser.getControl("Nom").value == "Jeanne A"
        # Not for another citizen, not in their list either.
        other = browser_for("citizen_b")
        other.open(site.absolute_url() + "/@@my-requests")
        assert "my-drafts-list" not in other.contents
        other.raiseHttpErrors = False
        transaction.begin()
        (draft,) = list_drafts("citizen_a")
        other.open(f"{site.absolute_url()}/@@resume-draft?id={draft.id}")
        assert other.headers["status"].startswith("404")
        # Nor with the draft's id on the form.
        other.open(f"{site.demarches.x.absolute_url()}/@@submit?draft={draft.id}")
        assert other.getControl("Nom").value == ""
        assert "Jeanne A" not in other.contents

    def test_saving_a_resumed_draft_updates_it(self, site, browser_for):
        browser = browser_for("citizen_a")
        save_in_browser(browser, site, name="Premier")
        browser.getLink("Resume this draft").click()
        browser.getControl("Nom").value = "Second"
        browser.getControl(name="form.buttons.save_draft").click()
        transaction.begin()
        (draft,) = list_drafts("citizen_a")
        assert draft.data["name"] == "Second"

    def test_filing_deletes_the_draft(self, site, browser_for):
        browser = browser_for("citizen_a")
        save_in_browser(browser, site)
        browser.getLink("Resume this draft").click()
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()
        assert "/@@confirmation?" in browser.url
        transaction.begin()
        assert list_drafts("citizen_a") == []

    def test_delete_needs_the_csrf_token(self, site, browser_for):
        browser = browser_for("citizen_a")
        save_in_browser(browser, site)
        browser.open(site.absolute_url() + "/@@my-requests")
        browser.getControl(name="_authenticator", index=0).value = "forged"
        with pytest.raises(Forbidden):
            browser.getControl("Delete this draft").click()
        transaction.begin()
        assert len(list_drafts("citizen_a")) == 1
        browser.open(site.absolute_url() + "/@@my-requests")
        browser.getControl("Delete this draft").click()
        assert browser.url.endswith("/@@my-requests")
        assert "my-drafts-list" not in browser.contents
        transaction.begin()
        assert list_drafts("citizen_a") == []

    def test_nobody_else_deletes_it(self, site, browser_for):
        save_in_browser(browser_for("citizen_a"), site)
        transaction.begin()
        (draft,) = list_drafts("citizen_a")
        other = browser_for("citizen_b")
        save_in_browser(other, site)  # for a form with their CSRF token
        other.open(site.absolute_url() + "/@@my-requests")
        other.getControl(name="id").value = draft.id
        other.raiseHttpErrors = False
        other.getControl("Delete this draft").click()
        assert other.headers["status"].startswith("404")
        transaction.begin()
        assert len(list_drafts("citizen_a")) == 1
        assert len(list_drafts("citizen_b")) == 1


class TestNeverDelivered:
    def test_not_in_listings_feed_exports_nor_audit(
        self, site, browser_for, session_for
    ):
        save_in_browser(browser_for("Anonymous"), site)
        save_in_browser(browser_for("citizen_a"), site)
        transaction.begin()
        assert len(get_draft_store()) == 2
        # Nothing in the submission store: no index, feed or audit record.
        store = get_store()
        assert store is None or len(store) == 0
        assert list(iter_records()) == []
        office = session_for("siteadmin")
        listing = office.get("@submissions")
        assert listing.status_code == 200
        assert listing.json()["items"] == []
        feed = office.get("@submissions?since=0")
        assert feed.status_code == 200
        assert feed.json()["items"] == []
        export = office.get("demarches/x/@submissions-export?format=jsonl")
        assert export.status_code == 200
        assert export.text == ""


def test_purge_script(portal, procedure, capsys, monkeypatch):
    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).parents[2] / "scripts" / "purge_drafts.py"
    spec = importlib.util.spec_from_file_location("purge_drafts", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The integration layer must not commit: count the commits instead.
    commits = []
    monkeypatch.setattr(module, "BATCH", 2)
    alive, secret = save_draft(procedure, TYPED, None)
    old = NOW - timedelta(days=60)
    for _n in range(3):
        save_draft(procedure, TYPED, None, old)
    site_path = "/".join(portal.getPhysicalPath())
    assert module.main(portal.aq_parent, [site_path], lambda: commits.append(1)) == 0
    assert "3 expired drafts deleted" in capsys.readouterr().err
    assert len(commits) == 2  # a full batch, then the rest
    assert len(get_draft_store()) == 1
    assert get_draft(alive.id, secret=secret) is alive
    assert module.main(portal.aq_parent, ["nowhere"]) == 1
    assert module.main(portal.aq_parent, []) == 2
