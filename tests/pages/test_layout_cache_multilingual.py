"""On a multilingual site, plone.app.multilingual's language selector
links to the same page with its query: the page around a confirmation
shows its reference and tracking secret. It is kept all the same, with
placeholders where they were (browser/layout.py), and every citizen gets
their own values there, never another's; a value that is not plain is
never put in a page kept."""

from fixtures.multilingual import translated_procedure
from fixtures.pages import fill_valid
from imio.guichet.browser import layout
from imio.guichet.browser.layout import LAYOUTS
from plone.testing.zope import Browser

import pytest
import re
import transaction


@pytest.fixture
def procedure(site):
    original, _german = translated_procedure(site, allow_anonymous=True)
    transaction.commit()
    LAYOUTS.clear()
    yield original
    LAYOUTS.clear()


def file_one(site, procedure, name: str) -> tuple[str, str]:
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.open(procedure.absolute_url() + "/@@submit")
    fill_valid(browser)
    browser.getControl("Nom").value = name
    browser.getControl(name="form.buttons.send").click()
    assert "@@confirmation" in browser.url
    return browser.url, browser.contents


def selector_links(page: str) -> list[str]:
    return re.findall(r'href="([^"]*@@multilingual-selector[^"]*)"', page)


def secret_of(url: str) -> str:
    return re.search(r"secret=([^&]+)", url).group(1)


def reference_of(url: str) -> str:
    return re.search(r"reference=([^&]+)", url).group(1)


def confirmations_kept() -> list:
    return [key for key in LAYOUTS._entries if key[1] == "confirmation"]


def test_kept_and_each_citizen_gets_their_own_values(site, procedure):
    first_url, first = file_one(site, procedure, "Jeanne Premier")
    kept_after_first = len(LAYOUTS)
    second_url, second = file_one(site, procedure, "Jean Second")
    assert len(LAYOUTS) == kept_after_first  # the confirmation's page was kept
    confirmation = [k for k in LAYOUTS._entries if k[1] == "confirmation"]
    assert confirmation  # (it was not, before)
    assert "\x00" not in first + second
    for url, page, other_url in (
        (first_url, first, second_url),
        (second_url, second, first_url),
    ):
        links = selector_links(page)
        assert links and all(secret_of(url) in link for link in links)
        assert secret_of(other_url) not in page
    for _stored, (pieces, _headers) in LAYOUTS._entries.values():
        for secret in (secret_of(first_url), secret_of(second_url)):
            assert all(secret not in piece for piece in pieces)


def test_same_page_as_without_the_cache(site, procedure, monkeypatch):
    url, _page = file_one(site, procedure, "Jeanne Dupont")
    browser = Browser(site.aq_parent)
    browser.open(url)  # from the page kept
    cached = browser.contents
    monkeypatch.setattr(layout, "SECONDS", 0)
    browser.open(url)
    assert browser.contents == cached


def test_a_value_that_is_not_plain_is_never_put_in_a_page_kept(site, procedure):
    url, _page = file_one(site, procedure, "Jeanne Dupont")  # its page kept
    browser = Browser(site.aq_parent)
    browser.open(url.replace("secret=", "secret=x%22%3E%3Cb%3Eowned"))
    assert "<b>owned" not in browser.contents
    assert "owned" in browser.contents  # the selector's links, URL-quoted


def test_values_a_visitor_chose_never_shape_the_page_kept(site, procedure, monkeypatch):
    """Words of the page itself given as reference and secret (not issued
    by the site) must not become placeholders of the page that the next
    citizens get."""
    browser = Browser(site.aq_parent)
    browser.open(
        procedure.absolute_url()
        + "/@@confirmation?secret=stylesheet&reference=viewport"
    )
    assert not confirmations_kept()
    url, page = file_one(site, procedure, "Jeanne Dupont")
    assert "\x00" not in page
    browser.open(url)  # from the page kept
    cached = browser.contents
    monkeypatch.setattr(layout, "SECONDS", 0)
    browser.open(url)
    assert browser.contents == cached
    assert "stylesheet" in cached  # the page's own words are where they were


def test_a_request_without_the_secret_gets_no_page_kept_with_it(site, procedure):
    url, _page = file_one(site, procedure, "Jeanne Dupont")
    assert confirmations_kept()
    browser = Browser(site.aq_parent)
    browser.open(url.split("secret=")[0] + "reference=" + reference_of(url))
    assert "\x00" not in browser.contents
    assert secret_of(url) not in browser.contents
