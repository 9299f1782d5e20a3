"""The demo site in French and German: one procedure translated, with the
German texts of its form; every step idempotent."""

from Acquisition import aq_base
from imio.guichet import demo
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical
from plone import api
from plone.app.multilingual.interfaces import ITranslationManager


def test_the_demo_translates_one_procedure_into_german(portal):
    with api.env.adopt_roles(["Manager"]):
        # Made before plone.app.multilingual, as on the demo site.
        demo.ensure_content(portal)
        for _twice in range(2):
            demo.ensure_languages(portal)
            demo.ensure_translation(portal)
    original = portal["demarches"]["extrait-acte-de-naissance"]
    german = ITranslationManager(original).get_translation("de")
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
