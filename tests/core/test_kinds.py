"""The registry of field kinds (forms.kinds), as pure logic: no Plone site.

Every registered kind has a case below: valid JSON values round-trip
(JSON -> the field's Python value -> stored JSON, and the stored JSON
again to itself), its JSON Schema accepts what the server accepts and
refuses invalid values the server refuses too, and it is shown to people
and written in an export cell as documented.
"""

from base64 import b64encode
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC
from imio.guichet.forms import fields as guichet_fields
from imio.guichet.forms import kinds
from imio.guichet.forms import uploads
from imio.guichet.forms.kinds.choices import MAX_RADIO_CHOICES
from imio.guichet.forms.kinds.choices import YES
from jsonschema import Draft202012Validator
from plone.namedfile.field import NamedBlobFile
from plone.schema.email import Email
from typing import Any
from zope.schema import Bool
from zope.schema import Choice
from zope.schema import Date
from zope.schema import Datetime
from zope.schema import Float
from zope.schema import Int
from zope.schema import Set
from zope.schema import Text
from zope.schema import TextLine
from zope.schema import URI
from zope.schema.interfaces import ValidationError
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary

import pytest


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def utc_site(monkeypatch):
    """The site's time zone without a site: UTC."""
    monkeypatch.setattr("imio.guichet.timezones.site_timezone", lambda: UTC)
    monkeypatch.setattr("imio.guichet.forms.fields.site_timezone", lambda: UTC)


@dataclass
class Case:
    field: Any
    #: (what a client sends, what is stored)
    valid: list[tuple[Any, Any]]
    #: Refused by the server and by the JSON Schema.
    invalid: list[Any]
    #: stored value -> {language: display}
    display: dict[Any, dict[str, Any]] = dataclass_field(default_factory=dict)
    #: stored value -> export cell
    export: dict[Any, str] = dataclass_field(default_factory=dict)


DELIVERY = SimpleVocabulary(
    [SimpleTerm("post", title="Par la poste"), SimpleTerm("counter", title="Guichet")]
)
ADDRESS = {
    "street": " Rue de Fer ",
    "number": "42",
    "postal_code": "5000",
    "locality": "Namur",
}
ADDRESS_STORED = {**ADDRESS, "street": "Rue de Fer"}
UPLOAD = {"filename": "plan.pdf", "data": b64encode(PDF).decode()}

CASES = {
    "text": Case(
        TextLine(max_length=20),
        valid=[(" Rue de Fer ", "Rue de Fer")],
        invalid=["two\nlines", 12, "x" * 21],
        display={"Rue de Fer": {"fr": "Rue de Fer"}},
        export={"Rue de Fer": "Rue de Fer"},
    ),
    "long-text": Case(
        Text(),
        valid=[("a\r\nb", "a\nb")],
        invalid=[12, "x" * 10_001],
        display={"a\nb": {"fr": "a\nb"}},
        export={"a\nb": "a\nb"},
    ),
    "email": Case(
        Email(),
        valid=[("jean@namur.be", "jean@namur.be")],
        invalid=["jean at namur", 3],
        display={"jean@namur.be": {"fr": "jean@namur.be"}},
    ),
    "uri": Case(
        URI(),
        valid=[("https://www.namur.be", "https://www.namur.be")],
        invalid=[5, "https://" + "a" * 500],
        display={"https://www.namur.be": {"fr": "https://www.namur.be"}},
    ),
    "phone": Case(
        guichet_fields.Phone(),
        valid=[("081 12 34 56", "+3281123456"), ("+33 1 23 45 67 89", "+33123456789")],
        invalid=["abc", 81123456],
        # Belgian numbers as Belgians write them, others international.
        display={
            "+3281123456": {"fr": "081 12 34 56", "nl": "081 12 34 56"},
            "+32470123456": {"fr": "0470 12 34 56"},
            "+33123456789": {"fr": "+33 1 23 45 67 89", "de": "+33 1 23 45 67 89"},
        },
        export={"+3281123456": "+3281123456"},
    ),
    "be-niss": Case(
        guichet_fields.NISS(),
        valid=[("85.07.30-033.28", "85073003328")],
        invalid=["12", 85073003328],
        display={"85073003328": {"fr": "85.07.30-033.28", "nl": "85.07.30-033.28"}},
        export={"85073003328": "85073003328"},
    ),
    "iban": Case(
        guichet_fields.IBAN(),
        valid=[("be71 0961 2345 6769", "BE71096123456769")],
        invalid=["BE71", "71BE"],
        display={"BE71096123456769": {"fr": "BE71 0961 2345 6769"}},
        export={"BE71096123456769": "BE71096123456769"},
    ),
    "be-enterprise-number": Case(
        guichet_fields.EnterpriseNumber(),
        valid=[("BE 0403.170.701", "0403170701"), ("403170701", "0403170701")],
        invalid=["BE12", 403170701],
        display={"0403170701": {"fr": "0403.170.701"}},
        export={"0403170701": "0403170701"},
    ),
    "be-postal-code": Case(
        guichet_fields.PostalCode(),
        valid=[("5000", "5000")],
        invalid=["0999", "50000", 5000],
        display={"5000": {"fr": "5000"}},
    ),
    "integer": Case(
        Int(min=1, max=3000),
        valid=[(2, 2), (2.0, 2), (1987, 1987)],
        invalid=[0, 3001, "2", True, 2.5],
        display={1987: {"fr": "1987", "en": "1987"}},
        export={1987: "1987"},
    ),
    "decimal": Case(
        Float(min=0.0, max=10_000.0),
        valid=[(12.5, 12.5), (3, 3.0), (1234.75, 1234.75)],
        invalid=["12,5", True, -1, 10_000.5],
        display={
            12.5: {"fr": "12,5", "nl": "12,5", "en": "12.5", "fr-be": "12,5"},
            1234.75: {"fr": "1234,75", "en": "1234.75"},
        },
        export={12.5: "12.5"},
    ),
    "yes-no": Case(
        Bool(required=False),
        valid=[(True, True), (False, False)],
        invalid=["yes", 1],
        display={True: {"fr": YES}},
        export={True: "True", False: "False"},
    ),
    "date": Case(
        Date(),
        valid=[("2026-12-03", "2026-12-03")],
        invalid=["03/12/2026", "2026-02-30", 20261203],
        display={
            "2026-12-31": {
                "fr": "31/12/2026",
                "fr-be": "31/12/2026",
                "nl": "31-12-2026",
                "nl-be": "31-12-2026",
                "de": "31.12.2026",
                "en": "31/12/2026",
            },
            "2026-01-05": {"fr": "05/01/2026", "nl": "05-01-2026", "de": "05.01.2026"},
        },
        export={"2026-12-03": "2026-12-03"},
    ),
    "relative-date": Case(
        guichet_fields.RelativeDate(max_days=0),
        valid=[("2020-02-29", "2020-02-29")],
        invalid=["29/02/2020", 2020],
        display={"2020-02-29": {"fr": "29/02/2020", "de": "29.02.2020"}},
    ),
    "datetime": Case(
        Datetime(),
        valid=[
            ("2026-12-03T10:30:00+01:00", "2026-12-03T09:30:00+00:00"),
            ("2026-12-03T09:30:00Z", "2026-12-03T09:30:00+00:00"),
        ],
        invalid=["2026-12-03T10:30", "2026-12-03", 5],
        display={
            "2026-12-03T09:30:00+00:00": {
                "fr": "03/12/2026 09:30",
                "nl": "03-12-2026 09:30",
                "de": "03.12.2026 09:30",
                "en": "03/12/2026 09:30",
            }
        },
    ),
    "be-address": Case(
        guichet_fields.Address(),
        valid=[(ADDRESS, ADDRESS_STORED)],
        invalid=[
            {"street": "Rue de Fer"},
            {**ADDRESS, "postal_code": "0999"},
            {**ADDRESS, "floor": "2"},
            "Rue de Fer 42, 5000 Namur",
        ],
        display={
            "address": {"fr": "Rue de Fer 42, 5000 Namur"},
        },
        export={"address": "Rue de Fer 42, 5000 Namur"},
    ),
    "choice": Case(
        Choice(vocabulary=DELIVERY),
        valid=[("post", "post")],
        invalid=["fax", 3],
        display={"post": {"fr": "Par la poste"}, "gone": {"fr": "gone"}},
        export={"post": "post"},
    ),
    "multiple-choice": Case(
        Set(value_type=Choice(vocabulary=DELIVERY), required=False),
        valid=[(["post", "counter"], ["counter", "post"]), ([], None)],
        invalid=[["fax"], ["post", "post"], "post"],
        display={("counter", "post"): {"fr": "Guichet, Par la poste"}},
        export={("counter", "post"): "counter; post"},
    ),
    "file": Case(
        NamedBlobFile(),
        valid=[(UPLOAD, None)],
        invalid=[{"filename": "plan.pdf"}, "plan.pdf", {**UPLOAD, "data": "%%%"}],
        display={"descriptor": {"fr": "plan.pdf (76 o)"}},
        export={"descriptor": "plan.pdf"},
    ),
}

#: Stored values that a hashable key above stands for.
STORED = {
    "address": ADDRESS_STORED,
    ("counter", "post"): ["counter", "post"],
    "descriptor": {
        "filename": "plan.pdf",
        "content-type": "application/pdf",
        "size": 76,
        "sha256": "0" * 64,
        "attachment": "plan",
    },
}


def stored(key):
    return STORED.get(key, key) if isinstance(key, str | tuple) else key


def accept(field, value):
    """What the server stores for a non-empty JSON ``value``; raises
    kinds.Refused or a zope.schema ValidationError."""
    python = kinds.from_json(field, value)
    if isinstance(python, uploads.CheckedUpload):
        return uploads.descriptor(python, "plan")
    field.validate(python)
    return kinds.to_json(field, python)


def validator(field) -> Draft202012Validator:
    schema = kinds.json_schema(field, "fr")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def test_every_kind_has_a_case():
    assert sorted(CASES) == sorted(kind.name for kind in kinds.KINDS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_field_is_of_its_kind(name):
    assert kinds.kind_of(CASES[name].field) is kinds.kind_named(name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_valid_values_round_trip(name):
    case = CASES[name]
    for sent, expected in case.valid:
        if expected is None:  # an empty answer, or a file (stored apart)
            if sent == []:
                continue
            descriptor = accept(case.field, sent)
            assert descriptor["filename"] == "plan.pdf"
            assert descriptor["size"] == len(PDF)
            continue
        kept = accept(case.field, sent)
        assert kept == expected
        assert accept(case.field, kept) == kept  # stored JSON reads back as is


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_schema_accepts_valid_values(name):
    case = CASES[name]
    check = validator(case.field)
    for sent, kept in case.valid:
        assert not list(check.iter_errors(sent)), sent
        if kept is not None and name != "file":
            assert not list(check.iter_errors(kept)), kept


@pytest.mark.parametrize("name", sorted(CASES))
def test_invalid_values_are_refused_by_both(name):
    case = CASES[name]
    check = validator(case.field)
    assert case.invalid
    for value in case.invalid:
        with pytest.raises((kinds.Refused, ValidationError)):
            accept(case.field, value)
        assert list(check.iter_errors(value)), value


@pytest.mark.parametrize("name", sorted(CASES))
def test_display_for_people(name):
    case = CASES[name]
    assert case.display or name in ("file",)
    for key, by_language in case.display.items():
        for language, shown in by_language.items():
            assert kinds.display(case.field, stored(key), language) == shown


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_cell(name):
    case = CASES[name]
    for key, cell in case.export.items():
        assert kinds.export_cell(stored(key), case.field) == cell
    for key in case.display:
        # Without the field (an export's rows may come from older form
        # versions), a value is still written from its shape.
        assert isinstance(kinds.export_cell(stored(key)), str)


def test_empty_answers_show_a_dash_and_export_nothing():
    for case in CASES.values():
        assert kinds.display(case.field, None, "fr") == kinds.EMPTY
        assert kinds.export_cell(None, case.field) == ""


def test_decimals_follow_the_reader_without_a_request():
    """Without a request or a site, French: the guichet's first language."""
    assert kinds.display(Float(), 12.5, None) == "12,5"


def test_values_of_another_kind_are_shown_as_stored():
    """An answer filed under an older form version whose field changed kind."""
    assert kinds.display(guichet_fields.NISS(), "12345", "fr") == "12345"
    assert kinds.display(Date(), "soon", "fr") == "soon"
    assert kinds.display(TextLine(), STORED["address"], "fr") == (
        "Rue de Fer 42, 5000 Namur"
    )
    assert kinds.display(TextLine(), STORED["descriptor"], "fr") == "plan.pdf (76 o)"
    assert kinds.export_cell(STORED["descriptor"]) == "plan.pdf"
    assert kinds.export_cell(["a", "b"]) == "a; b"


def test_only_choices_and_yes_no_may_be_tested_by_conditions():
    testable = {
        name
        for name, case in CASES.items()
        if kinds.condition_values(case.field) is not None
    }
    assert testable == {"choice", "yes-no"}
    assert kinds.condition_values(CASES["yes-no"].field) == {
        "true": True,
        "false": False,
    }
    assert kinds.condition_values(CASES["choice"].field) == {
        "post": "post",
        "counter": "counter",
    }


def test_prefill_gives_text_fields_text():
    assert kinds.prefill(CASES["be-postal-code"].field, 5000) == "5000"
    assert kinds.prefill(CASES["text"].field, 42) == "42"
    assert kinds.prefill(CASES["integer"].field, 42) == 42


def test_widgets():
    short = Choice(values=[str(n) for n in range(MAX_RADIO_CHOICES)])
    long = Choice(values=[str(n) for n in range(MAX_RADIO_CHOICES + 1)])
    assert kinds.widget_factory(short).endswith("RadioFieldWidget")
    assert kinds.widget_factory(long) is None
    assert kinds.widget_factory(CASES["multiple-choice"].field).endswith(
        "CheckBoxFieldWidget"
    )
    assert kinds.widget_factory(CASES["file"].field) == (
        "imio.guichet.browser.widgets.UploadFieldWidget"
    )
    assert kinds.widget_factory(CASES["text"].field) is None


def test_settings_checked_when_a_form_is_saved():
    problems = kinds.kind_named("choice").form_problems
    assert problems(Choice(vocabulary="plone.app.vocabularies.Users")) == [
        "a choice must list its values (<values>)"
    ]
    assert problems(Choice(vocabulary=DELIVERY)) == []
    assert kinds.kind_named("multiple-choice").form_problems(
        Set(value_type=TextLine())
    ) == ["a multiple choice must hold a choice"]
    assert kinds.kind_named("phone").form_problems(
        guichet_fields.Phone(region="XX")
    ) == ["unknown phone region 'XX'"]


def test_fields_of_no_kind():
    from zope.interface import Interface
    from zope.schema import Object

    field = Object(schema=Interface)
    assert kinds.kind_of(field) is None
    with pytest.raises(kinds.Refused):
        kinds.from_json(field, {})
    assert kinds.json_schema(field) == {}


def test_the_guichet_field_classes_come_with_their_editor_factory():
    """forms.editor registers a supermodel handler and an editor factory
    for each of them: no ZCML per kind."""
    from imio.guichet.forms.editor import own_field_classes

    names = {name for name, _cls, _title in own_field_classes()}
    assert names == {
        f"imio.guichet.forms.fields.{name}"
        for name in (
            "NISS",
            "IBAN",
            "EnterpriseNumber",
            "PostalCode",
            "Phone",
            "Address",
            "RelativeDate",
        )
    }
    for kind in kinds.KINDS:
        if kind.editor_title is not None:
            (cls,) = kind.field_classes
            assert kind.editor_factory == f"{cls.__module__}.{cls.__name__}"


def test_a_kind_cannot_be_registered_twice():
    with pytest.raises(ValueError):
        kinds.register(kinds.kind_named("text"))


def test_the_form_editor_offers_exactly_the_registered_kinds(portal):
    """Every kind is offered by the schema editor, and every field type the
    editor offers is a kind's (a Plone site: the editor's factories are
    utilities)."""
    from imio.guichet.browser.form_editor import editor_field_types
    from plone.schemaeditor.interfaces import IFieldFactory
    from zope.component import getUtility

    offered = editor_field_types()
    by_factory = {kind.editor_factory: kind for kind in kinds.KINDS}
    assert sorted(offered) == sorted(by_factory)
    for name in offered:
        field = getUtility(IFieldFactory, name=name)(title="t")
        assert kinds.kind_of(field) is by_factory[name]


def test_the_receipt_shows_answers_as_its_reader_writes_them(portal, procedure):
    """The PDF receipt is in the submission's language: French numbers."""
    from fixtures.forms import FIELDS_FORM
    from fixtures.forms import FIELDS_VALID
    from imio.guichet.submissions.api import submit
    from imio.guichet.submissions.receipt import Issuer
    from imio.guichet.submissions.receipt import receipt_pdf
    from io import BytesIO
    from plone import api
    from pypdf import PdfReader

    with api.env.adopt_roles(["Manager"]):
        procedure.form_schema = FIELDS_FORM
        submission = submit(procedure, FIELDS_VALID, submitter=None, language="fr")
    pdf = receipt_pdf(submission, procedure, issuer=Issuer("X"))
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split()
    )
    assert "12,5" in text
    assert "85.07.30-033.28" in text
    assert "BE71 0961 2345 6769" in text
    assert "0403.170.701" in text


def test_decimals_do_not_follow_the_request_that_triggered_them():
    """An e-mail or an export shows numbers in the language it is written
    in, named by its caller, not in the language of whoever's request is
    being served (here English, which would write 12.5)."""
    from zope.globalrequest import clearRequest
    from zope.globalrequest import setRequest
    from zope.publisher.browser import TestRequest

    setRequest(TestRequest(LANGUAGE="en"))
    try:
        assert kinds.display(Float(), 12.5, None) == "12,5"
        assert kinds.display(Float(), 12.5, "en") == "12.5"
    finally:
        clearRequest()


@pytest.mark.parametrize(
    "language, limit",
    [("fr", "31/12/2026"), ("nl", "31-12-2026"), ("de", "31.12.2026")],
)
def test_a_date_limit_is_written_in_the_readers_language(language, limit):
    from datetime import date
    from imio.guichet.forms.validation import refusal_message

    field = Date(max=date(2026, 12, 31))
    message = refusal_message(field, "date_too_late", language)
    assert message.mapping["limit"] == limit


def test_a_decimal_limit_still_follows_the_language():
    from imio.guichet.forms.validation import refusal_message

    field = Float(max=12.5)
    assert refusal_message(field, "too_big", "nl").mapping["limit"] == "12,5"
    assert refusal_message(field, "too_big", "en").mapping["limit"] == "12.5"
