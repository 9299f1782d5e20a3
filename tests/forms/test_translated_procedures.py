"""A procedure translated with plone.app.multilingual is one procedure: its
translations share the canonical procedure's form, settings and
submissions; a filing records the language it was filed in."""

from Acquisition import aq_base
from fixtures.forms import VALID_DATA
from fixtures.multilingual import translated_procedure
from imio.guichet import errors
from imio.guichet.audit.api import iter_records
from imio.guichet.caller import Caller
from imio.guichet.caller import script_caller
from imio.guichet.channels.caller import accepted_language
from imio.guichet.content.availability import get_availability
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical
from imio.guichet.content.translations import canonical_uid
from imio.guichet.content.translations import translation_language
from imio.guichet.forms.display import submission_answers
from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.forms.translations import form_texts
from imio.guichet.forms.translations import labels_from_texts
from imio.guichet.forms.translations import translated_form_xml
from imio.guichet.privacy.information import privacy_of
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import list_submissions
from imio.guichet.usecases.filing import file_submission
from imio.guichet.usecases.forms import form_schema
from imio.guichet.usecases.forms import translate_form
from plone import api
from zope.publisher.browser import TestRequest
from zope.schema import getFieldNames

import pytest


ANONYMOUS_IN_FRENCH = Caller(user_id=None, client_address="192.0.2.7", language="fr")


@pytest.fixture
def translated(portal):
    """A published procedure in French (the original) and its German
    translation, made with plone.app.multilingual."""
    return translated_procedure(portal)


def test_procedures_are_translatable_when_multilingual_is_installed(translated):
    original, german = translated
    fti = api.portal.get_tool("portal_types")["imio.guichet.Procedure"]
    assert "plone.translatable" in fti.behaviors
    assert german.Language() == "de"
    assert german is not original


def test_the_original_is_canonical_for_every_translation(translated):
    original, german = translated
    assert aq_base(canonical(german)) is aq_base(original)
    assert canonical(original) is original
    assert canonical_uid(german) == api.content.get_uuid(original)
    assert translation_language(german) == "de"
    assert translation_language(original) == "fr"


def test_translations_share_one_form(translated):
    original, german = translated
    assert IOnlineForm(german).form_schema == IOnlineForm(original).form_schema
    assert IOnlineForm(german).form_schema_version == 1
    assert list(IOnlineForm(german).get_form_schema()) == list(
        IOnlineForm(original).get_form_schema()
    )


def test_filing_on_the_translation_files_into_the_original(translated):
    original, german = translated
    # The browser asks for French; the German page files in German.
    filed = file_submission(ANONYMOUS_IN_FRENCH, german, VALID_DATA).submission
    assert filed.procedure_uid == api.content.get_uuid(original)
    assert filed.language == "de"
    in_french = file_submission(ANONYMOUS_IN_FRENCH, original, VALID_DATA).submission
    assert in_french.language == "fr"
    uid = api.content.get_uuid(original)
    page = list_submissions(procedure_uids=[uid])
    listed = {s.id for s in page.items}
    assert listed == {filed.id, in_french.id}
    assert get_store().get(filed.id).data == in_french.data


def test_an_untranslated_procedure_is_its_own_canonical(procedure):
    """Without plone.app.multilingual (the ordinary site), nothing changes."""
    assert canonical(procedure) is procedure
    assert translation_language(procedure) is None
    filed = file_submission(ANONYMOUS_IN_FRENCH, procedure, VALID_DATA).submission
    assert filed.language == "fr"
    assert filed.procedure_uid == api.content.get_uuid(procedure)


GERMAN = {
    "title/name": "Name",
    # The form has no help text for "name": nothing to translate.
    "description/name": "Wie auf dem Ausweis",
    "title/delivery": "Zustellung",
    "choice/delivery/post": "Per Post",
    "choice/purposes/work": "Arbeit",
    "title/unknown_field": "ignored",
}


def translate_as(roles, procedure, language, given):
    with api.env.adopt_roles(roles):
        return translate_form(script_caller("webmaster"), procedure, language, given)


def test_the_webmaster_translates_the_form_once_for_every_translation(translated):
    original, german = translated
    shown = translate_as(["Manager"], german, "de", GERMAN)
    table = {text.key: (text.original, done) for text, done in shown.rows}
    assert table["title/name"] == ("Nom", "Name")
    assert table["choice/delivery/post"] == ("post", "Per Post")
    assert table["title/email"] == ("E-mail", "")
    assert "title/unknown_field" not in table
    assert IOnlineForm(original).form_labels("de")["fields"]["name"] == {
        "title": "Name"
    }
    [entry] = [e for e in iter_records() if e["action"] == "translate_form"]
    assert entry["details"]["language"] == "de"


def test_only_who_may_edit_translates(translated):
    _original, german = translated
    with pytest.raises(errors.Forbidden):
        translate_as(["Member"], german, "de", GERMAN)
    with pytest.raises(errors.InvalidInput):
        translate_as(["Manager"], german, "xx", GERMAN)


def test_the_form_in_german_has_the_same_fields_and_values(translated):
    original, german = translated
    translate_as(["Manager"], german, "de", GERMAN)
    caller = Caller(user_id=None, language="de")
    in_german, version = form_schema(caller, german, None, "de")
    in_french, _ = form_schema(caller, original, None, "fr")
    assert getFieldNames(in_german) == getFieldNames(in_french)
    assert in_german["name"].title == "Name"
    assert not in_german["name"].description
    assert in_german["email"].title == "E-mail"  # not translated: the original
    assert in_french["name"].title == "Nom"
    terms = in_german["delivery"].vocabulary
    assert [t.value for t in terms] == ["post", "email", "counter"]
    assert terms.getTerm("post").title == "Per Post"
    assert terms.getTerm("email").title == "email"
    assert in_german["purposes"].value_type.vocabulary.getTerm("work").title == "Arbeit"
    schema = form_json_schema(
        in_german, schema_id="x", title="t", version=version, language="de"
    )
    assert schema["properties"]["delivery"]["x-enum-titles"][0] == "Per Post"
    assert schema["properties"]["delivery"]["enum"] == ["post", "email", "counter"]


def answer_rows(submission, procedure, language) -> dict:
    sections = submission_answers(submission, procedure, language)
    return {row["name"]: row for section in sections for row in section["rows"]}


def test_answers_are_read_with_the_readers_labels(translated):
    original, german = translated
    translate_as(["Manager"], german, "de", GERMAN)
    filed = file_submission(ANONYMOUS_IN_FRENCH, german, VALID_DATA).submission
    rows = answer_rows(filed, original, "de")
    assert rows["name"]["title"] == "Name"
    assert rows["delivery"]["value"] == "Per Post"
    rows = answer_rows(filed, original, "fr")
    assert rows["name"]["title"] == "Nom"
    assert filed.data["delivery"] == "post"


STEPS_XML = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <fieldset name="who" label="Qui">
      <field name="name" type="zope.schema.TextLine"><title>Nom</title></field>
    </fieldset>
  </schema>
</model>
"""


def test_step_titles_are_translated():
    texts = form_texts(STEPS_XML)
    assert [t.key for t in texts] == ["step/who", "title/name"]
    labels = labels_from_texts(texts, {"step/who": " Wer ", "title/name": ""})
    assert labels == {"fields": {}, "steps": {"who": {"title": "Wer"}}}
    xml = translated_form_xml(STEPS_XML, labels)
    assert 'label="Wer"' in xml
    assert "<title>Nom</title>" in xml
    assert translated_form_xml(STEPS_XML, {}) is STEPS_XML


@pytest.mark.parametrize(
    "header, expected",
    [
        ("de-BE,de;q=0.9,fr;q=0.8", "de"),
        ("en, fr;q=0.5, de;q=0.7", "de"),
        ("nl", None),
        ("de;q=0, fr;q=0.1", "fr"),
        ("", None),
    ],
)
def test_accept_language_picks_a_site_language(header, expected):
    request = TestRequest(environ={"HTTP_ACCEPT_LANGUAGE": header})
    assert accepted_language(request, ["fr", "de"]) == expected


def test_a_translation_is_open_with_its_originals_privacy_information(translated):
    """p.a.m copies none of the Online form's settings: the translation is
    open, and tells its privacy information, because its original is."""
    original, german = translated
    assert not getattr(german, "privacy_purpose", None)
    assert get_availability(german).is_open
    assert privacy_of(german).purpose == privacy_of(original).purpose
    with api.env.adopt_roles(["Manager"]):
        IOnlineForm(german).submissions_open = False
    assert not get_availability(original).is_open


def test_the_translation_page_translates_the_form_being_edited(translated):
    """Issue #14: on a published procedure the editor changes a working
    copy; the translation page shows and keeps its texts (a new field),
    and keeps those only the published form still has (citizens read them
    until the copy is published)."""
    original, german = translated
    form = IOnlineForm(original)
    edited = form.form_schema.replace(
        '<field name="email"',
        '<field name="nickname" type="zope.schema.TextLine">'
        "<title>Surnom</title><required>False</required></field>"
        '<field name="email"',
    ).replace("<title>Nom</title>", "<title>Nom de famille</title>")
    with api.env.adopt_roles(["Manager"]):
        form.edit_form_schema(edited)
        assert form.working_copy is not None  # citizens see the procedure
        translate_as(["Manager"], german, "de", GERMAN)
        shown = translate_as(
            ["Manager"], german, "de", {**GERMAN, "title/nickname": "Spitzname"}
        )
    table = {text.key: (text.original, done) for text, done in shown.rows}
    assert table["title/nickname"] == ("Surnom", "Spitzname")
    assert table["title/name"] == ("Nom de famille", "Name")
    labels = form.form_labels("de")["fields"]
    assert labels["nickname"] == {"title": "Spitzname"}
    assert labels["delivery"]["choices"] == {"post": "Per Post"}
    # Published, the copy's translations are there at once.
    form.publish_working_copy()
    german_form = form.get_form_schema(language="de")
    assert german_form["nickname"].title == "Spitzname"


def test_a_translation_kept_for_a_field_the_working_copy_removed(translated):
    original, german = translated
    form = IOnlineForm(original)
    translate_as(["Manager"], german, "de", GERMAN)
    without_delivery = (
        form.form_schema.split('<field name="delivery"')[0]
        + (form.form_schema.split("</field>", 5)[-1])
    )
    with api.env.adopt_roles(["Manager"]):
        form.edit_form_schema(without_delivery)
    assert "delivery" not in form.working_copy
    shown = translate_as(["Manager"], german, "de", {"title/name": "Name!"})
    assert "title/delivery" not in {text.key for text, _done in shown.rows}
    # Citizens still fill the published form, "Zustellung" included.
    assert form.get_form_schema(language="de")["delivery"].title == "Zustellung"
    assert form.get_form_schema(language="de")["name"].title == "Name!"
