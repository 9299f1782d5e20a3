"""A translation group is read from the catalog once per transaction, and
read again as soon as one of its translations is added, linked or removed
(content/translations.translations_of)."""

from Acquisition import aq_base
from fixtures.forms import PRIVACY_INFORMATION
from fixtures.forms import RICH_FORM
from fixtures.multilingual import spy_group_queries
from fixtures.multilingual import translated_procedure
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical
from imio.guichet.content.translations import translations_of
from plone import api
from plone.app.multilingual.interfaces import ITranslationManager

import pytest
import transaction


@pytest.fixture
def catalog_queries(portal, monkeypatch):
    """The translation groups' catalog queries made."""
    return spy_group_queries(monkeypatch)


def test_one_query_per_group_and_transaction(portal, catalog_queries):
    original, german = translated_procedure(portal)
    catalog_queries.clear()
    assert aq_base(IOnlineForm(german).context) is aq_base(original)
    assert catalog_queries  # read once...
    catalog_queries.clear()
    transaction.savepoint()
    for _ in range(5):
        assert aq_base(IOnlineForm(german).context) is aq_base(original)
        assert IOnlineForm(original).context is original
    assert catalog_queries == []  # ...not again in the same transaction


def test_a_translation_added_in_the_transaction_is_seen(portal, catalog_queries):
    original, german = translated_procedure(portal)
    with api.env.adopt_roles(["Manager"]):
        older = api.content.create(
            german.aq_parent,
            "imio.guichet.Procedure",
            id="aelter",
            title="Älter",
            form_schema=RICH_FORM,
            **PRIVACY_INFORMATION,
        )
    older.setLanguage("de")
    older.reindexObject()
    # Made after the French original: its own canonical procedure, read.
    assert canonical(older) is older
    assert set(translations_of(original)) == {"fr", "de"}
    # The German translation leaves the group, the other joins it: the
    # group read before is not used any more.
    manager = ITranslationManager(original)
    manager.remove_translation("de")
    assert set(translations_of(original)) == {"fr"}
    assert canonical(german) is german
    manager.register_translation("de", older)
    assert aq_base(translations_of(original)["de"]) is aq_base(older)
    assert aq_base(canonical(older)) is aq_base(original)


def test_a_deleted_translation_leaves_the_group(portal, catalog_queries):
    original, german = translated_procedure(portal)
    assert set(translations_of(original)) == {"fr", "de"}
    with api.env.adopt_roles(["Manager"]):
        api.content.delete(german, check_linkintegrity=False)
    assert set(translations_of(original)) == {"fr"}
