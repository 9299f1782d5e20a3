"""The PDF receipt: its content, who may download it, and the
confirmation page that links to it."""

from fixtures.files import PDF
from fixtures.forms import FIELDS_FORM
from fixtures.forms import FIELDS_VALID
from fixtures.forms import VALID_DATA
from fixtures.pages import fill_valid
from imio.guichet.audit import iter_records
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.receipt import Issuer
from imio.guichet.submissions.receipt import receipt_pdf
from imio.guichet.submissions.tracking import tracking_secret
from io import BytesIO
from plone import api
from plone.testing.zope import Browser
from pypdf import PdfReader
from zoneinfo import ZoneInfo

import base64
import pytest
import re
import transaction


ACCENTED = {**VALID_DATA, "name": "Éloïse Dûchêne", "comment": "Frais: 12,50 € payés"}


def text_of(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def normalized(text: str) -> str:
    return " ".join(text.split())


class TestContent:
    def test_reference_procedure_date_answers(self, portal, procedure):
        api.portal.set_registry_record("plone.portal_timezone", "Europe/Brussels")
        with api.env.adopt_roles(["Manager"]):
            submission = submit(procedure, ACCENTED, submitter=None, language="fr")
        pdf = receipt_pdf(
            submission,
            procedure,
            issuer=Issuer("Commune d'Éghezée"),
            tracking_url="https://www.eghezee.be/@@track-request?reference=X&secret=Y",
        )
        assert pdf.startswith(b"%PDF-")
        text = normalized(text_of(pdf))
        assert "Commune d'Éghezée" in text
        assert "Accusé de réception" in text
        assert "Extrait d'acte de naissance" in text
        assert submission.reference in text
        assert "Éloïse Dûchêne" in text
        assert "12,50 €" in text
        assert "17/05/1990" in text  # a date as Belgians write it
        assert "Oui" in text  # a Bool, in French
        # The date and time of the site's zone.
        local = submission.created.astimezone(ZoneInfo("Europe/Brussels"))
        assert local.strftime("%d/%m/%Y %H:%M") in text
        assert "@@track-request?reference=X&secret=Y" in text.replace(" ", "")

    def test_files_listed_by_name(self, portal, procedure):
        with api.env.adopt_roles(["Manager"]):
            procedure.form_schema = FIELDS_FORM
            document = {
                "filename": "plan-été.pdf",
                "content-type": "application/pdf",
                "data": base64.b64encode(PDF).decode(),
            }
            submission = submit(
                procedure, {**FIELDS_VALID, "document": document}, submitter=None
            )
        text = normalized(
            text_of(receipt_pdf(submission, procedure, issuer=Issuer("X")))
        )
        assert "plan-été.pdf" in text
        assert "sha256" not in text

    def test_answer_longer_than_a_page(self, portal, procedure):
        lines = [f"Ligne numéro {n} de ma longue explication" for n in range(200)]
        with api.env.adopt_roles(["Manager"]):
            submission = submit(
                procedure, {**VALID_DATA, "comment": "\n".join(lines)}, submitter=None
            )
        pdf = receipt_pdf(submission, procedure, issuer=Issuer("X"))
        assert len(PdfReader(BytesIO(pdf)).pages) > 2
        text = normalized(text_of(pdf))
        assert "Ligne numéro 0 de" in text
        assert "Ligne numéro 199 de ma longue explication" in text

    def test_same_receipt_twice(self, portal, procedure):
        with api.env.adopt_roles(["Manager"]):
            submission = submit(procedure, VALID_DATA, submitter=None)
        first = receipt_pdf(submission, procedure, issuer=Issuer("X"))
        assert receipt_pdf(submission, procedure, issuer=Issuer("X")) == first


@pytest.fixture
def filed(site):
    """A submission of citizen A on procedure X and an anonymous one:
    key -> (reference, tracking secret)."""
    with api.env.adopt_roles(["Manager"]):
        made = {
            "a": submit(site.demarches.x, ACCENTED, submitter="citizen_a"),
            "anon": submit(site.demarches.x, ACCENTED, submitter=None),
        }
    store = get_store()
    result = {k: (s.reference, tracking_secret(store, s)) for k, s in made.items()}
    transaction.commit()
    return result


def get_receipt(session, reference, secret=None):
    query = {"reference": reference, **({"secret": secret} if secret else {})}
    return session.get("@@receipt", params=query)


def assert_receipt(response, reference):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"accuse-de-reception-{reference}.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert reference in normalized(text_of(response.content))


class TestAccess:
    def test_with_the_tracking_secret(self, filed, session_for):
        reference, secret = filed["anon"]
        response = get_receipt(session_for("Anonymous"), reference, secret)
        assert_receipt(response, reference)
        # The citizen's way to follow it is in the receipt.
        assert secret in text_of(response.content).replace("\n", "")

    @pytest.mark.parametrize(
        "who, key, secret",
        [
            ("Anonymous", "anon", None),
            ("Anonymous", "anon", "wrong"),
            ("Anonymous", "anon", "été"),
            ("Anonymous", "a", None),
            ("citizen_b", "a", None),
            ("citizen_a", "anon", None),
            ("backoffice_y", "a", None),
            ("editor", "a", None),
        ],
    )
    def test_refused_with_404(self, filed, session_for, who, key, secret):
        reference = filed[key][0]
        response = get_receipt(session_for(who), reference, secret)
        assert response.status_code == 404
        assert b"%PDF" not in response.content
        unknown = get_receipt(session_for(who), "ZZZZ-ZZZZ", secret)
        assert unknown.status_code == 404

    def test_logged_in_submitter(self, filed, session_for):
        reference = filed["a"][0]
        assert_receipt(get_receipt(session_for("citizen_a"), reference), reference)

    @pytest.mark.parametrize("who", ["backoffice_x", "siteadmin"])
    def test_staff_who_may_read_it(self, filed, session_for, who):
        reference, secret = filed["anon"]
        response = get_receipt(session_for(who), reference)
        assert_receipt(response, reference)
        # Staff do not get the citizen's secret link.
        assert secret not in text_of(response.content).replace("\n", "")
        transaction.begin()
        records = list(iter_records())
        assert records[-1]["actor"] == who
        assert records[-1]["action"] == "read"
        assert records[-1]["details"] == {"ui": True, "receipt": True}


class TestPages:
    def test_confirmation_shows_summary_and_link(self, site):
        browser = Browser(site.aq_parent)
        browser.handleErrors = False
        browser.open(site.demarches.x.absolute_url() + "/@@submit")
        fill_valid(browser)
        browser.getControl("Commentaire").value = "Deux copies, s'il vous plaît"
        browser.getControl(name="form.buttons.send").click()
        assert "/@@confirmation?" in browser.url
        answers = browser.contents.split('id="request-answers-title"')[1]
        assert "Jeanne Dupont" in answers
        assert "Deux copies, s'il vous plaît" in answers.replace("&#x27;", "'")
        link = browser.getLink(url="@@receipt")
        link.click()
        assert browser.headers["Content-Type"] == "application/pdf"
        assert "Jeanne Dupont" in text_of(browser.contents)

    def test_confirmation_without_secret_shows_nothing_sent(self, site, filed):
        browser = Browser(site.aq_parent)
        reference = filed["anon"][0]
        browser.open(
            f"{site.demarches.x.absolute_url()}/@@confirmation?reference={reference}"
        )
        # Not even the reference (issue #10): the page must not tell which
        # references exist (test_hardening_data.py).
        assert reference not in browser.contents
        assert "request-answers" not in browser.contents
        assert "@@receipt" not in browser.contents
        assert "Éloïse" not in browser.contents

    def test_staff_page_links_to_receipt(self, site, filed, browser_for):
        reference = filed["anon"][0]
        transaction.begin()
        submission = get_store().by_reference(reference)
        browser = browser_for("backoffice_x")
        browser.open(f"{site.absolute_url()}/@@guichet-request?id={submission.id}")
        browser.getLink(url="@@receipt").click()
        assert browser.headers["Content-Type"] == "application/pdf"
        assert reference in normalized(text_of(browser.contents))

    def test_tracking_page_links_to_receipt(self, site, filed):
        reference, secret = filed["anon"]
        browser = Browser(site.aq_parent)
        browser.open(
            f"{site.absolute_url()}/@@track-request?reference={reference}"
            f"&secret={secret}"
        )
        url = browser.getLink(url="@@receipt").url
        assert re.search(f"reference={reference}", url)
        assert f"secret={secret}" in url


def png(width: int = 40, height: int = 20) -> bytes:
    from PIL import Image as PILImage

    output = BytesIO()
    PILImage.new("RGB", (width, height), (0, 90, 160)).save(output, "PNG")
    return output.getvalue()


def image_count(pdf: bytes) -> int:
    """The images drawn on the receipt's first page."""
    page = PdfReader(BytesIO(pdf)).pages[0]
    return len(page.images)


class TestIssuer:
    """The receipt names the authority (name, address, logo: the "Guichet:
    the authority" control panel) and the service's contact (the
    procedure)."""

    def configure(self, site, *, logo: bytes | None):
        from imio.guichet.authority import IAuthority
        from plone.app.textfield.value import RichTextValue

        def record(name, value):
            api.portal.set_registry_record(name, value, interface=IAuthority)

        record("official_name", "Administration communale de Guichetville")
        record("street", "Place de l'Hôtel de Ville 1")
        record("postal_code", "5000")
        record("locality", "Guichetville")
        if logo is not None:
            encoded = base64.standard_b64encode(logo)
            record("logo", b"filenameb64:bG9nby5wbmc=;datab64:" + encoded)
        with api.env.adopt_roles(["Manager"]):
            site.demarches.x.contact = RichTextValue(
                "<p>Service État civil</p><p>etatcivil@guichetville.be — "
                "081 00 00 00</p>",
                "text/html",
                "text/x-html-safe",
            )
        transaction.commit()

    def test_authority_and_service_contact(self, site, filed, session_for):
        self.configure(site, logo=png())
        reference, secret = filed["anon"]
        response = get_receipt(session_for("Anonymous"), reference, secret)
        assert_receipt(response, reference)
        text = text_of(response.content)
        flat = normalized(text)
        assert "Administration communale de Guichetville" in flat
        assert "Place de l'Hôtel de Ville 1" in text
        assert "5000 Guichetville" in text
        assert "Contacter le service" in flat
        assert "Service État civil" in text
        assert "etatcivil@guichetville.be — 081 00 00 00" in flat
        assert image_count(response.content) == 1  # the logo

    def test_defaults_site_title_no_logo(self, site, filed, session_for):
        reference, secret = filed["anon"]
        response = get_receipt(session_for("Anonymous"), reference, secret)
        assert_receipt(response, reference)
        assert site.Title() in normalized(text_of(response.content))
        assert image_count(response.content) == 0

    def test_a_broken_logo_leaves_it_out(self, site, filed, session_for):
        self.configure(site, logo=b"not an image")
        reference, secret = filed["anon"]
        response = get_receipt(session_for("Anonymous"), reference, secret)
        assert_receipt(response, reference)
        assert image_count(response.content) == 0
