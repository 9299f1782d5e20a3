"""Fixtures of the real-browser tests (tests/browser): Playwright for
Python driving Debian's Chromium against a running instance with the demo
site of ``make start``.

The instance is built once per test session in a temporary folder
(``make demo`` with ``INSTANCE`` and ``PORT`` set, FileStorage and blobs),
served by ``runwsgi`` as its own process, and removed afterwards. axe-core
comes from npm (package.json, installed by ``make test``).

Without Chromium (``apt-get install chromium``) or axe-core the tests are
skipped, except on CI, where ``.ci/run`` installs both and a skip would hide
a broken set-up: there they fail.
"""

from pathlib import Path

import os
import pytest
import requests
import shutil
import socket
import subprocess
import tempfile
import time


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
    folder = tempfile.mkdtemp(prefix="guichet-browser-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(ROOT),
            f"INSTANCE={folder}",
            f"PORT={port}",
            "HOST=127.0.0.1",
            "demo",
        ],
        check=True,
        capture_output=True,
    )
    log = open(Path(folder) / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "runwsgi"), f"{folder}/etc/zope.ini"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/Plone"
    try:
        for _ in range(240):
            try:
                if requests.get(url, timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"the demo instance did not start: see {folder}/server.log")
        yield url
    finally:
        server.terminate()
        server.wait(30)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


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
