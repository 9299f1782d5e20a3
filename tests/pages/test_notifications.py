"""E-mail notifications, delivered to a real SMTP server on loopback."""

from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from fixtures.mail import body
from fixtures.mail import flush_mail_outbox
from fixtures.mail import free_port
from fixtures.mail import SERVICE
from imio.guichet.notifications.messages import citizen_address
from imio.guichet.notifications.messages import html_from_text
from imio.guichet.notifications.messages import make_message
from imio.guichet.notifications.messages import state_change_message
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.submissions.tracking import check_tracking_secret
from imio.guichet.submissions.tracking import tracking_secret
from plone import api
from plone.testing.zope import Browser
from urllib.parse import parse_qs
from urllib.parse import urlparse

import base64
import logging
import pytest
import re
import transaction


def file_over_rest(session, procedure="x", data=VALID_DATA):
    response = session.post(f"demarches/{procedure}/@submissions", json={"data": data})
    assert response.status_code == 201, response.text
    return response.json()


class TestNewSubmission:
    def test_rest_anonymous(self, site, inbox, session_for):
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        reference = filed["reference"]
        assert len(inbox.messages) == 2
        (confirmation,) = inbox.to("jeanne@example.org")
        assert confirmation["From"] == "Commune de Test <guichet@commune.example>"
        assert confirmation["Subject"] == f"Votre demande {reference} a bien été reçue"
        text = body(confirmation)
        assert "Nous avons bien reçu votre demande" in text
        assert "Extrait" in text
        # The tracking link opens this submission, and only with its secret.
        link = re.search(r"http\S+@@track-request\S+", text).group(0)
        query = parse_qs(urlparse(link).query)
        assert query["reference"] == [reference]
        transaction.begin()
        store = get_store()
        submission = store.by_reference(reference)
        assert check_tracking_secret(store, submission, query["secret"][0])
        assert link.startswith(site.absolute_url())

    def test_sender_is_the_authority_without_a_sender_name(
        self, site, inbox, session_for
    ):
        from imio.guichet.authority import IAuthority

        api.portal.set_registry_record("plone.email_from_name", "")
        api.portal.set_registry_record(
            "official_name", "Ville de Namur", interface=IAuthority
        )
        transaction.commit()
        file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne@example.org")
        assert confirmation["From"] == "Ville de Namur <guichet@commune.example>"

    def test_rest_service_notice_without_personal_data(self, site, inbox, session_for):
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        (notice,) = inbox.to(SERVICE)
        assert notice["To"] == SERVICE
        assert filed["reference"] in notice["Subject"]
        assert "Nouvelle demande" in notice["Subject"]
        text = body(notice)
        assert f"{site.absolute_url()}/@submissions/{filed['id']}" in text
        for personal in ("Jeanne", "Dupont", "jeanne@example.org", "Merci"):
            assert personal not in text
            assert personal not in notice["Subject"]

    def test_html_form(self, site, inbox):
        browser = Browser(site.aq_parent)
        browser.handleErrors = False
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        browser.getControl("Nom").value = "Jeanne Dupont"
        browser.getControl("E-mail").value = "jeanne.html@example.org"
        browser.getControl("Nombre d'exemplaires").value = "2"
        browser.getControl(name="form.widgets.delivery").value = ["email"]
        browser.getControl(name="form.buttons.send").click()
        flush_mail_outbox(site)
        reference = browser.url.split("reference=")[1]
        (confirmation,) = inbox.to("jeanne.html@example.org")
        assert reference in confirmation["Subject"]
        assert "@@track-request" in body(confirmation)
        assert len(inbox.to(SERVICE)) == 1

    def test_logged_in_citizen_gets_link_to_their_space(self, site, inbox, session_for):
        file_over_rest(session_for("citizen_a"), "y", DEFAULT_FORM_DATA)
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne@example.org")
        text = body(confirmation)
        assert f"{site.absolute_url()}/@@my-requests" in text
        assert "@@track-request" not in text
        assert inbox.to(SERVICE) == []  # procedure Y has no service address

    def test_settings_off(self, site, inbox, session_for):
        site.demarches.x.confirm_to_citizen = False
        site.demarches.x.service_emails = []
        transaction.commit()
        file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        assert inbox.messages == []

    def test_no_mail_when_the_transaction_aborts(self, site, inbox):
        submit(site.demarches.x, VALID_DATA, submitter=None)
        transaction.abort()
        flush_mail_outbox(site)
        assert inbox.messages == []
        # The same, committed, is sent: the test above can fail.
        submit(site.demarches.x, VALID_DATA, submitter=None)
        transaction.commit()
        flush_mail_outbox(site)
        assert len(inbox.to("jeanne@example.org")) == 1

    def test_a_mailhost_queue_is_not_used(self, site, inbox, tmp_path, monkeypatch):
        # A MailHost with zope.sendmail's queue: the outbox replaces it (that
        # queue did not resend after an outage nor after a restart).
        monkeypatch.setenv("MAILHOST_QUEUE_ONLY", "1")
        site.MailHost.smtp_queue = True
        queue = tmp_path / "queue"
        site.MailHost.smtp_queue_directory = str(queue)
        transaction.commit()
        submit(site.demarches.x, VALID_DATA, submitter=None)
        transaction.commit()
        flush_mail_outbox(site)
        assert not list((queue / "new").glob("*"))
        assert len(inbox.messages) == 2  # the confirmation and the service notice

    def test_stored_when_the_smtp_server_is_down(
        self, site, inbox, session_for, caplog
    ):
        api.portal.set_registry_record("plone.smtp_port", free_port())  # closed
        transaction.commit()
        with caplog.at_level(logging.ERROR):
            filed = file_over_rest(session_for("Anonymous"))
            flush_mail_outbox(site)
        transaction.begin()
        assert get_store().by_reference(filed["reference"]) is not None
        failures = [
            r for r in caplog.records if r.name == "imio.guichet.notifications.delivery"
        ]
        assert len(failures) == 2  # the confirmation and the service notice
        assert filed["reference"] in failures[0].getMessage()
        assert inbox.messages == []


class TestStateChange:
    def move(self, session, submission_id, body):
        etag = session.get(f"@submissions/{submission_id}").headers["ETag"]
        response = session.patch(
            f"@submissions/{submission_id}", json=body, headers={"If-Match": etag}
        )
        assert response.status_code == 200, response.text
        return response

    def test_public_message_not_internal_note(self, site, inbox, session_for):
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        inbox.messages.clear()
        self.move(
            session_for("backoffice_x"),
            filed["id"],
            {
                "state": "received",
                "message": "Nous traitons votre demande sous 5 jours.",
                "note": "Dossier suspect, vérifier l'identité",
            },
        )
        flush_mail_outbox(site)
        (notice,) = inbox.to("jeanne@example.org")
        assert len(inbox.messages) == 1  # the service is not told
        assert notice["Subject"] == f"Votre demande {filed['reference']} : Reçue"
        text = body(notice)
        assert "Nous traitons votre demande sous 5 jours." in text
        assert "suspect" not in text
        assert "@@track-request" in text

    def test_a_message_of_the_service_with_a_file(self, site, inbox, session_for):
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        inbox.messages.clear()
        permit = {
            "filename": "permis.pdf",
            "data": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode(),
        }
        self.move(
            session_for("backoffice_x"),
            filed["id"],
            {"message": "Votre permis est prêt.", "files": [permit]},
        )
        flush_mail_outbox(site)
        (notice,) = inbox.to("jeanne@example.org")
        assert notice["Subject"] == (
            f"Votre demande {filed['reference']} : un message du service"
        )
        text = body(notice)
        assert "Votre permis est prêt." in text
        assert "(1)" in text  # how many files, never the files
        assert "@@track-request" in text
        assert not any(part.get_filename() for part in notice.walk())

    def test_the_citizens_own_message_is_not_mailed_back(
        self, site, inbox, session_for
    ):
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        inbox.messages.clear()
        transaction.begin()
        secret = tracking_secret(get_store(), get_store().get(filed["id"]))
        anonymous = session_for("Anonymous")
        etag = session_for("backoffice_x").get(f"@submissions/{filed['id']}")
        response = anonymous.post(
            f"@submissions/{filed['id']}/@message",
            json={"message": "Une question"},
            headers={"If-Match": etag.headers["ETag"], "X-Tracking-Secret": secret},
        )
        assert response.status_code == 200, response.text
        flush_mail_outbox(site)
        assert inbox.to("jeanne@example.org") == []

    def test_setting_off(self, site, inbox, session_for):
        site.demarches.x.notify_state_changes = False
        transaction.commit()
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        inbox.messages.clear()
        self.move(session_for("backoffice_x"), filed["id"], {"state": "received"})
        flush_mail_outbox(site)
        assert inbox.messages == []

    def test_member_address_when_the_form_has_none(self, site, inbox, session_for):
        form = site.demarches.x.form_schema.replace(
            'type="plone.schema.email.Email"', 'type="zope.schema.TextLine"'
        )
        site.demarches.x.form_schema = form
        transaction.commit()
        citizen = session_for("citizen_a")
        filed = file_over_rest(citizen)
        flush_mail_outbox(site)
        self.move(session_for("backoffice_x"), filed["id"], {"state": "received"})
        flush_mail_outbox(site)
        received = inbox.to("citizen_a@example.org")
        assert [filed["reference"] in m["Subject"] for m in received] == [True, True]
        assert inbox.to("jeanne@example.org") == []


class TestMessages:
    @pytest.mark.parametrize(
        "language, subject",
        [
            ("nl", "Uw aanvraag {}: Ontvangen"),
            ("de", "Ihr Antrag {}: Eingegangen"),
            ("nl-BE", "Uw aanvraag {}: Ontvangen"),  # its base language's
            # A language without a catalog falls back to French, not to the
            # English defaults.
            ("es", "Votre demande {} : Reçue"),
            ("fr", "Votre demande {} : Reçue"),
            (None, "Votre demande {} : Reçue"),
            ("en", "Your request {}: Received"),
        ],
    )
    def test_language_of_the_submission(self, procedure, language, subject):
        submission = submit(procedure, VALID_DATA, submitter=None, language=language)
        store = get_store()
        event = change_state(store, submission, "received", user_id="x")
        api.portal.set_registry_record("plone.email_from_address", "g@example.org")
        message = state_change_message(store, submission, procedure, event).parsed()
        assert message["Subject"] == subject.format(submission.reference)

    def test_html_alternative_escapes_and_links(self, procedure):
        submission = submit(procedure, VALID_DATA, submitter=None, language="fr")
        store = get_store()
        event = change_state(
            store,
            submission,
            "received",
            user_id="x",
            public_message="<script>alert(1)</script> & merci",
        )
        api.portal.set_registry_record("plone.email_from_address", "g@example.org")
        message = state_change_message(store, submission, procedure, event).parsed()
        assert "<script>" in body(message)  # plain text, as typed
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; merci" in html
        link = re.search(r'<a href="([^"]+)">', html).group(1)
        assert "@@track-request?reference=" in link

    def test_a_citizens_text_never_becomes_markup(self):
        typed = (
            'Jeanne <script>alert("x")</script> <img src=x onerror=alert(1)>\n'
            'voir https://www.stad.gent/a"><script>alert(2)</script>'
        )
        html = html_from_text(typed)
        assert "<script" not in html
        assert "<img" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        # A URL is linked up to the quote the citizen typed, never past it.
        assert '<a href="https://www.stad.gent/a">https://www.stad.gent/a</a>' in html
        assert "&quot;&gt;&lt;script&gt;alert(2)" in html
        assert "Jeanne" in html and "<br />" in html

    def test_a_broken_message_does_not_fail_the_submission(
        self, procedure, monkeypatch, caplog
    ):
        from imio.guichet.notifications import subscribers

        def broken(*args):
            raise RuntimeError("template error")

        monkeypatch.setattr(subscribers, "confirmation_message", broken)
        with caplog.at_level(logging.ERROR):
            submission = submit(procedure, VALID_DATA, submitter=None)
        assert get_store().get(submission.id) is submission
        (record,) = [r for r in caplog.records if r.name == subscribers.__name__]
        assert submission.reference in record.getMessage()

    def test_no_sender_no_message(self, procedure):
        api.portal.set_registry_record("plone.email_from_address", "")
        assert make_message(["a@example.org"], "s", "b") is None

    def test_no_header_injection(self, procedure):
        api.portal.set_registry_record("plone.email_from_address", "g@example.org")
        made = make_message(["a@example.org"], "Demande\r\nBcc: x@evil.example", "b")
        message = made.parsed()
        assert message["Subject"] == "Demande Bcc: x@evil.example"
        assert message["Bcc"] is None
        assert b"\nBcc:" not in made.data

    def test_unusable_recipients_are_left_out_unnamed(self, procedure, caplog):
        # A form's e-mail field takes "jeanne,evil@example.org" (one "@", no
        # space): once in a To header, it named a second recipient.
        api.portal.set_registry_record("plone.email_from_address", "g@example.org")
        with caplog.at_level(logging.WARNING):
            made = make_message(
                ["jeanne,evil@example.org", "service@example.org"], "Demande", "b"
            )
        assert made.recipients == ("service@example.org",)
        assert [a.addr_spec for a in made.parsed()["To"].addresses] == [
            "service@example.org"
        ]
        assert "1 of 2 recipients" in caplog.text
        assert "evil" not in caplog.text
        assert make_message(["jeanne,evil@example.org"], "Demande", "b") is None

    def test_first_email_field_by_default(self, procedure):
        submission = submit(procedure, VALID_DATA, submitter=None)
        assert citizen_address(submission, procedure) == "jeanne@example.org"

    def test_named_field_must_be_an_email_field_of_the_form(self, procedure):
        from imio.guichet.content.behaviors import IOnlineForm
        from zope.interface import Invalid

        class Data:
            form_schema = procedure.form_schema
            citizen_email_field = "comment"

        with pytest.raises(Invalid):
            IOnlineForm.validateInvariants(Data())
        Data.citizen_email_field = "email"
        IOnlineForm.validateInvariants(Data())


class TestSettings:
    @pytest.fixture
    def manager_browser(self, site):
        from plone.app.testing import SITE_OWNER_NAME
        from plone.app.testing import SITE_OWNER_PASSWORD

        browser = Browser(site.aq_parent)
        browser.handleErrors = False
        browser.addHeader(
            "Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}"
        )
        return browser

    def test_edit_form(self, site, manager_browser):
        procedure = site.demarches.x
        manager_browser.open(procedure.absolute_url() + "/edit")
        manager_browser.getControl(
            name="form.widgets.IOnlineForm.service_emails"
        ).value = "etat-civil@commune.example\npopulation@commune.example"
        manager_browser.getControl(
            name="form.widgets.IOnlineForm.citizen_email_field"
        ).value = "email"
        manager_browser.getControl(name="form.buttons.save").click()
        transaction.begin()
        assert procedure.service_emails == [
            "etat-civil@commune.example",
            "population@commune.example",
        ]
        assert procedure.citizen_email_field == "email"

    def test_edit_form_refuses_a_field_that_is_not_an_email(
        self, site, manager_browser
    ):
        procedure = site.demarches.x
        manager_browser.open(procedure.absolute_url() + "/edit")
        manager_browser.getControl(
            name="form.widgets.IOnlineForm.citizen_email_field"
        ).value = "comment"
        manager_browser.getControl(name="form.buttons.save").click()
        assert "The form has no e-mail field named comment." in (
            manager_browser.contents
        )
        transaction.begin()
        assert procedure.citizen_email_field is None
