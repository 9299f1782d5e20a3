"""Once only, in a real browser at 1280 and 390 px, with axe-core: Luc
Dupont identifies through the demonstration identity provider, finds the
demo birth-certificate form prefilled from the demonstration population
register (both real processes on loopback, see fixtures/live_site.py),
read-only and saying where each value comes from; he files it, and the
staff see on the request page which values came from the register."""

from accessibility import assert_accessible
from imio.guichet.demo import PROCEDURES_PATH
from playwright.sync_api import expect
from test_citizen_journey import log_in
from test_citizen_space_in_browser import assert_citizen_page
from test_identity_in_browser import choose_person
from test_identity_in_browser import LUC
from urllib.parse import urlencode

import pytest
import requests


DESKTOP, PHONE = 1280, 390
BIRTH = f"{PROCEDURES_PATH}/extrait-acte-de-naissance"
REGISTER = "Registre national (démonstration)"
#: What the register says of Luc Dupont.
FROM_THE_REGISTER = {
    "last_name": "Dupont",
    "first_name": "Luc",
    "birth_date": "1985-03-14",
    "birth_place": "Namur",
}


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{page.url} scrolls sideways"
    )


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_prefilled_once_only_then_the_staff_see_the_source(chromium, demo_site, width):
    viewport = {"width": width, "height": 900}
    citizen = chromium.new_context(locale="fr-BE", viewport=viewport)
    page = citizen.new_page()
    form = f"{demo_site}/{BIRTH}/@@submit"
    page.goto(f"{demo_site}/@@guichet-identify?{urlencode({'came_from': form})}")
    choose_person(page, LUC)
    page.wait_for_url(f"{form}**")

    for name, value in FROM_THE_REGISTER.items():
        field = page.locator(f"#form-widgets-{name}")
        expect(field).to_have_value(value)
        expect(field).not_to_be_editable()
        expect(page.locator(f"#form-widgets-{name}-source")).to_contain_text(
            f"Fourni par : {REGISTER}"
        )
    # The delivery address: prefilled, correctable.
    street = page.locator("#form-widgets-postal_address-street")
    expect(street).to_have_value("Rue de la Gare")
    expect(street).to_be_editable()
    assert_accessible(page)
    no_sideways_scroll(page)

    page.get_by_label("Démarche administrative").check()
    page.get_by_label("Par e-mail").check()
    page.get_by_label("Adresse e-mail").fill("luc.dupont@example.org")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/@@confirmation**")
    reference = page.locator(".imio-guichet-reference").first.inner_text()
    assert_citizen_page(page, width)
    # Then Mes démarches, from the link in the site's header: the request
    # is there, under the verified identity.
    page.goto(demo_site)
    page.locator("#portal-header").get_by_role("link", name="Mes démarches").click()
    page.wait_for_url("**/@@my-requests")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    assert_citizen_page(page, width)
    citizen.close()

    listing = requests.get(
        f"{demo_site}/@submissions",
        params={"reference": reference},
        auth=("backoffice", "backoffice"),
        headers={"Accept": "application/json"},
        timeout=60,
    ).json()
    (filed,) = listing["items"]
    staff = chromium.new_context(locale="fr-BE", viewport=viewport)
    desk = staff.new_page()
    log_in(desk, demo_site, "backoffice", "backoffice")
    desk.goto(f"{demo_site}/@@guichet-request?id={filed['id']}")
    for name in FROM_THE_REGISTER:
        note = desk.locator(f'[data-field="{name}"] .value-source')
        expect(note).to_contain_text("Vérifié")
        expect(note).to_contain_text(f"Fourni par : {REGISTER}")
    assert_accessible(desk)
    staff.close()
