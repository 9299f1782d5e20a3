"""Within ``groups_unchanged`` (a filing), a procedure's canonical one and
its translations are read once, even after the transaction has written;
outside it, a transaction that wrote reads them each time
(content/translations)."""

from Acquisition import aq_base
from fixtures.multilingual import translated_procedure
from imio.guichet.content import translations
from imio.guichet.content.translations import canonical
from imio.guichet.content.translations import groups_unchanged
from imio.guichet.content.translations import translations_of
from plone.app.multilingual.interfaces import ITranslationManager

import pytest


@pytest.fixture
def managers_made(monkeypatch) -> list:
    """The translation managers the module makes from now on (a spy: each
    is plone.app.multilingual's own)."""
    made = []
    real = translations.ITranslationManager

    def counted(obj, *args):
        made.append(obj)
        return real(obj, *args)

    monkeypatch.setattr(translations, "ITranslationManager", counted)
    return made


def written(obj) -> None:
    """Make the transaction one that wrote (as a filing has, once its
    submission is stored)."""
    obj.description = (obj.description or "") + "."
    assert not obj._p_jar._needs_to_join


def test_read_once_after_a_write_within_the_block(portal, managers_made):
    original, german = translated_procedure(portal)
    written(original)
    with groups_unchanged():
        assert aq_base(canonical(german)) is aq_base(original)
        assert set(translations_of(german)) == {"fr", "de"}
        first = len(managers_made)
        for _ in range(5):
            assert aq_base(canonical(german)) is aq_base(original)
            assert set(translations_of(german)) == {"fr", "de"}
    assert first and len(managers_made) == first


def test_read_each_time_after_a_write_outside_the_block(portal, managers_made):
    original, german = translated_procedure(portal)
    written(original)
    assert aq_base(canonical(german)) is aq_base(original)
    first = len(managers_made)
    assert aq_base(canonical(german)) is aq_base(original)
    assert len(managers_made) > first  # asked again


def test_what_was_read_is_forgotten_with_the_block(portal):
    original, german = translated_procedure(portal)
    with groups_unchanged():
        assert aq_base(canonical(german)) is aq_base(original)
    ITranslationManager(original).remove_translation("de")
    assert canonical(german) is german
    assert set(translations_of(original)) == {"fr"}


def test_blocks_nest_without_forgetting_early(portal, managers_made):
    original, german = translated_procedure(portal)
    written(original)
    with groups_unchanged():
        canonical(german)
        first = len(managers_made)
        with groups_unchanged():
            canonical(german)
        canonical(german)
    assert first and len(managers_made) == first
