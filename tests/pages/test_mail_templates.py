"""The e-mails a procedure's webmaster writes (@@guichet-emails), sent to a
real SMTP server on loopback."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from fixtures.mail import body
from fixtures.mail import flush_mail_outbox
from fixtures.mail import SERVICE
from fixtures.pages import negotiate_languages
from imio.guichet.audit import iter_records
from imio.guichet.authority import IAuthority
from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.notifications.messages import confirmation_message
from imio.guichet.notifications.messages import service_message
from imio.guichet.notifications.messages import state_change_message
from imio.guichet.notifications.templates import get_template
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.usecases import emails
from plone import api

import pytest
import re
import requests
import transaction


PAGE = "demarches/x/@@guichet-emails"


def client_for(site, who):
    client = requests.Session()
    client.auth = (who, PASSWORD)
    client.base = site.absolute_url()
    return client


def authenticator(html: str) -> str:
    return re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)[1]


def post_mail_form(client, mail, button, language="fr", **fields):
    """Post the form of ``mail`` in ``language`` as a browser does, without
    following the redirect."""
    url = f"{client.base}/{PAGE}?mail={mail}&language={language}"
    html = client.get(url).text
    data = {
        "_authenticator": authenticator(html),
        "form.widgets.subject": fields.get("subject", ""),
        "form.widgets.body": fields.get("body", ""),
        "form.widgets.allow_answers-empty-marker": "1",
        f"form.buttons.{button}": "x",
    }
    if fields.get("allow_answers"):
        data["form.widgets.allow_answers:list"] = "selected"
    return client.post(url, data=data, allow_redirects=False)


def file_over_rest(session, data=VALID_DATA):
    response = session.post("demarches/x/@submissions", json={"data": data})
    assert response.status_code == 201, response.text
    return response.json()


def change_over_rest(staff, filed: dict, change: dict) -> None:
    """``change`` (a state, a message) made by ``staff`` over REST."""
    etag = staff.get(f"@submissions/{filed['id']}").headers["ETag"]
    response = staff.patch(
        f"@submissions/{filed['id']}", json=change, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.text


def editor_caller():
    return Caller(user_id="editor", channel=HTML)


def save(site, kind, language="fr", **fields):
    with api.env.adopt_user(username="editor"):
        emails.save_mail_template(
            editor_caller(), site.demarches.x, kind, language=language, **fields
        )
    transaction.commit()


@pytest.fixture
def french(site):
    """A French site (as the ``inbox`` fixture makes it)."""
    api.portal.set_registry_record("plone.available_languages", ["fr", "nl", "en"])
    api.portal.set_registry_record("plone.default_language", "fr")
    transaction.commit()


CONFIRMATION = {
    "subject": "Demande ${reference} : ${procedure_title}",
    "body": "Bonjour,\n\n${authority_name} a bien reçu votre demande "
    "${reference} du ${date}.\n\nSuivez-la ici : ${tracking_url}",
}


class TestTemplatesInRealEmails:
    def test_confirmation_written_on_the_page(self, site, inbox, session_for):
        api.portal.set_registry_record(
            "official_name", "Ville de <Namur> & Co", interface=IAuthority
        )
        transaction.commit()
        editor = client_for(site, "editor")
        saved = post_mail_form(editor, "confirmation", "save", **CONFIRMATION)
        # Post/Redirect/Get: back to the e-mail's page.
        assert saved.status_code == 303
        assert saved.headers["Location"].endswith(
            "/demarches/x/@@guichet-emails?mail=confirmation&language=fr"
        )
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne@example.org")
        reference = filed["reference"]
        assert confirmation["Subject"] == f"Demande {reference} : Extrait"
        text = body(confirmation)
        assert f"Ville de <Namur> & Co a bien reçu votre demande {reference}" in text
        link = re.search(r"Suivez-la ici : (\S+)", text)[1]
        # The configured site URL, never the request's host.
        assert link.startswith(f"{site.absolute_url()}/@@track-request?reference=")
        html = confirmation.get_body(preferencelist=("html",)).get_content()
        assert "Ville de &lt;Namur&gt; &amp; Co" in html
        assert "<Namur>" not in html
        # No answer in it.
        for value in ("Jeanne Dupont", "Merci", "1990", "17/05/1990"):
            assert value not in text
        # The service's notice is still the default one.
        (notice,) = inbox.to(SERVICE)
        assert notice["Subject"] == f"Nouvelle demande {reference} : Extrait"

    def test_service_and_state_change(self, site, inbox, session_for):
        save(
            site,
            "service",
            subject="[Guichet] ${reference}",
            body="Nouvelle demande ${reference} : ${request_url}",
        )
        save(
            site,
            "state",
            subject="${reference} : ${state}",
            body="Votre demande est : ${state}.\n\n"
            "Message : ${public_message}\n\nLien : ${tracking_url}",
        )
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        (notice,) = inbox.to(SERVICE)
        assert notice["Subject"] == f"[Guichet] {filed['reference']}"
        assert f"{site.absolute_url()}/@submissions/{filed['id']}" in body(notice)
        inbox.messages.clear()
        staff = session_for("backoffice_x")
        for change in (
            {"state": "received", "message": "A <b>bientôt</b> ${reference}"},
            {"state": "in_progress"},
        ):
            change_over_rest(staff, filed, change)
        flush_mail_outbox(site)
        received, in_progress = inbox.to("jeanne@example.org")
        assert received["Subject"] == f"{filed['reference']} : Reçue"
        text = body(received)
        # The message as typed: a value is never read as a placeholder.
        assert "Message : A <b>bientôt</b> ${reference}" in text
        assert "Lien : " in text
        html = received.get_body(preferencelist=("html",)).get_content()
        assert "A &lt;b&gt;bient&ocirc;t&lt;/b&gt;" in html
        # Without a message, its paragraph is left out.
        assert "Message :" not in body(in_progress)
        assert "Votre demande est : En traitement." in body(in_progress)

    def test_an_answer_with_the_confirmation(self, site, inbox, session_for):
        save(
            site,
            "confirmation",
            subject="Demande ${reference}",
            body="Exemplaires : ${answer:copies}, pour ${answer:name}.",
            allow_answers=True,
        )
        file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne@example.org")
        assert body(confirmation).strip() == "Exemplaires : 2, pour Jeanne Dupont."


class TestDefaults:
    @pytest.mark.parametrize(
        "language, subject, service",
        [
            (
                "fr",
                "Votre demande {} a bien été reçue",
                "Nouvelle demande {} : Extrait",
            ),
            ("nl", "Uw aanvraag {} werd ontvangen", "Nouvelle demande {} : Extrait"),
            ("de", "Ihr Antrag {} ist eingegangen", "Nouvelle demande {} : Extrait"),
            ("en", "Your request {} was received", "Nouvelle demande {} : Extrait"),
        ],
    )
    def test_each_language_without_a_template(self, site, language, subject, service):
        api.portal.set_registry_record("plone.email_from_address", "g@example.org")
        procedure = site.demarches.x
        procedure.service_emails = [SERVICE]
        submission = submit(procedure, VALID_DATA, submitter=None, language=language)
        store = get_store()
        confirmation = confirmation_message(store, submission, procedure).parsed()
        notice = service_message(submission, procedure, "https://x.example/s").parsed()
        event = change_state(
            store, submission, "received", user_id="x", public_message="Bien reçu"
        )
        state = state_change_message(store, submission, procedure, event).parsed()
        assert confirmation["Subject"] == subject.format(submission.reference)
        assert notice["Subject"] == service.format(submission.reference)
        # No personal answer in any default e-mail.
        for message in (confirmation, notice, state):
            text = body(message) + message["Subject"]
            for value in (
                "Jeanne Dupont",
                "Merci",
                "1990",
                "17/05/1990",
                "jeanne@example.org",
            ):
                assert value not in text
        assert "Bien reçu" in body(state)
        transaction.abort()


class TestEditing:
    def test_reset_to_the_default(self, site, inbox, session_for):
        save(site, "confirmation", **CONFIRMATION)
        editor = client_for(site, "editor")
        page = editor.get(f"{editor.base}/{PAGE}?mail=confirmation").text
        assert "${authority_name} a bien reçu" in page
        reset = post_mail_form(editor, "confirmation", "reset")
        assert reset.status_code == 303
        transaction.begin()
        assert get_template(site.demarches.x, "confirmation", "fr") is None
        page = editor.get(reset.headers["Location"]).text
        # The editor shows the default text, with the templates' names.
        assert "${procedure_title}" in page
        assert "${tracking_url}" in page
        filed = file_over_rest(session_for("Anonymous"))
        flush_mail_outbox(site)
        (confirmation,) = inbox.to("jeanne@example.org")
        assert confirmation["Subject"] == (
            f"Votre demande {filed['reference']} a bien été reçue"
        )
        actions = [r["action"] for r in iter_records() if r["actor"] == "editor"]
        assert actions == ["edit_mail_template", "reset_mail_template"]

    def test_unknown_placeholders_refused_next_to_the_field(self, site, french):
        editor = client_for(site, "editor")
        typed = "Bonjour ${nom}, voici ${reference} et ${answer:nope}."
        refused = post_mail_form(
            editor, "confirmation", "save", subject="Demande ${ref}", body=typed
        )
        assert refused.status_code == 303  # a reload does not send it again
        page = editor.get(refused.headers["Location"])
        assert page.status_code == 400
        assert "${nom}, ${answer:nope}" in page.text
        assert "${ref}" in page.text
        # What was typed is still there.
        assert "Bonjour ${nom}, voici ${reference}" in page.text
        # Each error next to its field.
        for field, names in (("subject", r"\$\{ref\}"), ("body", r"\$\{nom\}, ")):
            assert re.search(
                rf'id="formfield-form-widgets-{field}"[^§]*?invalid-feedback">'
                rf"[^<]*{names}",
                page.text.split("formfield-form-widgets-allow_answers")[0],
            ), field
        # Read once: the next GET is the page as it is.
        again = editor.get(refused.headers["Location"])
        assert again.status_code == 200
        assert "${nom}" not in again.text
        transaction.begin()
        assert get_template(site.demarches.x, "confirmation", "fr") is None
        with api.env.adopt_user(username="editor"), pytest.raises(InvalidInput) as e:
            emails.save_mail_template(
                editor_caller(),
                site.demarches.x,
                "confirmation",
                language="fr",
                subject="x",
                body="${tracking_url} ${request_url}",
            )
        [error] = e.value.fields
        assert (error.field, error.code) == ("body", "unknown_placeholder")
        assert error.message.mapping["names"] == "${request_url}"

    def test_an_answer_needs_the_confirmation(self, site, french):
        editor = client_for(site, "editor")
        refused = post_mail_form(
            editor,
            "confirmation",
            "save",
            subject="Demande ${reference}",
            body="Pour ${answer:name}",
        )
        page = editor.get(refused.headers["Location"]).text
        assert "tick the box" in page or "cochez" in page.lower()
        transaction.begin()
        assert get_template(site.demarches.x, "confirmation", "fr") is None
        with api.env.adopt_user(username="editor"), pytest.raises(InvalidInput) as e:
            emails.save_mail_template(
                editor_caller(),
                site.demarches.x,
                "confirmation",
                language="fr",
                subject="Demande ${reference}",
                body="Pour ${answer:name}",
            )
        assert [(f.field, f.code) for f in e.value.fields] == [
            ("allow_answers", "confirmation_required")
        ]
        accepted = post_mail_form(
            editor,
            "confirmation",
            "save",
            subject="Demande ${reference}",
            body="Pour ${answer:name}",
            allow_answers=True,
        )
        assert accepted.status_code == 303
        transaction.begin()
        template = get_template(site.demarches.x, "confirmation", "fr")
        assert template.allow_answers is True
        [record] = [r for r in iter_records() if r["action"] == "edit_mail_template"]
        assert record["details"]["answers"] == ["name"]

    def test_preview_in_the_page_saves_nothing(self, site, inbox):
        editor = client_for(site, "editor")
        shown = post_mail_form(
            editor,
            "state",
            "preview",
            subject="${reference} : ${state}",
            body="Nouvel état : ${state}\n\n${public_message}\n\n"
            "Pour ${answer:name} - ${tracking_url}",
            allow_answers=True,
        )
        assert shown.status_code == 200
        assert "K7M2P9QX : Acceptée" in shown.text
        assert "Nouvel état : Acceptée" in shown.text
        assert "Pour [Nom] - " in shown.text
        assert f"{site.absolute_url()}/@@track-request?reference=K7M2P9QX" in (
            shown.text.replace("&amp;", "&")
        )
        transaction.begin()
        assert get_template(site.demarches.x, "state", "fr") is None
        assert [r for r in iter_records() if r["actor"] == "editor"] == []

    def test_only_the_procedures_editors(self, site):
        for who in ("backoffice_x", "citizen_a"):
            answer = client_for(site, who).get(
                f"{site.absolute_url()}/{PAGE}", allow_redirects=False
            )
            assert answer.status_code in (302, 401, 403)
        with api.env.adopt_user(username="backoffice_x"), pytest.raises(Forbidden):
            emails.save_mail_template(
                Caller(user_id="backoffice_x", channel=HTML),
                site.demarches.x,
                "confirmation",
                language="fr",
                **CONFIRMATION,
            )

    def test_linked_from_the_procedure(self, site):
        page = client_for(site, "editor").get(f"{site.absolute_url()}/demarches/x").text
        assert "/demarches/x/@@guichet-emails" in page


def test_links_start_with_the_public_url_whatever_the_host(site, inbox):
    """A template's links are the site's public URL, never the Host header
    of the request that triggered the e-mail."""
    from imio.guichet.urls import PUBLIC_URL_RECORD

    public = "https://guichet.commune.example/plone"
    api.portal.set_registry_record(PUBLIC_URL_RECORD, public)
    transaction.commit()
    save(site, "confirmation", **CONFIRMATION)
    save(
        site,
        "service",
        subject="${reference}",
        body="${request_url}",
    )
    forged = requests.post(
        f"{site.absolute_url()}/demarches/x/@submissions",
        json={"data": VALID_DATA},
        headers={"Accept": "application/json", "Host": "evil.example"},
    )
    assert forged.status_code == 201, forged.text
    flush_mail_outbox(site)
    (confirmation,) = inbox.to("jeanne@example.org")
    (notice,) = inbox.to(SERVICE)
    links = re.findall(r"https?://\S+", body(confirmation) + body(notice))
    assert len(links) == 2
    for link in links:
        assert link.startswith(f"{public}/"), link


@pytest.fixture
def four_languages(site, inbox):
    """The test site in French, Dutch, German and English, the language of
    a request negotiated from Accept-Language."""
    negotiate_languages(["fr", "nl", "de", "en"])
    transaction.commit()
    return site


def file_in(session_for, language: str) -> dict:
    session = session_for("Anonymous")
    session.headers["Accept-Language"] = language
    return file_over_rest(session)


GERMAN = {
    "subject": "Antrag ${reference} : ${procedure_title}",
    "body": "Guten Tag,\n\n${authority_name} hat Ihren Antrag ${reference} "
    "erhalten.\n\nHier verfolgen: ${tracking_url}",
}


class TestLanguages:
    def test_each_request_gets_the_text_of_its_language(
        self, four_languages, inbox, session_for
    ):
        site = four_languages
        save(
            site,
            "state",
            "de",
            subject="${reference}: ${state}",
            body="Neuer Status: ${state}.",
        )
        editor = client_for(site, "editor")
        for language, typed in (("fr", CONFIRMATION), ("de", GERMAN)):
            saved = post_mail_form(editor, "confirmation", "save", language, **typed)
            assert saved.status_code == 303
            assert saved.headers["Location"].endswith(
                f"?mail=confirmation&language={language}"
            )
        german = file_in(session_for, "de")
        dutch = file_in(session_for, "nl")
        french = file_in(session_for, "fr")
        flush_mail_outbox(site)
        subjects = {m["Subject"]: body(m) for m in inbox.to("jeanne@example.org")}
        assert subjects.keys() == {
            f"Antrag {german['reference']} : Extrait",
            # No Dutch text: the default one, in Dutch, not the French or
            # the German text.
            f"Uw aanvraag {dutch['reference']} werd ontvangen",
            f"Demande {french['reference']} : Extrait",
        }
        assert "hat Ihren Antrag" in subjects[f"Antrag {german['reference']} : Extrait"]
        # The notice to the service has no text in any language: the default.
        notices = [m["Subject"] for m in inbox.to(SERVICE)]
        assert f"Nouvelle demande {german['reference']} : Extrait" in notices

        # The change of state: the German text, the state's name in German;
        # the French request keeps the French default.
        inbox.messages.clear()
        staff = session_for("backoffice_x")
        for filed in (german, french):
            change_over_rest(staff, filed, {"state": "received"})
        flush_mail_outbox(site)
        subjects = sorted(m["Subject"] for m in inbox.to("jeanne@example.org"))
        assert subjects == sorted(
            [
                f"{german['reference']}: Eingegangen",
                f"Votre demande {french['reference']} : Reçue",
            ]
        )

    def test_the_editor_per_language(self, four_languages):
        site = four_languages
        editor = client_for(site, "editor")
        page = editor.get(f"{editor.base}/{PAGE}?mail=confirmation").text
        # The site's languages, named in themselves; French (the site's) first.
        names = re.findall(r'<span lang="(\w+)"[^>]*>([^<]+)</span>', page)
        assert names == [
            ("fr", "Français"),
            ("nl", "Nederlands"),
            ("de", "Deutsch"),
            ("en", "English"),
        ]
        # Each language starts from the default text in that language.
        page = editor.get(f"{editor.base}/{PAGE}?mail=confirmation&language=de").text
        assert "Ihr Antrag ${reference} ist eingegangen" in page
        saved = post_mail_form(editor, "confirmation", "save", "de", **GERMAN)
        assert saved.status_code == 303
        saved = post_mail_form(editor, "confirmation", "save", "fr", **CONFIRMATION)
        page = editor.get(f"{editor.base}/{PAGE}?mail=confirmation&language=de").text
        assert "hat Ihren Antrag" in page
        nav = page.split("imio-guichet-mail-languages")[1].split("</nav>")[0]
        assert nav.count('class="badge') == 2
        # The preview is in the e-mail's language.
        shown = post_mail_form(
            editor, "state", "preview", "de", subject="${state}", body="${state}"
        )
        assert '<span class="mail-preview-subject">Angenommen</span>' in shown.text
        # A reset concerns its language only.
        reset = post_mail_form(editor, "confirmation", "reset", "de")
        assert reset.headers["Location"].endswith("?mail=confirmation&language=de")
        transaction.begin()
        procedure = site.demarches.x
        assert get_template(procedure, "confirmation", "de") is None
        assert (
            get_template(procedure, "confirmation", "fr").subject
            == (CONFIRMATION["subject"])
        )
        records = [r for r in iter_records() if r["actor"] == "editor"]
        assert [(r["action"], r["details"]["language"]) for r in records] == [
            ("edit_mail_template", "de"),
            ("edit_mail_template", "fr"),
            ("reset_mail_template", "de"),
        ]
        # A language the site does not offer: no such page, nothing saved.
        answer = editor.get(f"{editor.base}/{PAGE}?mail=confirmation&language=it")
        assert answer.status_code == 404
        with api.env.adopt_user(username="editor"), pytest.raises(InvalidInput) as e:
            emails.save_mail_template(
                editor_caller(), procedure, "state", language="it", **CONFIRMATION
            )
        assert [(f.field, f.code) for f in e.value.fields] == [("language", "invalid")]
