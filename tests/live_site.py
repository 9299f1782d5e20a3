"""Fixtures of the real-browser tests (tests/browser): Playwright for
Python driving Debian's Chromium against a running instance with the demo
site of ``make start``.

The instance is built once per test session by
:func:`imio.guichet.testing_instance.demo_instance` (the load benchmark's
too): in a temporary folder, served by ``runwsgi`` as its own process, and
removed afterwards. axe-core comes from npm (package.json, installed by
``make test``).

Without Chromium (``apt-get install chromium``) or axe-core the tests are
skipped, except on CI, where ``.ci/run`` installs both and a skip would hide
a broken set-up: there they fail.
"""

from contextlib import ExitStack
from imio.guichet.testing_instance import demo_instance
from imio.guichet.testing_instance import InstanceError
from pathlib import Path

import os
import pytest


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
def demo_site():
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
    with ExitStack() as stack:
        try:
            url = stack.enter_context(demo_instance(prefix="guichet-browser-"))
        except InstanceError as error:
            pytest.fail(str(error))
        yield url


@pytest.fixture(scope="session")
def chromium(demo_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="fr-BE", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()
