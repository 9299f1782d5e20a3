"""In a real browser: an account deleted, another made with its login
name, inherits nothing of it (issue #12; tests/pages/test_reused_accounts.py
checks every door in-process). The citizen files, the account is deleted
and made again (plone.restapi, as a Site Administrator would), and the new
person finds an empty Mes démarches, and the old request's page and
receipt not found."""

from accessibility import assert_accessible
from playwright.sync_api import expect
from test_citizen_journey import log_in
from test_citizen_space_in_browser import file_lost_keys

import requests
import uuid


PASSWORD = "Un-mot-de-passe-2026!"
JSON = {"Accept": "application/json"}
DESKTOP = {"width": 1280, "height": 900}


def make_account(site: str, login: str) -> None:
    made = requests.post(
        f"{site}/@users",
        json={
            "username": login,
            "email": f"{login}.{uuid.uuid4().hex[:6]}@example.org",
            "fullname": "Personne de test",
            "password": PASSWORD,
        },
        auth=("admin", "admin"),
        headers=JSON,
        timeout=60,
    )
    assert made.status_code == 201, made.text


def delete_account(site: str, login: str) -> None:
    deleted = requests.delete(
        f"{site}/@users/{login}", auth=("admin", "admin"), headers=JSON, timeout=60
    )
    assert deleted.status_code == 204, deleted.text


def test_a_new_account_with_an_old_login_inherits_nothing(chromium, demo_site):
    login = f"reprise{uuid.uuid4().hex[:6]}"
    make_account(demo_site, login)
    first = chromium.new_context(
        locale="fr-BE", viewport={"width": 1280, "height": 900}
    )
    page = first.new_page()
    log_in(page, demo_site, login, PASSWORD)
    reference = file_lost_keys(page, demo_site, 1280)
    own_page = f"{demo_site}/@@my-requests?reference={reference}"
    assert page.goto(own_page).status == 200
    first.close()

    delete_account(demo_site, login)
    make_account(demo_site, login)

    second = chromium.new_context(
        locale="fr-BE", viewport={"width": 1280, "height": 900}
    )
    page = second.new_page()
    log_in(page, demo_site, login, PASSWORD)
    page.goto(f"{demo_site}/@@my-requests")
    expect(page.locator("main, #content").first).not_to_contain_text(reference)
    assert_accessible(page)
    assert page.goto(own_page).status == 404
    receipt = page.request.get(
        f"{demo_site}/@@receipt", params={"reference": reference}
    )
    assert receipt.status == 404
    second.close()
