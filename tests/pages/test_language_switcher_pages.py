"""The guichet's pages on the site root have a language switcher on a site
in French and German (plone.app.multilingual shows its own on translatable
content only): each language leads to the same page, with its query, in
that language. Never two switchers on one page; none on a one-language
site (issue #17)."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from fixtures.multilingual import translated_procedure
from html import unescape
from imio.guichet.drafts.api import save_draft
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.tracking import tracking_secret
from lxml import html as lxml_html
from plone import api
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import re
import requests
import transaction


SWITCHER = 'id="portal-languageselector"'
NAV = re.compile(r'<nav class="imio-guichet-language-switcher".*?</nav>', re.S)
LINK = re.compile(r"<a\s[^>]*>[^<]*</a>", re.S)


def attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return unescape(found[1]) if found else None


def switcher_links(page: str) -> dict[str, dict]:
    """The switcher's links by language: href, hreflang, aria-current, text."""
    [nav] = NAV.findall(page)
    links = {}
    for tag in LINK.findall(nav):
        links[attribute(tag, "lang")] = {
            "href": attribute(tag, "href"),
            "hreflang": attribute(tag, "hreflang"),
            "current": attribute(tag, "aria-current"),
            "name": unescape(re.sub(r"<[^>]+>", "", tag)).strip(),
        }
    return links


def session(who: str | None) -> requests.Session:
    browser = requests.Session()
    if who:
        browser.auth = (who, PASSWORD)
    return browser


@pytest.fixture
def two_languages(site):
    """The site in French and German (p.a.m, a translated procedure), a
    request filed in French on procedure x by citizen_a, one filed
    anonymously, an anonymous draft: what the root pages show."""
    translated_procedure(site, allow_anonymous=True)
    procedure = site.demarches.x
    with api.env.adopt_roles(["Manager"]):
        own = submit(procedure, VALID_DATA, submitter="citizen_a", language="fr")
        tracked = submit(procedure, VALID_DATA, submitter=None, language="fr")
        secret = tracking_secret(get_store(), tracked)
        draft, draft_secret = save_draft(procedure, {"name": "Jeanne"}, owner=None)
    transaction.commit()
    return {
        "own": own,
        "tracked": (tracked.reference, secret),
        "draft": (draft.id, draft_secret),
    }


def root_pages(filed) -> list[tuple[str | None, str, dict, str, str]]:
    """(who, view, query, French text, German text) of the root pages."""
    reference, secret = filed["tracked"]
    draft_id, draft_secret = filed["draft"]
    return [
        ("citizen_a", "@@my-requests", {}, "Mes démarches", "Meine Anträge"),
        (
            "citizen_a",
            "@@my-requests",
            {"reference": filed["own"].reference},
            "Votre demande",
            "Ihr Antrag",
        ),
        (
            None,
            "@@track-request",
            {"reference": reference, "secret": secret},
            "Votre demande",
            "Ihr Antrag",
        ),
        (
            None,
            "@@draft-saved",
            {"id": draft_id, "secret": draft_secret},
            "Votre brouillon",
            "Ihr Entwurf",
        ),
        ("backoffice_x", "@@guichet-requests", {}, "Demandes", "Anträge"),
        (
            "backoffice_x",
            "@@guichet-request",
            {"id": filed["own"].id},
            "Demande",
            "Antrag",
        ),
        ("backoffice_x", "@@guichet-dashboard", {}, "Tableau de bord", "Übersicht"),
        ("siteadmin", "@@guichet-audit-log", {}, "Journal d'audit", "Audit-Protokoll"),
        (
            "siteadmin",
            "@@guichet-person",
            {},
            "Les demandes d'une personne",
            "Die Anträge einer Person",
        ),
    ]


def heading(page: str) -> str:
    """The page's title (its first heading in the content)."""
    content = page.split('id="content"', 1)[1]
    title = re.search(r"<h1[^>]*>(.*?)</h1>", content, re.S)[1]
    return unescape(re.sub(r"<[^>]+>", "", title)).strip()


def test_each_root_page_switches_to_the_same_page_in_german(site, two_languages):
    for who, view, query, french, german in root_pages(two_languages):
        browser = session(who)
        shown = browser.get(f"{site.absolute_url()}/{view}", params=query, timeout=30)
        assert shown.status_code == 200, (view, shown.status_code)
        assert shown.text.count(SWITCHER) == 1, view
        assert heading(shown.text).startswith(french), view
        links = switcher_links(shown.text)
        assert list(links) == ["fr", "de"], view
        assert links["fr"]["name"] == "Français"
        assert links["de"]["name"] == "Deutsch"
        assert links["fr"]["current"] == "true"
        assert links["de"]["current"] is None
        assert links["de"]["hreflang"] == "de"
        # The same page, with the query that names what it shows.
        to_german = urlsplit(links["de"]["href"])
        assert to_german.path == urlsplit(f"{site.absolute_url()}/{view}").path
        assert parse_qs(to_german.query) == {
            **{name: [value] for name, value in query.items()},
            "set_language": ["de"],
        }, view

        german_page = browser.get(links["de"]["href"], timeout=30)
        assert german_page.status_code == 200, view
        assert heading(german_page.text).startswith(german), view
        assert re.search(r'<html[^>]* lang="de"', german_page.text), view
        in_german = switcher_links(german_page.text)
        assert in_german["de"]["current"] == "true", view
        assert in_german["fr"]["current"] is None, view


def test_the_choice_is_kept_for_the_next_pages(site, two_languages):
    """Plone's negotiator keeps the language chosen (its cookie)."""
    browser = session("citizen_a")
    url = f"{site.absolute_url()}/@@my-requests"
    browser.get(url, params={"set_language": "de"}, timeout=30)
    again = browser.get(url, timeout=30)
    assert heading(again.text) == "Meine Anträge"
    assert switcher_links(again.text)["de"]["current"] == "true"


def test_the_switchers_label_is_in_the_pages_language(site, two_languages):
    url = f"{site.absolute_url()}/@@my-requests"
    french = session("citizen_a").get(url, timeout=30).text
    german = session("citizen_a").get(url, params={"set_language": "de"}).text
    assert 'aria-label="Langue"' in NAV.findall(french)[0]
    assert 'aria-label="Sprache"' in NAV.findall(german)[0]


def test_a_request_filed_in_german_is_read_in_french_when_chosen(site, two_languages):
    """The tracking page follows the request's language, unless its reader
    chose another with the switcher."""
    with api.env.adopt_roles(["Manager"]):
        filed = submit(site.demarches.x, VALID_DATA, submitter=None, language="de")
        secret = tracking_secret(get_store(), filed)
    transaction.commit()
    browser = session(None)
    page = browser.get(
        f"{site.absolute_url()}/@@track-request",
        params={"reference": filed.reference, "secret": secret},
        timeout=30,
    )
    assert heading(page.text) == "Ihr Antrag"
    links = switcher_links(page.text)
    assert links["de"]["current"] == "true"
    french = browser.get(links["fr"]["href"], timeout=30)
    assert heading(french.text) == "Votre demande"
    # The page's own forms keep the reader's choice: a message sent, the
    # page it comes back to is still in French.
    [form] = [
        form
        for form in lxml_html.fromstring(french.text).forms
        if form.xpath(".//button[@name='write']")
    ]
    fields = dict(form.form_values())
    assert fields["set_language"] == "fr"
    sent = browser.post(
        form.action,
        data={**fields, "message": "Une question", "write": "1"},
        timeout=30,
    )
    assert sent.status_code == 200, sent.text
    assert heading(sent.text) == "Votre demande"
    assert "Une question" in sent.text


def test_after_a_refused_withdrawal_the_switcher_keeps_the_request(site, two_languages):
    """A withdrawal sent without its confirmation is refused and the page
    shown again: the reference and secret were in the form (POST), not in
    the URL; the switcher still leads to this request's page."""
    reference, secret = two_languages["tracked"]
    browser = session(None)
    page = browser.get(
        f"{site.absolute_url()}/@@track-request",
        params={"reference": reference, "secret": secret},
        timeout=30,
    )
    [form] = [
        form
        for form in lxml_html.fromstring(page.text).forms
        if form.xpath(".//button[@name='withdraw']")
    ]
    assert "?" not in form.action  # what identifies the page is in the body
    refused = browser.post(
        form.action,
        data={**dict(form.form_values()), "withdraw": "1"},  # not confirmed
        timeout=30,
    )
    assert refused.status_code == 400
    assert heading(refused.text) == "Votre demande"
    to_german = switcher_links(refused.text)["de"]["href"]
    assert parse_qs(urlsplit(to_german).query) == {
        "reference": [reference],
        "secret": [secret],
        "set_language": ["de"],
    }
    german = browser.get(to_german, timeout=30)
    assert german.status_code == 200
    assert heading(german.text) == "Ihr Antrag"
    assert reference in german.text


def test_a_translated_procedure_keeps_the_multilingual_switcher(site, two_languages):
    """On translatable content the switcher is plone.app.multilingual's (to
    the translation): never a second one."""
    german = site.de.objectValues()[0] if "de" in site.objectIds() else None
    assert german is not None
    for url in (
        site.fr.extrait.absolute_url(),
        f"{site.fr.extrait.absolute_url()}/@@submit",
        german.absolute_url(),
    ):
        page = session(None).get(url, timeout=30)
        assert page.status_code == 200, url
        assert page.text.count(SWITCHER) == 1, url
        assert "imio-guichet-language-switcher" not in page.text, url
        assert "@@multilingual-selector" in page.text, url


def test_no_switcher_on_a_site_in_one_language(site):
    api.portal.set_registry_record("plone.available_languages", ["fr"])
    api.portal.set_registry_record("plone.use_cookie_negotiation", True)
    transaction.commit()
    for who, view in (
        ("citizen_a", "@@my-requests"),
        ("backoffice_x", "@@guichet-requests"),
        (None, "demarches/x"),
    ):
        page = session(who).get(f"{site.absolute_url()}/{view}", timeout=30)
        assert page.status_code == 200, view
        assert SWITCHER not in page.text, view
        assert "set_language" not in page.text, view
        assert (
            "Set-Cookie" not in page.headers
            or "I18N_LANGUAGE" not in (page.headers["Set-Cookie"])
        )


def test_without_multilingual_plones_own_selector_is_the_only_one(site):
    """A site in two languages without plone.app.multilingual: Plone's own
    selector is on every page (cookie negotiation), ours never besides."""
    api.portal.set_registry_record("plone.available_languages", ["fr", "de"])
    api.portal.set_registry_record("plone.use_cookie_negotiation", True)
    transaction.commit()
    for who, view in (
        ("citizen_a", "@@my-requests"),
        ("backoffice_x", "@@guichet-requests"),
        (None, "demarches/x"),
    ):
        page = session(who).get(f"{site.absolute_url()}/{view}", timeout=30)
        assert page.status_code == 200, view
        assert page.text.count(SWITCHER) == 1, view
        assert "imio-guichet-language-switcher" not in page.text, view


def test_one_language_no_catalog_query(portal, http_request, monkeypatch):
    """On a one-language site the viewlet reads the registry and nothing
    else: no catalog query, no cookie."""
    from imio.guichet.browser.language_switcher import LanguageSwitcherViewlet
    from Products.CMFPlone.CatalogTool import CatalogTool

    request = http_request
    api.portal.set_registry_record("plone.available_languages", ["fr"])
    queries = []
    search = CatalogTool.searchResults

    def counted(self, *args, **kwargs):
        queries.append(kwargs)
        return search(self, *args, **kwargs)

    monkeypatch.setattr(CatalogTool, "searchResults", counted)
    monkeypatch.setattr(CatalogTool, "__call__", counted)
    viewlet = LanguageSwitcherViewlet(portal, request, None, None)
    viewlet.update()
    assert viewlet.render() == ""
    assert queries == []
    assert "I18N_LANGUAGE" not in request.response.cookies
