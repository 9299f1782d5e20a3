"""Plone's page around the form and the confirmation, kept for anonymous
visitors (browser/layout.py): the same pages as without it, never someone
else's."""

from datetime import date
from fixtures.accounts import PASSWORD
from fixtures.pages import fill_valid
from imio.guichet.browser import layout
from imio.guichet.browser import submit
from imio.guichet.browser.layout import cut
from imio.guichet.browser.layout import join
from imio.guichet.browser.layout import LayoutCache
from imio.guichet.browser.layout import LAYOUTS
from imio.guichet.browser.layout import shows_request_values
from imio.guichet.submissions.api import get_store
from plone import api
from plone.testing.zope import Browser

import pytest
import re
import transaction


#: What differs from one showing of the form to the next: its token, and
#: plone.protect's (a key of its ring, picked at random each time).
TOKENS = re.compile(
    r'name="guichet.token" type="hidden" value="[^"]+"'
    r'|name="_authenticator" value="[^"]+"'
)


@pytest.fixture
def browser(site):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    return browser


def form_url(site) -> str:
    return site.demarches.x.absolute_url() + "/@@submit"


def without_token(page: str) -> str:
    return TOKENS.sub("", page)


def page_headers(browser) -> dict:
    return {
        name: value
        for name, value in browser.headers.items()
        if name.lower() not in ("date", "content-length")
    }


def file_one(browser, site, name: str) -> tuple[str, str]:
    """(confirmation page's URL, its page) of one anonymous filing."""
    browser.open(form_url(site))
    fill_valid(browser)
    browser.getControl("Nom").value = name
    browser.getControl(name="form.buttons.send").click()
    assert "@@confirmation" in browser.url
    return browser.url, browser.contents


class TestFormPage:
    def test_same_page_as_without_the_cache(self, site, browser, monkeypatch):
        monkeypatch.setattr(layout, "SECONDS", 0)
        browser.open(form_url(site))
        rendered = without_token(browser.contents)
        headers = page_headers(browser)
        assert len(LAYOUTS) == 0
        monkeypatch.setattr(layout, "SECONDS", 60)
        browser.open(form_url(site))  # renders it, keeps it
        assert len(LAYOUTS) == 2
        assert without_token(browser.contents) == rendered
        browser.open(form_url(site))  # the blank form kept
        assert without_token(browser.contents) == rendered
        assert page_headers(browser) == headers  # X-Frame-Options too
        browser.open(form_url(site) + "?draft=")  # the page kept around it
        assert without_token(browser.contents) == rendered
        assert page_headers(browser) == headers
        assert browser.headers["Content-Type"].startswith("text/html")

    def test_every_form_gets_its_own_token(self, site, browser):
        tokens = set()
        for _ in range(3):
            browser.open(form_url(site))
            tokens.add(browser.getControl(name="guichet.token").value)
        assert len(tokens) == 3
        assert len(LAYOUTS) == 2  # the page around the form, the blank form
        for page in kept():
            assert not any(token in page for token in tokens)

    def test_the_blank_form_kept_files(self, site, browser):
        browser.open(form_url(site))
        before = len(get_store())
        browser.open(form_url(site))  # the blank form kept
        fill_valid(browser)
        browser.getControl(name="form.buttons.send").click()  # its CSRF token
        assert "@@confirmation" in browser.url
        transaction.begin()
        assert len(get_store()) == before + 1

    def test_the_blank_form_is_kept_for_a_day(self, site, browser, monkeypatch):
        browser.open(form_url(site))
        monkeypatch.setattr(submit, "today", lambda: date(2031, 1, 2))
        browser.open(form_url(site))
        assert len(LAYOUTS) == 3  # a date field's bounds count from today

    def test_a_form_with_parameters_is_not_kept(self, site, browser):
        browser.open(form_url(site) + "?guichet.step=0")
        assert len(LAYOUTS) == 1  # the page around it only

    def test_errors_still_shown_next_to_fields(self, site, browser):
        browser.open(form_url(site))
        browser.open(form_url(site))  # from the page kept
        fill_valid(browser)
        browser.getControl("E-mail").value = "not-an-email"
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" not in browser.url
        assert len(LAYOUTS) == 2
        field = browser.contents.split('id="formfield-form-widgets-email"')[1]
        field = field.split('id="formfield-form-widgets-')[0]
        assert 'aria-invalid="true"' in field
        assert 'data-error-field="email"' in field
        assert 'id="guichet-error-summary"' in browser.contents

    def test_not_kept_for_a_logged_in_citizen(self, site, browser):
        browser.addHeader("Authorization", f"Basic citizen_a:{PASSWORD}")
        browser.open(form_url(site))
        browser.open(form_url(site))
        assert len(LAYOUTS) == 0
        assert "citizen_a" in browser.contents  # their own menu

    def test_a_waiting_message_is_shown(self, site, browser):
        browser.open(form_url(site))  # the page kept
        browser.open(form_url(site) + "?draft=no-such-draft")
        assert "find this draft" in browser.contents
        browser.open(form_url(site))
        assert "find this draft" not in browser.contents  # shown once

    def test_other_parameters_render_the_whole_page(self, site, browser):
        # Plone's page may read any parameter (ajax_load, a theme's own):
        # a request with one is rendered for itself.
        browser.open(form_url(site) + "?ajax_load=1")
        assert len(LAYOUTS) == 0
        assert browser.getControl(name="guichet.token")

    def test_a_content_change_shows_at_once(self, site, browser):
        browser.open(form_url(site))
        assert "<title>Extrait" in browser.contents
        with api.env.adopt_roles(["Manager"]):
            api.content.create(
                site.demarches, "Document", id="news", title="Une nouvelle page"
            )
            api.content.transition(site.demarches.news, "publish")
            site.demarches.x.title = "Extrait d'acte"
            site.demarches.x.reindexObject()
        transaction.commit()
        browser.open(form_url(site))
        assert "<title>Extrait d&#x27;acte" in browser.contents or (
            "<title>Extrait d'acte" in browser.contents
        )

    def test_a_new_form_version_shows_at_once(self, site, browser):
        browser.open(form_url(site))
        assert "form.widgets.comment" in browser.contents
        site.demarches.x.form_schema = NEW_VERSION
        transaction.commit()
        browser.open(form_url(site))
        assert "form.widgets.comment" not in browser.contents
        assert "form.widgets.pet" in browser.contents
        wrapper = re.search(
            r'<div[^>]*id="formfield-form-widgets-pet_name"[^>]*>', browser.contents
        )
        assert "data-guichet-show-if" in wrapper.group(0)

    def test_off(self, site, browser, monkeypatch):
        monkeypatch.setattr(layout, "SECONDS", 0)
        browser.open(form_url(site))
        browser.open(form_url(site))
        assert len(LAYOUTS) == 0


NEW_VERSION = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:guichet="http://namespaces.imio.be/guichet">
  <schema>
    <field name="pet" type="zope.schema.Choice">
      <title>Animal</title>
      <values><element>cat</element><element>dog</element></values>
    </field>
    <field name="pet_name" type="zope.schema.TextLine" guichet:show-if="pet=dog">
      <title>Nom du chien</title>
    </field>
  </schema>
</model>
"""


def kept() -> list[str]:
    """Every page kept, as text."""
    return [repr(entry[1]) for entry in LAYOUTS._entries.values()]


class TestConfirmationPage:
    def test_each_citizen_sees_their_own_request_only(self, site, browser):
        first_url, first = file_one(browser, site, "Jeanne Premier")
        second_url, second = file_one(browser, site, "Jean Second")
        assert len(LAYOUTS) == 3  # around the form, the blank form, the confirmation
        first_reference = first_url.split("reference=")[1]
        first_secret = first_url.split("secret=")[1].split("&")[0]
        second_reference = second_url.split("reference=")[1]
        assert first_reference in first and "Jeanne Premier" in first
        assert second_reference in second and "Jean Second" in second
        for private in (first_reference, first_secret, "Jeanne Premier"):
            assert private not in second
        # The page kept around the confirmation holds nobody's request.
        for page in kept():
            for private in (first_reference, first_secret, second_reference):
                assert private not in page

    def test_same_page_as_without_the_cache(self, site, browser, monkeypatch):
        url, kept = file_one(browser, site, "Jeanne Dupont")
        browser.open(url)  # from the page kept
        cached = browser.contents
        monkeypatch.setattr(layout, "SECONDS", 0)
        browser.open(url)
        assert browser.contents == cached

    def test_unknown_reference_not_shown(self, site, browser):
        file_one(browser, site, "Jeanne Dupont")
        browser.open(
            site.demarches.x.absolute_url() + "/@@confirmation?reference=AAAA-BBBB"
        )
        assert "AAAA-BBBB" not in browser.contents


class TestPieces:
    def test_cut_and_join(self):
        page = "<head/>" + "".join(
            f"<i>{layout._MARKERS[part]}</i>" for part in layout.PARTS
        )
        pieces = cut(page)
        assert pieces == ("<head/><i>", "</i><i>", "</i><i>", "</i>")
        parts = {"title": "T", "description": "D", "core": "C"}
        assert join(pieces, parts) == "<head/><i>T</i><i>D</i><i>C</i>"

    def test_cut_needs_each_marker_once(self):
        title, description, core = (layout._MARKERS[p] for p in layout.PARTS)
        assert cut(f"{title}{description}") is None
        assert cut(f"{title}{description}{core}{core}") is None
        assert cut(f"{description}{title}{core}") is None

    def test_a_page_showing_a_request_value_is_not_kept(self):
        request = FakeRequest(
            {"secret": "s3cr3t-Value_x", "reference": "AB12-CD34", "n": "1"}
        )
        assert shows_request_values(("<a href='?s=s3cr3t-Value_x'>",), request)
        assert shows_request_values(("see AB12-CD34",), request)
        assert not shows_request_values(("<p>1</p>", "nothing"), request)
        escaped = FakeRequest({"name": "Jeanne & <Co>"})
        assert shows_request_values(("Jeanne &amp; &lt;Co&gt;",), escaped)


class FakeRequest:
    def __init__(self, form):
        self.form = form

    def get(self, name, default=None):
        return default


class TestLayoutCache:
    def test_expires(self):
        now = [100.0]
        cache = LayoutCache(clock=lambda: now[0])
        cache.put("k", ("a", "b"))
        assert cache.get("k", 60) == ("a", "b")
        now[0] += 60
        assert cache.get("k", 60) is None
        assert len(cache) == 0

    def test_bounded_least_recently_used_out(self):
        cache = LayoutCache(max_entries=2)
        cache.put("a", ("1",))
        cache.put("b", ("2",))
        cache.get("a", 60)
        cache.put("c", ("3",))
        assert cache.get("b", 60) is None
        assert cache.get("a", 60) == ("1",)
        assert cache.get("c", 60) == ("3",)
