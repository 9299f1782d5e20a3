"""The guichet's pages send security headers, and no page of it is
stored by a browser or a proxy (issue #10, item 11); Plone's own pages
are left as they are."""

from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.headers import is_guichet_page
from Products.Five.browser import BrowserView

import html
import pytest
import re
import requests


HEADERS = ("Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options")
#: Two of the demo's procedures: anonymous, for accounts (in steps).
LOST = f"{PROCEDURES_PATH}/declaration-de-perte"
OCCUPATION = f"{PROCEDURES_PATH}/occupation-domaine-public"


def assert_guichet_headers(answer):
    policy = answer.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy, answer.url
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    assert answer.headers.get("Referrer-Policy") == "same-origin"
    assert answer.headers.get("X-Content-Type-Options") == "nosniff"
    assert "no-store" in answer.headers.get("Cache-Control", ""), answer.url


def get(url, login=None, **headers):
    auth = (login, login) if login else None
    return requests.get(url, auth=auth, headers=headers, timeout=60)


def first_request_page(site: str) -> str:
    listing = get(f"{site}/@@guichet-requests", "backoffice").text
    return html.unescape(
        re.search(r'href="([^"]*@@guichet-request\?id=[^"]*)"', listing)[1]
    )


@pytest.mark.parametrize(
    ("path", "login", "json"),
    [
        (LOST, None, False),  # the procedure page
        (f"{LOST}/@@submit", None, False),  # the form
        (f"{OCCUPATION}/@@submit", "citoyen", False),  # steps
        ("@@my-requests", "citoyen", False),  # Mes démarches
        ("@@guichet-requests", "backoffice", False),  # Demandes
        (f"{LOST}/@@guichet-requests", "backoffice", False),
        ("@submissions", "backoffice", True),
        (f"{LOST}/@submissions", "backoffice", True),
        (f"{LOST}/@form-schema", None, True),
        ("@guichet-openapi", None, True),
    ],
)
def test_guichet_pages_send_the_headers(
    live_instance, citizen_journey, path, login, json
):
    accept = {"Accept": "application/json"} if json else {}
    answer = get(f"{live_instance.url}/{path}", login, **accept)
    assert answer.status_code == 200, answer.text[:500]
    assert_guichet_headers(answer)


def test_pages_opened_by_secret_links_send_the_headers(live_instance, citizen_journey):
    for url in (
        citizen_journey.confirmation,
        citizen_journey.tracking,
        citizen_journey.receipt,  # the PDF
        citizen_journey.draft,
    ):
        answer = get(url)
        assert answer.status_code == 200, url
        assert_guichet_headers(answer)


def test_request_page_and_refusals_send_the_headers(live_instance, citizen_journey):
    site = live_instance.url
    assert_guichet_headers(get(first_request_page(site), "backoffice"))
    # The same page for an unknown reference (404) or an anonymous visitor.
    unknown = get(f"{site}/@@track-request?reference=XXXX-XXXX&secret=nope")
    assert unknown.status_code == 404
    assert_guichet_headers(unknown)
    refused = get(f"{site}/@submissions", Accept="application/json")
    assert refused.status_code in (401, 403)
    assert_guichet_headers(refused)


@pytest.mark.parametrize("path", ["", "fr/contact", PROCEDURES_PATH, "@@search"])
def test_plone_pages_are_unchanged(live_instance, path):
    answer = get(f"{live_instance.url}/{path}")
    assert answer.status_code == 200
    for name in HEADERS:
        assert name not in answer.headers
    assert "no-store" not in answer.headers.get("Cache-Control", "")


def test_the_rule_reads_the_class_hierarchy():
    from imio.guichet.browser.citizen import TrackRequestView

    # What Five publishes: a subclass it makes of the registered class.
    generated = type("TrackRequestView", (TrackRequestView, BrowserView), {})
    view = generated(None, None)
    assert is_guichet_page(view)
    assert is_guichet_page(view.__call__)  # a published method
    assert not is_guichet_page(BrowserView(None, None))
    assert not is_guichet_page(None)
