"""The check before publishing (forms/checks.py): one test per check, each
with a form that has the problem and one that does not."""

from DateTime import DateTime
from datetime import datetime
from imio.guichet.forms.checks import check_form
from imio.guichet.forms.checks import CHECKS
from imio.guichet.forms.checks import FormWarning
from imio.guichet.forms.model import load_form_schema
from plone.app.textfield.value import RichTextValue
from zope.i18n import translate

import pytest


def form(fields: str, fieldsets: str = "") -> str:
    return (
        '<model xmlns="http://namespaces.plone.org/supermodel/schema"\n'
        '       xmlns:guichet="http://namespaces.imio.be/guichet">\n'
        f"  <schema>{fields}{fieldsets}</schema>\n</model>"
    )


def line(name: str, title: str = "Titre", extra: str = "", attrs: str = "") -> str:
    return (
        f'<field name="{name}" type="zope.schema.TextLine" {attrs}>'
        f"<title>{title}</title>{extra}</field>"
    )


YES_NO = (
    '<field name="works" type="zope.schema.Bool">'
    "<title>Travaux ?</title><required>False</required></field>"
)


def codes(xml: str, procedure=None) -> list[tuple[str, str | None]]:
    return [
        (warning.code, warning.field)
        for warning in check_form(load_form_schema(xml), procedure)
    ]


def test_a_check_is_one_function_added_to_the_list():
    before = list(CHECKS)

    def privacy(checked):
        yield FormWarning("Privacy?", None, "privacy")

    CHECKS.append(privacy)
    try:
        assert ("privacy", None) in codes(form(line("a")))
    finally:
        CHECKS[:] = before


def test_a_good_form_has_no_warning():
    assert codes(form(line("name", "Nom") + YES_NO)) == []


class TestFieldTitles:
    def test_without_title(self):
        assert codes(form(line("name", ""))) == [("no_title", "name")]

    def test_long_title(self):
        assert codes(form(line("name", "Votre nom " * 9))) == [("long_title", "name")]


class TestIdentifierHelp:
    def niss(self, extra=""):
        return (
            '<field name="niss" type="imio.guichet.forms.fields.NISS">'
            f"<title>Numéro national</title>{extra}</field>"
        )

    def test_without_help(self):
        assert codes(form(self.niss())) == [("identifier_without_help", "niss")]

    def test_with_help(self):
        help_text = "<description>Au dos de votre carte d'identité.</description>"
        assert codes(form(self.niss(help_text))) == []


def test_more_than_25_required_fields():
    many = "".join(line(f"f{index}") for index in range(26))
    assert codes(form(many)) == [("many_required", None)]
    assert codes(form("".join(line(f"f{index}") for index in range(25)))) == []


FILE = (
    '<field name="plan" type="plone.namedfile.field.NamedBlobFile">'
    "<title>Plan</title></field>"
)


class TestFileTypes:
    def test_no_type_allowed(self, procedure):
        procedure.allowed_file_types = []
        assert codes(form(FILE), procedure) == [("file_without_types", "plan")]

    def test_types_allowed(self, procedure):
        procedure.allowed_file_types = ["pdf"]
        assert codes(form(FILE), procedure) == []
        procedure.allowed_file_types = None  # the defaults
        assert codes(form(FILE), procedure) == []

    def own(self, attributes: str) -> str:
        return FILE.replace('NamedBlobFile"', f'NamedBlobFile" {attributes}')

    def test_the_fields_own_types_none_of_the_procedures(self, procedure):
        procedure.allowed_file_types = ["pdf", "png"]
        xml = form(self.own('guichet:file-types="docx"'))
        assert codes(xml, procedure) == [("file_without_types", "plan")]
        [warning] = check_form(load_form_schema(xml), procedure)
        assert translate(warning.message) == (
            '"Plan" accepts only Word (DOCX), which the procedure does not '
            "accept (Online form settings): no file can be sent."
        )
        assert codes(form(self.own('guichet:file-types="png"')), procedure) == []

    def test_the_fields_own_settings_beyond_the_procedures(self, procedure):
        procedure.allowed_file_types = ["pdf"]
        procedure.max_file_size = 5
        xml = form(self.own('guichet:file-types="pdf,docx"'))
        assert codes(xml, procedure) == [("file_settings_beyond_procedure", "plan")]
        [warning] = check_form(load_form_schema(xml), procedure)
        assert "citizens may send PDF, up to 5 MB" in translate(warning.message)
        xml = form(self.own('guichet:max-file-size="6"'))
        assert codes(xml, procedure) == [("file_settings_beyond_procedure", "plan")]
        xml = form(self.own('guichet:max-file-size="5"'))
        assert codes(xml, procedure) == []

    def test_more_file_fields_than_files_per_request(self, procedure):
        procedure.max_files = 1
        second = FILE.replace('name="plan"', 'name="photo"')
        assert codes(form(FILE + second), procedure) == [
            ("more_file_fields_than_files", None)
        ]
        procedure.max_files = 2
        assert codes(form(FILE + second), procedure) == []

    def fields(self, count: int) -> str:
        return "".join(
            FILE.replace('name="plan"', f'name="plan{number}"')
            for number in range(count)
        )

    def warning(self, procedure, fields: int, files: int, language=None):
        procedure.max_files = files
        [warning] = check_form(
            load_form_schema(form(self.fields(fields))), procedure, language
        )
        assert warning.code == "more_file_fields_than_files"
        return warning.message

    def test_files_per_request_counted(self, procedure):
        """ "1 file per request", never "1 files"; two whole messages."""
        assert translate(self.warning(procedure, 2, 1)) == (
            "The form has 2 file fields, but the procedure accepts 1 file per "
            "request (Online form settings): the files beyond are refused."
        )
        assert translate(self.warning(procedure, 3, 2)) == (
            "The form has 3 file fields, but the procedure accepts 2 files per "
            "request (Online form settings): the files beyond are refused."
        )

    @pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
    def test_files_per_request_as_the_reader_counts(self, procedure, language):
        one = self.warning(procedure, 2, 1, language)
        assert one == "warning_more_file_fields_than_files_one"
        other = self.warning(procedure, 3, 2, language)
        assert other == "warning_more_file_fields_than_files_other"
        assert (one.mapping, other.mapping) == (
            {"count": 1, "fields": 2},
            {"count": 2, "fields": 3},
        )

    def test_no_file_per_request(self, procedure):
        """A procedure that accepts no file: no count (not "1 file fields",
        nor "0 files", which French writes "0 fichier")."""
        assert translate(self.warning(procedure, 1, 0, "fr")) == (
            "The form asks for files, but the procedure accepts none (Online "
            "form settings): no file can be sent."
        )


class TestNeverShown:
    def test_field_and_step_want_other_answers(self):
        xml = form(
            YES_NO,
            '<fieldset name="works_step" label="Travaux" '
            'guichet:show-if="works=true">'
            + line("detail", "Détail", attrs='guichet:show-if="works=false"')
            + line("other", "Autre")
            + "</fieldset>",
        )
        assert codes(xml) == [("never_shown", "detail")]

    def test_a_no_to_a_yes_no_that_must_be_ticked(self):
        required = YES_NO.replace(
            "<required>False</required>", "<required>True</required>"
        )
        assert required != YES_NO
        xml = form(
            required + line("detail", "Détail", attrs='guichet:show-if="works=false"')
        )
        assert codes(xml) == [("never_shown", "detail")]
        optional = form(
            YES_NO + line("detail", "Détail", attrs='guichet:show-if="works=false"')
        )
        assert codes(optional) == []

    def test_a_condition_that_can_hold(self):
        xml = form(
            YES_NO + line("detail", "Détail", attrs='guichet:show-if="works=true"')
        )
        assert codes(xml) == []


def choice(values: list[str]) -> str:
    elements = "".join(f"<element>{value}</element>" for value in values)
    return (
        '<field name="delivery" type="zope.schema.Choice">'
        f"<title>Envoi</title><values>{elements}</values></field>"
    )


class TestSingleOption:
    def test_one_option(self):
        assert codes(form(choice(["post"]))) == [("one_option", "delivery")]

    def test_several_options(self):
        assert codes(form(choice(["post", "email"]))) == []


class TestIdentityAskedAgain:
    XML = form(line("first_name", "Prénom") + line("email", "Courriel"))

    def test_asked_again(self, procedure):
        procedure.require_verified_identity = True
        assert codes(self.XML, procedure) == [("identity_asked_again", "first_name")]

    def test_without_verified_identity(self, procedure):
        procedure.require_verified_identity = False
        assert codes(self.XML, procedure) == []

    def test_filled_from_the_identity(self, procedure):
        procedure.require_verified_identity = True
        xml = form(
            line(
                "first_name",
                "Prénom",
                attrs='guichet:prefill="identity:given_name"',
            )
        )
        assert codes(xml, procedure) == []


class TestLongSentences:
    def test_long_sentence(self, procedure):
        long = " ".join(["mot"] * 30)
        procedure.eligibility = RichTextValue(f"<p>Court. {long}.</p>", "text/html")
        assert codes(form(line("a")), procedure) == [("long_sentence", None)]

    def test_short_sentences(self, procedure):
        procedure.eligibility = RichTextValue(
            "<p>Tout habitant.</p><p>Les enfants aussi.</p>", "text/html"
        )
        assert codes(form(line("a")), procedure) == []


class TestDates:
    @pytest.fixture
    def dated(self, procedure):
        procedure.setEffectiveDate(DateTime("2026/01/01 00:00 UTC"))
        procedure.setExpirationDate(DateTime("2026/12/31 00:00 UTC"))
        return procedure

    def test_submissions_beyond_the_page_dates_are_harmless(self, dated):
        """The page's dates bound submissions (content.availability): no
        warning for dates of submissions beyond them."""
        dated.opening_date = datetime(2025, 12, 1)
        dated.closing_date = None
        assert codes(form(line("a")), dated) == []

    def test_submissions_that_can_never_open(self, dated):
        dated.opening_date = datetime(2027, 1, 15)  # after the page expires
        dated.closing_date = datetime(2027, 2, 1)
        [warning] = check_form(load_form_schema(form(line("a"))), dated)
        assert warning.code == "submissions_never_open"
        # Says both dates.
        text = translate(warning.message, target_language="en")
        assert "15/01/2027" in text and "31/12/2026" in text, text

    def test_submissions_closing_before_they_open(self, procedure):
        procedure.opening_date = datetime(2026, 6, 1)
        procedure.closing_date = datetime(2026, 5, 1)
        assert codes(form(line("a")), procedure) == [("submissions_never_open", None)]

    def test_dates_that_agree(self, dated):
        dated.opening_date = datetime(2026, 2, 1)
        dated.closing_date = datetime(2026, 12, 1)
        assert codes(form(line("a")), dated) == []


class TestPrivacyInformation:
    def test_incomplete(self, procedure):
        procedure.privacy_purpose = ""
        procedure.privacy_recipients = []
        purpose, recipients = check_form(load_form_schema(form(line("a"))), procedure)
        assert purpose.code == recipients.code == "privacy_incomplete"
        # Says what is missing, in words, in the reader's language.
        assert "la finalité" in translate(purpose.message, target_language="fr")
        assert "the recipients" in translate(recipients.message, target_language="en")

    def test_complete(self, procedure):
        assert codes(form(line("a")), procedure) == []
