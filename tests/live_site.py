"""Fixtures of the real-browser tests (tests/browser): Playwright for
Python driving Debian's Chromium against a running instance with the demo
site of ``make start``.

The instance is built once per test session by
:func:`imio.guichet.testing_instance.served_instance` (the load benchmark
builds its own; the tests of the WSGI pipeline, the logs and the headers
share this one, :func:`live_instance`): in a temporary folder, served by
``runwsgi`` as its own process, and removed afterwards. axe-core comes
from npm (package.json, installed by ``make test``).

Without Chromium (``apt-get install chromium``) or axe-core the tests are
skipped, except on CI, where ``.ci/run`` installs both and a skip would hide
a broken set-up: there they fail.
"""

from contextlib import ExitStack
from dataclasses import dataclass
from imio.guichet.testing_instance import InstanceError
from imio.guichet.testing_instance import served_instance
from pathlib import Path
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import html
import os
import pytest
import re
import requests


ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("GUICHET_CHROMIUM", "/usr/bin/chromium")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return "no axe-core (npm ci)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "no playwright (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def live_instance():
    """A throwaway demo instance served for the session (the browser tests',
    and those of the WSGI pipeline, the logs and the response headers)."""
    with ExitStack() as stack:
        try:
            served = stack.enter_context(served_instance(prefix="guichet-live-"))
        except InstanceError as error:
            pytest.fail(str(error))
        yield served


@dataclass(frozen=True)
class Journey:
    """What an anonymous citizen opened on a live instance: the URLs that
    carry a secret, and the secrets themselves."""

    confirmation: str
    tracking: str
    receipt: str
    draft: str
    secrets: tuple[str, ...]


#: The answers of the demo's lost-object declaration (anonymous).
LOST_KEYS = {
    "form.widgets.object_type": "keys",
    "form.widgets.object_type-empty-marker": "1",
    "form.widgets.description": "Trousseau de 3 clés",
    "form.widgets.loss_date": "2026-11-20",
    "form.widgets.name": "Jeanne Dupont",
    "form.widgets.email": "jeanne@example.org",
    "form.widgets.guichet_website": "",  # the honeypot, left empty
}


def _hidden_fields(page: str) -> dict:
    """The form's CSRF and anti-replay tokens."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="(_authenticator|guichet\.token)"', tag)
        if name:
            fields[name[1]] = re.search(r'value="([^"]*)"', tag)[1]
    return fields


@pytest.fixture(scope="session")
def citizen_journey(live_instance) -> Journey:
    """An anonymous filing on the HTML form (then its confirmation, tracking
    and receipt pages, opened with their secret) and a saved draft."""
    session = requests.Session()
    form = f"{live_instance.url}/demarches/declaration-de-perte/@@submit"
    page = session.get(form, timeout=60).text
    sent = session.post(
        form,
        data={**LOST_KEYS, **_hidden_fields(page), "form.buttons.send": "Envoyer"},
        allow_redirects=False,
        timeout=60,
    )
    confirmation = sent.headers["Location"]
    page = session.get(confirmation, timeout=60).text
    links = {
        html.unescape(link)
        for link in re.findall(r'href="([^"]*@@(?:track-request|receipt)[^"]*)"', page)
    }
    (tracking,) = [link for link in links if "@@track-request" in link]
    (receipt,) = [link for link in links if "@@receipt" in link]
    for url in (tracking, receipt):
        assert session.get(url, timeout=60).status_code == 200
    page = session.get(form, timeout=60).text
    saved = session.post(
        form,
        data={**LOST_KEYS, **_hidden_fields(page), "form.buttons.save_draft": "x"},
        allow_redirects=False,
        timeout=60,
    )
    draft = saved.headers["Location"]
    assert session.get(draft, timeout=60).status_code == 200
    secrets = {
        value
        for url in (confirmation, tracking, receipt, draft)
        for name, value in parse_qsl(urlsplit(url).query)
        if name == "secret"
    }
    assert len(secrets) == 2  # the request's and the draft's
    return Journey(confirmation, tracking, receipt, draft, tuple(secrets))


@pytest.fixture(scope="session")
def demo_site(request):
    """The URL of a running demo site, for the whole session."""
    missing = _missing()
    running = os.environ.get("GUICHET_TEST_SITE")  # reuse a running demo site
    if running and not missing:
        yield running.rstrip("/")
        return
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {missing}")
        pytest.skip(missing)
    yield request.getfixturevalue("live_instance").url


@pytest.fixture(scope="session")
def chromium(demo_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A page; the test fails if the site's Content-Security-Policy
    blocked anything on it (an inline script, a resource of Plone…)."""
    context = chromium.new_context(locale="fr-BE", accept_downloads=True)
    page = context.new_page()
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"
