"""A translated procedure in a real browser: a citizen switches the demo
site to German with the language switcher, files the birth certificate
procedure in German and receives the German confirmation (a real SMTP
server on loopback), and the back office reads it under the original
procedure with the same field names and ``language: "de"``; staff read
the answers with the French labels, then switch their page to German."""

from accessibility import assert_accessible
from aiosmtpd.controller import Controller
from fixtures.mail import body
from fixtures.mail import free_port
from fixtures.mail import Inbox
from imio.guichet.demo import GERMAN
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.demo import ZOPE_ADMIN
from playwright.sync_api import expect

import pytest
import re
import requests
import time


JSON = {"Accept": "application/json", "Content-Type": "application/json"}
#: The demo's e-mail settings, pointed at the test's SMTP server meanwhile.
MAIL_RECORDS = ("plone.smtp_host", "plone.smtp_port", "plone.email_from_address")


@pytest.fixture
def demo_inbox(demo_site):
    """A real SMTP server on loopback, the demo site's e-mails sent to it
    for the test (its settings put back afterwards)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    registry = f"{demo_site}/@registry"
    before = {
        name: requests.get(
            f"{registry}/{name}", headers=JSON, auth=ZOPE_ADMIN, timeout=30
        ).json()
        for name in MAIL_RECORDS
    }
    changed = requests.patch(
        registry,
        json={
            "plone.smtp_host": "127.0.0.1",
            "plone.smtp_port": controller.port,
            "plone.email_from_address": before["plone.email_from_address"]
            or "guichet@guichetville.be",
        },
        headers=JSON,
        auth=ZOPE_ADMIN,
        timeout=30,
    )
    assert changed.status_code == 204, changed.text
    try:
        yield inbox
    finally:
        requests.patch(registry, json=before, headers=JSON, auth=ZOPE_ADMIN, timeout=30)
        controller.stop()


def received(inbox: Inbox, address: str, seconds: float = 60) -> list:
    """The messages ``address`` received, waiting for the demo's outbox
    (sent by a thread of the instance, after the filing committed)."""
    deadline = time.monotonic() + seconds
    while not inbox.to(address) and time.monotonic() < deadline:
        time.sleep(0.5)
    return inbox.to(address)


def assert_german_confirmation(inbox: Inbox, address: str, reference: str) -> None:
    """The confirmation e-mail is in German, the procedure named as the
    German page names it."""
    [mail] = received(inbox, address)
    assert mail["Subject"] == f"Ihr Antrag {reference} ist eingegangen"
    text = body(mail)
    assert text.startswith("Guten Tag")
    assert f'"{GERMAN["title"]}"' in text
    assert reference in text


def test_a_citizen_files_in_german_and_staff_read_it_in_french(
    page, demo_site, demo_inbox
):
    original = f"{demo_site}/{PROCEDURES_PATH}/extrait-acte-de-naissance"
    page.goto(original)
    switcher = page.locator("#portal-languageselector .language-de a")
    expect(switcher).to_have_count(1)
    switcher.click()
    page.wait_for_load_state()
    assert page.url.rstrip("/") != original
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("link", name=re.compile("Online beantragen")).click()
    page.wait_for_url("**/@@submit")
    # The guichet's own pages have the switcher too, back to French.
    expect(page.locator("#portal-languageselector .language-fr a")).to_have_count(1)
    assert_accessible(page)
    # The form's German texts, the same fields.
    page.get_by_label("Name der betroffenen Person").fill("Schmitz")
    page.get_by_label("Vorname(n)").fill("Anna")
    page.fill("#form-widgets-birth_date", "1990-05-17")
    page.get_by_label("Geburtsort").fill("Eupen")
    page.get_by_label("Verwaltungsverfahren").check()
    page.get_by_label("Per E-Mail").check()
    page.get_by_label("E-Mail-Adresse").fill("anna@example.org")
    page.get_by_role("button", name="Meinen Antrag senden").click()
    page.wait_for_url("**/@@confirmation**")
    assert_accessible(page)
    reference = page.locator(".imio-guichet-reference").first.inner_text().strip()
    assert_german_confirmation(demo_inbox, "anna@example.org", reference)

    # The back office: one procedure, the original's, the same field names.
    listed = requests.get(
        f"{original}/@submissions",
        params={"reference": reference},
        headers={"Accept": "application/json"},
        auth=("backoffice", "backoffice"),
        timeout=30,
    )
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["language"] == "de"
    assert item["procedure"]["@id"] == original
    assert item["data"]["last_name"] == "Schmitz"
    assert item["data"]["purpose"] == "administration"

    staff_read_it_in_french_then_german(page, demo_site, item["id"])


def staff_read_it_in_french_then_german(page, demo_site: str, request_id: str):
    """Staff read the request in French, with the form's French labels,
    then switch their page (on the site root) to German."""
    staff = page.context.browser.new_context()
    try:
        staff.add_cookies([{"name": "I18N_LANGUAGE", "value": "fr", "url": demo_site}])
        staff_page = staff.new_page()
        staff_page.goto(f"{demo_site}/login")
        staff_page.fill("#__ac_name", "backoffice")
        staff_page.fill("#__ac_password", "backoffice")
        staff_page.locator("#__ac_password").press("Enter")
        staff_page.wait_for_load_state()
        staff_page.goto(f"{demo_site}/@@guichet-request?id={request_id}")
        expect(staff_page.get_by_text("Nom de la personne concernée")).to_be_visible()
        expect(staff_page.get_by_text("Démarche administrative")).to_be_visible()
        expect(staff_page.get_by_text("Name der betroffenen Person")).to_have_count(0)
        # A page on the site root: the guichet's switcher, to the same
        # request in German.
        switcher = staff_page.locator("#portal-languageselector .language-de a")
        expect(switcher).to_have_attribute("hreflang", "de")
        switcher.click()
        staff_page.wait_for_load_state()
        expect(staff_page.locator("html")).to_have_attribute("lang", "de")
        expect(staff_page.get_by_text("Name der betroffenen Person")).to_be_visible()
        expect(
            staff_page.locator("#portal-languageselector [aria-current='true']")
        ).to_have_text("Deutsch")
        assert_accessible(staff_page)
    finally:
        staff.close()
