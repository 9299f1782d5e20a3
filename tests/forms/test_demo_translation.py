"""The demo site in French and German: its content in the language root
folders, one procedure translated, with the German texts of its form;
every step idempotent."""

from Acquisition import aq_base
from imio.guichet import demo
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical
from plone import api
from plone.app.multilingual.interfaces import ITranslationManager


def test_the_demo_translates_one_procedure_into_german(portal):
    with api.env.adopt_roles(["Manager"]):
        # In the order of `make start`, twice: nothing is made twice.
        for _twice in range(2):
            demo.ensure_languages(portal)
            demo.ensure_content(portal)
            demo.ensure_translation(portal)
    # As on a real multilingual site: nothing but the language root folders
    # at the site's root, the French content in /fr, its German in /de.
    assert set(portal.objectIds()) >= set(demo.LANGUAGES)
    assert {"demarches", "horaires", "contact"}.isdisjoint(portal.objectIds())
    assert set(portal["fr"].objectIds()) >= {"demarches", "horaires", "contact"}
    folder = portal.unrestrictedTraverse(demo.PROCEDURES_PATH)
    assert len(folder.objectIds()) == len(demo.PROCEDURES)
    original = folder["extrait-acte-de-naissance"]
    german = ITranslationManager(original).get_translation("de")
    german_folder = portal.unrestrictedTraverse(demo.GERMAN_PROCEDURES_PATH)
    assert aq_base(german_folder) is aq_base(
        ITranslationManager(folder).get_translation("de")
    )
    assert german_folder.title == demo.GERMAN["folder_title"]
    assert german_folder.objectIds() == ["extrait-acte-de-naissance"]
    assert aq_base(german) is aq_base(german_folder["extrait-acte-de-naissance"])
    assert german.Language() == "de"
    assert german.title.startswith("Antrag")
    assert api.content.get_state(german) == "published"
    assert aq_base(canonical(german)) is aq_base(original)
    assert set(ITranslationManager(original).get_translations()) == {"fr", "de"}
    schema = IOnlineForm(german).get_form_schema(language="de")
    assert schema["purpose"].title == "Grund des Antrags"
    assert schema["delivery"].vocabulary.getTerm("post").title == "Per Post"
    assert schema["last_name"].title == "Name der betroffenen Person"
    assert api.portal.get_registry_record("plone.available_languages") == ["fr", "de"]
