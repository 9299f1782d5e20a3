"""The citizen's space in a real browser, at a desktop's width and a
phone's: Mes démarches from the header, no CMS toolbar nor byline for a
citizen (still there for an editor), nothing scrolling sideways, messages
with files both ways, the withdrawal's confirmation, the main action and
the keyboard focus; every page checked by axe-core."""

from accessibility import assert_accessible
from imio.guichet.demo import PROCEDURES_PATH
from playwright.sync_api import expect

import pytest
import re


#: A small valid PDF (the demo procedures accept PDF, PNG and JPEG).
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

DESKTOP, PHONE = 1280, 390


def themed(site: str) -> str:
    """The demo site as its visitors see it: with its theme. Plone's
    theming leaves 127.0.0.1 unthemed (for maintenance), the address the
    tests (and their axe-core checks: Barceloneta's own colours are not
    the add-on's) use; by name, the same server is themed."""
    return site.replace("://127.0.0.1:", "://localhost:")


def log_in(page, site: str, login: str, password: str) -> None:
    page.goto(f"{site}/login")
    page.fill("#__ac_name", login)
    page.fill("#__ac_password", password)
    page.locator("#__ac_password").press("Enter")
    page.wait_for_load_state()


def assert_no_sideways_scroll(page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: {scroll_width} px wide at {width} px"


def assert_citizen_page(page, width: int) -> None:
    """What every guichet page shows a citizen: no CMS, no sideways
    scroll, nothing axe-core finds."""
    expect(page.locator("#edit-bar")).to_have_count(0)
    expect(page.locator("#section-byline")).to_have_count(0)
    assert_no_sideways_scroll(page, width)
    assert_accessible(page)


def file_lost_keys(page, demo_site: str, width: int) -> str:
    """The citizen declares lost keys (logged in); returns the reference."""
    page.goto(f"{demo_site}/{PROCEDURES_PATH}/declaration-de-perte")
    assert_citizen_page(page, width)
    page.get_by_role("link", name=re.compile("Faire la demande en ligne")).click()
    page.wait_for_url("**/@@submit")
    assert_citizen_page(page, width)
    page.get_by_label("Clés").check()
    page.get_by_label("Description de l'objet").fill("Trousseau de 3 clés")
    page.get_by_label("Date de la perte").fill("2026-11-20")
    page.get_by_label("Vos nom et prénom").fill("Jeanne Dupont")
    page.get_by_label("Adresse e-mail").fill("jeanne@example.org")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/@@confirmation**")
    assert_citizen_page(page, width)
    return page.locator(".imio-guichet-reference").first.inner_text()


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_citizen_space(page, demo_site, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, demo_site, "citoyen", "citoyen")
    reference = file_lost_keys(page, demo_site, width)

    # Mes démarches, from the link in the site's header.
    page.goto(demo_site)
    page.locator("#portal-header").get_by_role("link", name="Mes démarches").click()
    page.wait_for_url("**/@@my-requests")
    assert_citizen_page(page, width)
    page.get_by_role("link", name=reference).click()
    page.wait_for_url("**/@@my-requests?reference=*")
    assert_citizen_page(page, width)

    # The citizen writes to the service, not asked, with a file.
    page.get_by_label("Votre message").fill("J'ai retrouvé la facture des clés.")
    page.locator("#citizen-files").set_input_files(
        files=[{"name": "facture.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Envoyer mon message").click()
    page.wait_for_load_state()
    expect(page.locator(".portalMessage")).to_contain_text("Votre message a été envoyé")
    history = page.locator(".request-history-list")
    expect(history).to_contain_text("J'ai retrouvé la facture des clés.")
    expect(history).to_contain_text("Message du citoyen")
    assert_citizen_page(page, width)
    with page.expect_download() as download:
        history.get_by_role("link", name=re.compile("facture.pdf")).click()
    assert download.value.suggested_filename == "facture.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF

    # Withdrawing asks for a confirmation first, and says it is for good.
    withdraw = page.locator(".citizen-withdraw")
    expect(withdraw).to_contain_text("irréversible")
    withdraw.get_by_role("button", name="Retirer ma demande").click()
    # The box is required: nothing was sent.
    expect(page.locator(".request-state")).to_have_attribute("data-state", "submitted")
    withdraw.get_by_label(re.compile("Je comprends")).check()
    withdraw.get_by_role("button", name="Retirer ma demande").click()
    page.wait_for_load_state()
    expect(page.locator(".request-state")).to_have_attribute("data-state", "withdrawn")
    expect(page.locator(".citizen-write")).to_have_count(0)  # closed now
    assert_citizen_page(page, width)

    # With the site's theme too, nothing scrolls sideways.
    site = themed(demo_site)
    log_in(page, site, "citoyen", "citoyen")
    for path in ("@@my-requests", f"@@my-requests?reference={reference}"):
        page.goto(f"{site}/{path}")
        expect(page.locator("#edit-bar")).to_have_count(0)
        assert_no_sideways_scroll(page, width)


def test_staff_file_reaches_the_citizen(page, demo_site, chromium):
    """The service sends a file with its message; the citizen downloads it
    from their space."""
    log_in(page, demo_site, "citoyen", "citoyen")
    reference = file_lost_keys(page, demo_site, DESKTOP)

    staff_context = chromium.new_context(locale="fr-BE")
    staff = staff_context.new_page()
    try:
        log_in(staff, demo_site, "backoffice", "backoffice")
        staff.goto(f"{demo_site}/@@guichet-requests?reference={reference}")
        staff.get_by_role("link", name=reference).click()
        staff.get_by_label("Message pour le citoyen").fill("Voici notre décision.")
        staff.locator("#request-files").set_input_files(
            files=[
                {"name": "decision.pdf", "mimeType": "application/pdf", "buffer": PDF}
            ]
        )
        staff.get_by_role("button", name="Envoyer uniquement le message").click()
        staff.wait_for_load_state()
        expect(staff.locator(".portalMessage")).to_contain_text("message")
    finally:
        staff_context.close()

    page.goto(f"{demo_site}/@@my-requests?reference={reference}")
    history = page.locator(".request-history-list")
    expect(history).to_contain_text("Voici notre décision.")
    expect(history).to_contain_text("Message du service")
    with page.expect_download() as download:
        history.get_by_role("link", name=re.compile("decision.pdf")).click()
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF
    assert_accessible(page)


def test_editor_still_has_the_toolbar(page, demo_site):
    log_in(page, demo_site, "admin", "admin")
    page.goto(f"{demo_site}/{PROCEDURES_PATH}/declaration-de-perte")
    expect(page.locator("#edit-bar")).to_have_count(1)
    expect(page.locator("#section-byline")).to_have_count(1)
    page.goto(f"{demo_site}/{PROCEDURES_PATH}/declaration-de-perte/@@submit")
    expect(page.locator("#edit-bar")).to_have_count(1)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        value = value / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first, second) -> float:
    light, dark = sorted(map(relative_luminance, (first, second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(part) for part in re.findall(r"\d+", css)[:3])


def test_main_action_and_keyboard_focus(page, demo_site):
    site = themed(demo_site)  # the buttons' colours are the theme's
    log_in(page, site, "citoyen", "citoyen")  # a procedure for accounts
    page.goto(f"{site}/{PROCEDURES_PATH}/occupation-domaine-public/@@submit")
    # The main action looks like it; the others do not.
    expect(page.locator("#form-buttons-next")).to_have_class(re.compile(r"btn-primary"))
    expect(page.locator("#form-buttons-save_draft")).to_have_class(
        re.compile(r"btn-secondary")
    )
    colour = "el => getComputedStyle(el).backgroundColor"
    assert page.locator("#form-buttons-next").evaluate(colour) != (
        page.locator("#form-buttons-save_draft").evaluate(colour)
    )
    # Every control of the form shows where the keyboard is, clearly.
    # From the keyboard (focus given by a script shows no indicator).
    page.locator("#form-widgets-applicant_type-0").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    seen = set()
    for _ in range(40):
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el.closest('#content')) return null;
                const style = getComputedStyle(el);
                return {id: el.id || el.name || el.tagName,
                        style: style.outlineStyle, width: style.outlineWidth,
                        colour: style.outlineColor};
            }"""
        )
        if focused is None:
            break
        seen.add(focused["id"])
        assert focused["style"] == "solid", focused
        assert float(focused["width"].removesuffix("px")) >= 2, focused
        assert contrast(rgb(focused["colour"]), (255, 255, 255)) >= 3, focused
        page.keyboard.press("Tab")
    assert {"form-buttons-next", "form-buttons-save_draft"} <= seen
