"""Issue #14: a webmaster builds a form in the editor, in a real browser,
with no XML typed anywhere; then a citizen files it."""

from accessibility import assert_accessible
from playwright.sync_api import expect
from test_citizen_journey import log_in

import pytest
import re
import uuid


def add_field(page, editor: str, title: str, name: str, factory: str) -> None:
    """The editor's "Add new field" form (the page its button opens)."""
    page.goto(f"{editor}/@@add-field")
    page.fill("#form-widgets-title", title)
    page.fill("#form-widgets-__name__", name)
    page.select_option("#form-widgets-factory", factory)
    page.locator("#form-buttons-add").click()
    page.wait_for_load_state()
    expect(page.locator(".statusmessage-error")).to_have_count(0)


def covered_buttons(page) -> list[str]:
    """The shown field buttons that another element covers (where a click
    lands); fails if none is shown."""
    covered = page.evaluate(
        """() => [...document.querySelectorAll('.fieldControls a')]
            .filter(button => button.checkVisibility())
            .filter(button => {
            button.scrollIntoView({block: 'center'});
            const again = button.getBoundingClientRect();
            const hit = document.elementFromPoint(
                again.left + again.width / 2, again.top + again.height / 2);
            return !(hit === button || button.contains(hit));
        }).map(button => button.getAttribute('aria-label'))"""
    )
    assert page.locator(".fieldControls a:visible").count() > 0
    return covered


def new_procedure(page, site: str) -> str:
    page.goto(f"{site}/demarches/++add++imio.guichet.Procedure")
    title = f"Occupation de test {uuid.uuid4().hex[:6]}"
    page.fill("#form-widgets-IDublinCore-title", title)
    page.locator("#form-buttons-save").click()
    page.wait_for_load_state()
    return page.url.split("?")[0].rstrip("/").removesuffix("/view")


def publish(page, procedure: str) -> None:
    page.goto(procedure)
    page.locator("#plone-contentmenu-workflow > a").click()
    page.locator("#workflow-transition-publish").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1024, 1280])
def test_field_buttons_are_never_covered(chromium, demo_site, width):
    context = chromium.new_context(
        locale="fr-BE", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    log_in(page, demo_site, "admin", "admin")
    editor = f"{demo_site}/demarches/occupation-domaine-public/++form++fields"
    page.goto(editor)
    expect(page.locator("h1")).to_have_text("Champs du formulaire")
    for navigation in (True, False):
        # With and without the navigation column (the toolbar on the side,
        # or collapsed): a long type name wraps, buttons stay clickable.
        page.evaluate(
            "on => document.body.classList.toggle('plone-toolbar-expanded', on)",
            navigation,
        )
        tabs = page.locator(".autotoc-nav a")
        for index in range(max(tabs.count(), 1)):
            if tabs.count():
                tabs.nth(index).click()  # a step of the form
            assert covered_buttons(page) == []
    context.close()


def test_webmaster_builds_a_conditional_form_and_a_citizen_files_it(
    page, demo_site, chromium
):
    log_in(page, demo_site, "admin", "admin")
    procedure = new_procedure(page, demo_site)
    editor = f"{procedure}/++form++fields"

    add_field(page, editor, "Un échafaudage ?", "scaffolding", "label_boolean_field")
    add_field(page, editor, "Hauteur (m)", "height", "label_float_field")

    # The height's settings: required, and asked only when "Oui".
    page.goto(editor)
    settings = page.get_by_role("link", name='Paramètres de "Hauteur (m)"')
    # The page the button opens (in a dialog, with the editor's script).
    page.goto(settings.get_attribute("href"))
    page.locator("#form-widgets-required-0").check()
    page.get_by_label("Un échafaudage ? : Oui").check()
    page.locator("#form-buttons-save").click()
    page.wait_for_load_state()
    page.goto(editor)
    expect(page.locator(".guichet-field-condition")).to_contain_text(
        "Demandé seulement si"
    )
    assert_accessible(page)
    publish(page, procedure)

    # A citizen (not logged in) files it.
    citizen = chromium.new_context(locale="fr-BE").new_page()
    citizen.goto(f"{procedure}/@@submit")
    height = citizen.locator("#form-widgets-height")
    expect(height).to_be_hidden()
    citizen.get_by_label("Un échafaudage ?").check()
    expect(height).to_be_visible()
    height.fill("7")
    citizen.fill("#form-widgets-last_name", "Dupont")
    citizen.fill("#form-widgets-first_name", "Jeanne")
    citizen.fill("#form-widgets-email", "jeanne@example.org")
    citizen.fill("#form-widgets-message", "Un échafaudage de 7 m.")
    citizen.get_by_role("button", name="Envoyer ma demande").click()
    citizen.wait_for_url("**/@@confirmation**")
    reference = citizen.locator(".imio-guichet-reference").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    citizen.context.close()
