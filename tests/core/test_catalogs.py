"""The translation catalogs: complete in every language, in step with the
.pot, and the .pot in step with the code (issue #17).

When one fails after a change, follow "Update the catalogs" in
src/imio/guichet/locales/README.md.
"""

from fixtures.catalogs import catalog_path
from fixtures.catalogs import default_text
from fixtures.catalogs import LANGUAGES
from fixtures.catalogs import POT
from fixtures.catalogs import problems
from fixtures.catalogs import read_catalog
from fixtures.catalogs import source_msgids

import pytest


@pytest.fixture(scope="module")
def template():
    return {message.id: message for message in read_catalog(POT) if message.id}


class TestTemplate:
    def test_every_message_of_the_code_is_in_the_pot(self, template):
        missing = {
            msgid: path
            for msgid, path in source_msgids().items()
            if msgid not in template
        }
        assert not missing, "rebuild the .pot (locales/README.md)"

    def test_the_pot_has_no_message_the_code_dropped(self, template):
        used = source_msgids()
        assert sorted(set(template) - set(used)) == []

    def test_every_kind_of_source_is_read(self):
        used = source_msgids()
        assert used["button_send"].endswith("browser/submit.py")
        assert used["title_history"].endswith(".pt")
        assert used["Online form"].endswith("content/configure.zcml")
        assert used["My requests"].endswith("profiles/default/actions.xml")

    def test_english_defaults_are_english(self, template):
        # A default is the English text shown when a catalog lacks the
        # message; a French one ("Modifier") leaked into English pages.
        french = {
            msgid: default_text(message)
            for msgid, message in template.items()
            if any(mark in default_text(message) for mark in "éèàçêôû")
        }
        assert french == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_complete_and_in_step(language, template):
    """No message missing, obsolete, empty or fuzzy; the same ${variables}
    and markup as the English default."""
    catalog = read_catalog(catalog_path(language))
    messages = {message.id: message for message in catalog if message.id}
    assert problems(messages, template) == {}
    assert list(catalog.obsolete) == [], "obsolete (#~) entries: run sync"
    assert str(catalog.locale) == language


def test_problems_are_found(tmp_path, template):
    """The check above, on a Dutch catalog broken on purpose."""
    source = catalog_path("nl").read_text(encoding="utf-8")
    broken = (
        source.replace(
            'msgid "label_step_of"\nmsgstr "Stap ${number} van ${total}: ${label}"',
            'msgid "label_step_of"\nmsgstr "Stap ${nummer} van ${total}"',
        )
        .replace('msgid "value_no"\nmsgstr "Nee"', 'msgid "value_no"\nmsgstr ""')
        .replace('msgid "value_yes"\n', '#, fuzzy\nmsgid "value_yes"\n')
        .replace('msgid "title_history"\n', 'msgid "title_past"\n')
    )
    path = tmp_path / "imio.guichet.po"
    path.write_text(broken, encoding="utf-8")
    messages = {m.id: m for m in read_catalog(path) if m.id}
    assert problems(messages, template) == {
        "missing": ["title_history"],
        "obsolete": ["title_past"],
        "empty": ["value_no"],
        "fuzzy": ["value_yes"],
        "variables or markup": ["label_step_of"],
    }


#: What docs/glossary.md's typography rules leave out of every
#: translation: typographic quotes (plain `"` instead), and in German the
#: words the glossary replaces.
TYPOGRAPHIC_QUOTES = ("«", "»", "„", "“", "”")
NOT_IN_TRANSLATIONS = dict.fromkeys(LANGUAGES, TYPOGRAPHIC_QUOTES) | {
    "de": (*TYPOGRAPHIC_QUOTES, "Bürgerinnen", "Mitarbeitende")
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_follow_the_glossary_typography(language):
    catalog = read_catalog(catalog_path(language))
    found = {
        message.id: mark
        for message in catalog
        if message.id
        for mark in NOT_IN_TRANSLATIONS[language]
        if mark in str(message.string)
    }
    assert found == {}, "see docs/glossary.md, Typography"
