"""The demo site as a visitor first sees it (issue #17): its root leads to
the visitor's language root folder, whose menu reaches the procedures, in
French and in German, and a German page's menu is all German. On the live
instance built by ``make demo``."""

from imio.guichet.demo import GERMAN
from imio.guichet.demo import GERMAN_PROCEDURES_PATH
from imio.guichet.demo import PAGES
from imio.guichet.demo import PROCEDURES_PATH

import lxml.html
import pytest
import requests


def menu(url: str, language: str | None = None) -> tuple[str, dict[str, str]]:
    """Where ``url`` leads an anonymous visitor (who chose ``language`` with
    the switcher, kept in Plone's cookie), and the page's main menu: each
    entry's title and link."""
    cookies = {"I18N_LANGUAGE": language} if language else {}
    answer = requests.get(url, cookies=cookies, timeout=60)
    assert answer.status_code == 200, answer.url
    page = lxml.html.fromstring(answer.text)
    entries = {
        " ".join(link.text_content().split()): link.get("href").rstrip("/")
        for link in page.cssselect("#portal-globalnav a")
    }
    return answer.url.rstrip("/"), entries


@pytest.mark.parametrize(
    ("language", "folder", "title"),
    [
        (None, PROCEDURES_PATH, "Démarches en ligne"),  # the site's language
        ("fr", PROCEDURES_PATH, "Démarches en ligne"),
        ("de", GERMAN_PROCEDURES_PATH, GERMAN["folder_title"]),
    ],
)
def test_the_root_leads_to_a_menu_of_the_procedures(
    live_instance, language, folder, title
):
    site = live_instance.url
    landed, entries = menu(site, language)
    root = folder.split("/")[0]
    assert landed == f"{site}/{root}"
    assert entries[title] == f"{site}/{folder}"
    # The folder the menu leads to lists the procedures.
    listing = requests.get(entries[title], timeout=60)
    assert listing.status_code == 200
    procedure = GERMAN["title"] if language == "de" else "Déclaration de perte"
    assert procedure in listing.text


def test_a_german_page_has_a_german_menu(live_instance):
    site = live_instance.url
    german = f"{site}/{GERMAN_PROCEDURES_PATH}/{GERMAN['procedure']}"
    _, entries = menu(german, "de")
    assert entries[GERMAN["folder_title"]] == f"{site}/{GERMAN_PROCEDURES_PATH}"
    french = {"Démarches en ligne", *(page["title"] for page in PAGES)}
    assert not french & set(entries), entries
    assert not [link for link in entries.values() if f"{site}/fr" in link], entries


def test_the_switcher_leads_to_the_german_folder_and_is_remembered(live_instance):
    site = live_instance.url
    visitor = requests.Session()
    for start, german in (
        (f"{site}/fr", f"{site}/de"),  # a language folder: to the other
        (f"{site}/fr/contact", f"{site}/de"),  # a page not translated
        (f"{site}/{PROCEDURES_PATH}", f"{site}/{GERMAN_PROCEDURES_PATH}"),
    ):
        page = lxml.html.fromstring(visitor.get(start, timeout=60).text)
        (switcher,) = page.cssselect("#portal-languageselector .language-de a")
        switched = visitor.get(switcher.get("href"), timeout=60)
        assert switched.status_code == 200
        # (with Plone's ?set_language=de, which keeps the choice)
        assert switched.url.split("?")[0].rstrip("/") == german, start
    # The choice is kept: the site's root leads to the German folder now.
    assert visitor.get(site, timeout=60).url.rstrip("/") == f"{site}/de"
