"""A citizen's journey in a real browser, checked by axe-core at each page."""

from accessibility import assert_accessible
from datetime import date
from datetime import timedelta
from imio.guichet.demo import PROCEDURES_PATH
from playwright.sync_api import expect
from pypdf import PdfReader

import re


#: A small valid PDF (the procedure accepts PDF, PNG and JPEG).
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_lost_object_declaration(page, demo_site):
    # The procedure page, found like any page of the site.
    page.goto(f"{demo_site}/{PROCEDURES_PATH}/declaration-de-perte")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Faire la demande en ligne")).click()

    # The form, filled with a mistake.
    page.wait_for_url("**/@@submit")
    assert_accessible(page)
    page.get_by_label("Clés").check()
    page.get_by_label("Description de l'objet").fill(
        "Trousseau de 3 clés, porte-clés rouge"
    )
    page.get_by_label("Date de la perte").fill("2026-11-20")
    page.get_by_label("Vos nom et prénom").fill("Jeanne Dupont")
    page.get_by_label("Adresse e-mail").fill("jeanne.example.org")
    page.get_by_role("button", name="Envoyer ma demande").click()

    # The error is shown next to its field, and the page stays accessible.
    email_field = page.locator("#formfield-form-widgets-email")
    expect(email_field).to_have_class(re.compile(r"\berror\b"))
    expect(email_field).to_contain_text("n'est pas valide")
    assert_accessible(page)
    assert page.get_by_label("Vos nom et prénom").input_value() == "Jeanne Dupont"

    # Fixed and sent: the reference.
    page.get_by_label("Adresse e-mail").fill("jeanne@example.org")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/@@confirmation**")
    reference = page.locator(".imio-guichet-reference").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert_accessible(page)


def test_keyboard_only(page, demo_site):
    """The form can be filled and sent without a mouse."""
    page.goto(f"{demo_site}/{PROCEDURES_PATH}/declaration-de-perte/@@submit")
    page.get_by_label("Portefeuille").focus()
    page.keyboard.press("Space")
    assert page.get_by_label("Portefeuille").is_checked()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused  # focus moved to the next control, not lost
    outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + ' ' + "
        "getComputedStyle(document.activeElement).boxShadow"
    )
    assert outline != "none none", "no visible focus indicator"


def log_in(page, site: str, login: str, password: str) -> None:
    page.goto(f"{site}/login")
    page.fill("#__ac_name", login)
    page.fill("#__ac_password", password)
    page.locator("#__ac_password").press("Enter")
    page.wait_for_load_state()


def fill_step_1_with_a_mistake(page) -> None:
    """Step 1: the company number shows only for a company."""
    company = page.locator("#form-widgets-company_number")
    expect(company).to_be_hidden()
    page.locator("#form-widgets-applicant_type-1").check()  # Une entreprise
    expect(company).to_be_visible()
    page.fill("#form-widgets-name", "Construction Dupont SRL")
    company.fill("0403.170.702")  # a wrong check digit
    page.fill("#form-widgets-email", "dupont@example.org")
    page.fill("#form-widgets-phone", "081 12 34 56")
    page.locator("#form-buttons-next").click()


def fix_the_mistake(page, heading) -> None:
    """A summary at the top, linked to the field; still step 1."""
    summary = page.locator("#guichet-error-summary")
    expect(summary).to_be_visible()
    expect(heading).to_contain_text("Étape 1 sur 4")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "form-widgets-company_number"
    company = page.locator("#form-widgets-company_number")
    expect(company).to_have_attribute("aria-invalid", "true")
    company.fill("0403.170.701")
    page.locator("#form-buttons-next").click()


def fill_step_2(page) -> None:
    """Step 2: the scaffolding's height only when there is scaffolding."""
    page.fill("#form-widgets-site_address-street", "Rue de Fer")
    page.fill("#form-widgets-site_address-number", "12")
    page.fill("#form-widgets-site_address-postal-code", "5000")
    page.fill("#form-widgets-site_address-locality", "Namur")
    start = date.today() + timedelta(days=7)
    page.fill("#form-widgets-date_from", start.isoformat())
    page.fill("#form-widgets-date_to", (start + timedelta(days=3)).isoformat())
    page.fill("#form-widgets-surface", "12")
    page.locator("#form-widgets-purpose-1").check()  # Échafaudage
    height = page.locator("#form-widgets-scaffolding_height")
    expect(height).to_be_hidden()
    page.locator("#form-widgets-scaffolding-0").check()  # Oui
    expect(height).to_be_visible()
    height.fill("7")
    page.locator("#form-buttons-next").click()


def fill_step_3(page) -> None:
    """Step 3: a file."""
    page.set_input_files(
        "#form-widgets-plan-input",
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.fill("#form-widgets-details", "Échafaudage le long de la façade.")
    page.locator("#form-buttons-next").click()


def check_review(page, heading) -> None:
    """Review, then back one step and forth: nothing typed is lost."""
    review = page.locator("form.guichet-submit-form")
    for answer in ("Construction Dupont SRL", "Rue de Fer 12, 5000 Namur", "plan.pdf"):
        expect(review).to_contain_text(answer)
    page.locator("#form-buttons-previous").click()
    expect(heading).to_contain_text("Étape 3 sur 4")
    expect(page.locator("form.guichet-submit-form")).to_contain_text("plan.pdf")
    page.locator("#form-buttons-next").click()
    expect(heading).to_contain_text("Étape 4 sur 4")


def test_public_domain_occupation_in_steps(page, demo_site):
    """A company asks to put up scaffolding: a form in steps, with fields
    shown on conditions, a mistake to fix, a file, a review page, the
    reference and the PDF receipt; every page checked by axe-core."""
    log_in(page, demo_site, "citoyen", "citoyen")
    page.goto(f"{demo_site}/{PROCEDURES_PATH}/occupation-domaine-public")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Faire la demande en ligne")).click()
    heading = page.locator("#guichet-step-heading")
    steps = [
        ("Étape 1 sur 4", fill_step_1_with_a_mistake),
        (None, lambda page: fix_the_mistake(page, heading)),
        ("Étape 2 sur 4", fill_step_2),
        ("Étape 3 sur 4", fill_step_3),
        ("Étape 4 sur 4", lambda page: check_review(page, heading)),
    ]
    for title, act in steps:
        if title:
            expect(heading).to_contain_text(title)
            assert_accessible(page)
        act(page)

    # Sent: the reference, then the receipt.
    page.locator("#form-buttons-send").click()
    page.wait_for_url("**/@@confirmation**")
    reference = page.locator(".imio-guichet-reference").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("accusé de réception", re.I)).click()
    receipt = PdfReader(download.value.path())
    text = "".join(pdf_page.extract_text() for pdf_page in receipt.pages)
    assert reference in text
    assert "Construction Dupont SRL" in text
