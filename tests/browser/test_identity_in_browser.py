"""Login with OpenID Connect, in a real browser, against a real identity
provider process on loopback (imio.guichet.demo.provider: the demo's,
started by the ``live_identity_provider`` fixture, its codes valid
``TEST_CODE_LIFETIME`` seconds); and the procedures that require a verified
identity, in the browser and over REST."""

from accessibility import assert_accessible
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.testing_instance import TEST_CODE_LIFETIME
from playwright.sync_api import expect
from test_citizen_journey import log_in
from urllib.parse import urlencode

import os
import pytest
import re
import requests


LUC = {
    "sub": "demo-luc-dupont",
    "nrn": "85031412302",
    "given": "Luc",
    "family": "Dupont",
}
SOPHIE = {
    "sub": "demo-sophie-lambert",
    "nrn": "92070445647",
    "given": "Sophie",
    "family": "Lambert",
}
PROVIDER_PAGE = re.compile(r"^http://127\.0\.0\.1:\d+/oauth2/authorize")
PROVIDER_ROUTE = re.compile(r"^http://127\.0\.0\.1:\d+/oauth2/authorize")
PROCEDURE = f"{PROCEDURES_PATH}/composition-de-menage"
REFUSED = "L'identification a échoué"


def body_class(page):
    return expect(page.locator("body"))


def choose_person(page, person: dict) -> None:
    """At the demo provider: the page says it is a demonstration; pick one
    of its people."""
    page.wait_for_url(PROVIDER_PAGE)
    expect(page.get_by_role("note")).to_contain_text("Démonstration")
    page.get_by_role("button", name=person["sub"], exact=True).click()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def hold_callback(page) -> list[str]:
    """Let the provider answer the person's choice, but stop its redirect
    back to the site before the site sees it (a browser's route does not
    see redirects); the list receives the redirect's URL."""
    held = []

    def hold(route):
        if route.request.method != "POST":
            return route.continue_()
        answer = route.fetch(max_redirects=0)
        held.append(answer.headers["location"])
        return route.fulfill(status=200, content_type="text/plain", body="held")

    page.route(PROVIDER_ROUTE, hold)
    return held


def start_and_hold(page, demo_site: str) -> str:
    """A login started, the person chosen, the answer held: its URL."""
    held = hold_callback(page)
    page.goto(f"{demo_site}/@@guichet-identify?{urlencode({'came_from': demo_site})}")
    choose_person(page, LUC)
    page.wait_for_load_state()
    page.unroute(PROVIDER_ROUTE)
    assert len(held) == 1 and "code=" in held[0] and "state=" in held[0]
    return held[0]


def expect_refused(page) -> None:
    expect(page.locator("#global_statusmessage")).to_contain_text(REFUSED)
    body_class(page).to_have_class(re.compile(r"\buserrole-anonymous\b"))


def test_login_claims_and_logout(page, demo_site):
    page.goto(f"{demo_site}/login")
    button = page.locator("#guichet-provider-login")
    expect(button).to_have_text("Se connecter avec itsme / eID (démonstration)")
    assert_accessible(page)
    button.click()
    choose_person(page, LUC)

    # Back on the site, logged in as the person the provider verified.
    page.wait_for_url(f"{demo_site}**")
    body_class(page).to_have_class(re.compile(r"\buserrole-authenticated\b"))

    # The claims mapped: the verified values fill the form, read-only.
    page.goto(f"{demo_site}/{PROCEDURE}/@@submit")
    number = page.locator("#form-widgets-national_number")
    assert digits(number.input_value()) == LUC["nrn"]
    expect(number).not_to_be_editable()
    expect(page.locator("#form-widgets-last_name")).to_have_value(LUC["family"])
    expect(page.locator("#form-widgets-first_name")).to_have_value(LUC["given"])
    expect(page.locator("#form-widgets-email")).to_have_value("luc.dupont@example.org")
    assert_accessible(page)

    # Logging out ends the site's session, then the provider's.
    page.goto(f"{demo_site}/logout")
    page.wait_for_url(re.compile(r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{demo_site}**")
    body_class(page).to_have_class(re.compile(r"\buserrole-anonymous\b"))
    page.goto(f"{demo_site}/{PROCEDURE}/@@submit")
    assert page.locator("#form-widgets-national_number").input_value() == ""


def test_a_wrong_state_is_refused(page, demo_site):
    answer = start_and_hold(page, demo_site)
    page.goto(re.sub(r"state=[^&]+", "state=forged-by-someone-else", answer))
    expect_refused(page)
    # The flow ended with that answer: the genuine one is refused too.
    page.goto(answer)
    expect_refused(page)


def test_an_answer_of_another_browser_is_refused(page, chromium, demo_site):
    """The state is bound to the browser that started the login."""
    answer = start_and_hold(page, demo_site)
    other = chromium.new_context(locale="fr-BE")
    try:
        stranger = other.new_page()
        stranger.goto(answer)
        expect_refused(stranger)
    finally:
        other.close()


def test_an_expired_code_is_refused(page, demo_site):
    if os.environ.get("GUICHET_TEST_SITE"):
        pytest.skip("the running demo's provider keeps codes 60 seconds")
    answer = start_and_hold(page, demo_site)
    # Longer than the provider lets a code be exchanged.
    page.wait_for_timeout((TEST_CODE_LIFETIME + 2) * 1000)
    page.goto(answer)
    expect_refused(page)


def test_below_the_level_then_back_with_what_was_typed(page, chromium, demo_site):
    # A password login does not prove who one is.
    log_in(page, demo_site, "citoyen", "citoyen")
    page.goto(f"{demo_site}/{PROCEDURE}")
    card = page.locator(".procedure-apply")
    expect(card).to_contain_text("itsme")
    expect(page.locator("#guichet-identify-to-apply")).to_contain_text(
        "itsme / eID (démonstration)"
    )
    assert_accessible(page)
    card.get_by_role("link", name=re.compile("Remplir d'abord le formulaire")).click()

    page.wait_for_url("**/@@submit")
    page.fill("#form-widgets-purpose", "Allocations familiales")
    page.fill("#form-widgets-email", "sophie@example.org")
    page.get_by_role("button", name="Envoyer ma demande").click()

    # Sent to identify, then back to the form with what was typed.
    choose_person(page, SOPHIE)
    page.wait_for_url(re.compile(r"/@@submit\?draft="))
    expect(page.locator("#form-widgets-purpose")).to_have_value(
        "Allocations familiales"
    )
    # The e-mail the identity provider verified replaces the one typed
    # (once only: a value a source answered is not asked again).
    email = page.locator("#form-widgets-email")
    expect(email).to_have_value("sophie.lambert@example.org")
    expect(email).to_have_attribute("readonly", "")
    assert (
        digits(page.locator("#form-widgets-national_number").input_value())
        == (SOPHIE["nrn"])
    )
    expect(page.locator("#form-widgets-last_name")).to_have_value(SOPHIE["family"])
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/@@confirmation**")
    reference = page.locator(".imio-guichet-reference").inner_text()

    # The staff see it was verified, by which provider, and the values.
    found = requests.get(
        f"{demo_site}/@submissions",
        params={"reference": reference},
        auth=("backoffice", "backoffice"),
        headers={"Accept": "application/json"},
        timeout=60,
    ).json()
    (submission,) = found["items"]
    assert submission["verified_identity"]["national_number"] == SOPHIE["nrn"]
    staff = chromium.new_context(locale="fr-BE")
    try:
        desk = staff.new_page()
        log_in(desk, demo_site, "backoffice", "backoffice")
        desk.goto(f"{demo_site}/@@guichet-request?id={submission['id']}")
        verified = desk.locator(".request-verified-identity")
        expect(verified).to_contain_text("Vérifiée")
        expect(verified).to_contain_text("itsme / eID")
        expect(verified).to_contain_text("substantiel")
        expect(verified).to_contain_text("92.07.04-456.47")
        assert_accessible(desk)
    finally:
        staff.close()


# -- over REST: the same rule, and the authentic values enforced ----------

REST_ANSWERS = {
    # What a citizen could try to send in someone else's name.
    "national_number": LUC["nrn"],
    "last_name": "Quelqu'un",
    "first_name": "D'autre",
    "purpose": "Mutuelle",
    "email": "sophie@example.org",
}


def verified_session(site: str, person: dict) -> requests.Session:
    """A session logged in through the provider, as a browser would."""
    session = requests.Session()
    start = session.get(
        f"{site}/@@guichet-identify",
        params={"came_from": site},
        allow_redirects=False,
        timeout=60,
    )
    authorize = start.headers["Location"]
    chosen = session.post(
        authorize, data={"sub": person["sub"]}, allow_redirects=False, timeout=60
    )
    back = session.get(chosen.headers["Location"], allow_redirects=False, timeout=60)
    assert back.status_code == 302 and "guichet_identity" in session.cookies
    return session


def test_rest_names_the_required_level(demo_site):
    url = f"{demo_site}/{PROCEDURE}/@submissions"
    headers = {"Accept": "application/json"}
    anonymous = requests.post(
        url, json={"data": REST_ANSWERS}, headers=headers, timeout=60
    )
    assert anonymous.status_code == 401
    error = anonymous.json()["error"]
    assert error["code"] == "identity_level_required"
    assert error["required_level"] == "substantial"
    password = requests.post(
        url,
        json={"data": REST_ANSWERS},
        headers=headers,
        auth=("citoyen", "citoyen"),
        timeout=60,
    )
    assert password.status_code == 403
    assert password.json()["error"]["required_level"] == "substantial"


def test_rest_records_the_authentic_values(demo_site):
    session = verified_session(demo_site, SOPHIE)
    filed = session.post(
        f"{demo_site}/{PROCEDURE}/@submissions",
        json={"data": REST_ANSWERS},
        headers={"Accept": "application/json"},
        timeout=60,
    )
    assert filed.status_code == 201, filed.text
    stored = requests.get(
        filed.headers["Location"],
        auth=("backoffice", "backoffice"),
        headers={"Accept": "application/json"},
        timeout=60,
    ).json()
    # What was sent for the authentic fields gave way to the verified values.
    assert stored["data"]["national_number"] == SOPHIE["nrn"]
    assert stored["data"]["last_name"] == SOPHIE["family"]
    assert stored["data"]["first_name"] == SOPHIE["given"]
    assert stored["data"]["purpose"] == "Mutuelle"
    verified = stored["verified_identity"]
    assert verified["national_number"] == SOPHIE["nrn"]
    assert verified["family_name"] == SOPHIE["family"]
    assert verified["level"] == "substantial"
    assert verified["provider"] == "itsme / eID"
