"""A translation group read in a committed state of the catalog is not
queried again by later requests while that state holds; any committed
change to the catalog, and any change in the reader's own transaction,
makes it read again (content/translations._group)."""

from Acquisition import aq_base
from fixtures.multilingual import spy_group_queries
from fixtures.multilingual import translated_procedure
from imio.guichet.content.translations import canonical
from imio.guichet.content.translations import translations_of
from plone import api
from plone.app.multilingual.interfaces import ITranslationManager

import pytest
import transaction


@pytest.fixture
def group_queries(functional_portal, monkeypatch):
    """The translation groups' catalog queries made."""
    return spy_group_queries(monkeypatch)


@pytest.fixture
def committed_group(functional_portal):
    original, german = translated_procedure(functional_portal)
    transaction.commit()
    return original, german


def next_request():
    """What a new request's transaction sees: the committed state."""
    transaction.abort()
    transaction.begin()


def test_later_requests_read_the_group_without_a_query(committed_group, group_queries):
    original, german = committed_group
    next_request()
    assert set(translations_of(german)) == {"fr", "de"}
    assert len(group_queries) == 1  # the first request after the commit
    for _ in range(3):
        next_request()
        group = translations_of(german)
        assert aq_base(group["fr"]) is aq_base(original)
        assert aq_base(group["de"]) is aq_base(german)
        assert aq_base(canonical(german)) is aq_base(original)
        # Objects reached from the root, as the catalog's brains give them.
        assert group["fr"].absolute_url() == original.absolute_url()
    assert len(group_queries) == 1


def test_a_committed_change_is_read_by_the_next_request(committed_group, group_queries):
    original, german = committed_group
    next_request()
    assert set(translations_of(original)) == {"fr", "de"}
    ITranslationManager(original).remove_translation("de")
    transaction.commit()
    next_request()
    assert set(translations_of(original)) == {"fr"}
    assert aq_base(canonical(german)) is aq_base(german)


def test_a_change_in_the_same_transaction_is_read(committed_group, group_queries):
    original, german = committed_group
    next_request()
    assert set(translations_of(original)) == {"fr", "de"}
    next_request()
    # Not committed: no other request may take it for the catalog's state.
    ITranslationManager(original).remove_translation("de")
    from imio.guichet.content.translations import forget_translations

    forget_translations()  # as the event of a real removal does
    assert set(translations_of(original)) == {"fr"}
    transaction.abort()
    next_request()
    assert set(translations_of(original)) == {"fr", "de"}


def test_a_deleted_translation_is_gone_for_the_next_request(
    committed_group, group_queries
):
    original, german = committed_group
    next_request()
    assert set(translations_of(original)) == {"fr", "de"}
    with api.env.adopt_roles(["Manager"]):
        api.content.delete(german, check_linkintegrity=False)
    transaction.commit()
    next_request()
    assert set(translations_of(original)) == {"fr"}


def test_canonical_is_worked_out_once_per_reading_transaction(
    committed_group, monkeypatch
):
    from imio.guichet.content import translations

    original, german = committed_group
    asked = []
    read = translations.translations_of

    def counted(obj):
        asked.append(obj)
        return read(obj)

    monkeypatch.setattr(translations, "translations_of", counted)
    next_request()
    for _ in range(5):
        assert aq_base(canonical(german)) is aq_base(original)
        assert canonical(original) is original
    assert len(asked) == 2  # once for each object
    # A transaction that writes may be indexing a translation: asked again.
    german.title = "Geburtsurkunde (neu)"
    asked.clear()
    for _ in range(2):
        assert aq_base(canonical(german)) is aq_base(original)
    assert len(asked) == 2
    transaction.abort()
