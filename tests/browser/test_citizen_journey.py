"""A citizen's journey in a real browser, checked by axe-core at each page."""

from accessibility import assert_accessible
from playwright.sync_api import expect

import re


def test_lost_object_declaration(page, demo_site):
    # The procedure page, found like any page of the site.
    page.goto(f"{demo_site}/demarches/declaration-de-perte")
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
    page.goto(f"{demo_site}/demarches/declaration-de-perte/@@submit")
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
