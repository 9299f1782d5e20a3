"""Issue #3: the guichet's field types, checked the same way by clean_data,
POST @submissions and the HTML form, and described by @form-schema."""

from datetime import date
from datetime import timedelta
from fixtures.forms import FIELDS_FORM
from fixtures.forms import FIELDS_STORED
from fixtures.forms import FIELDS_VALID
from imio.guichet.forms import fields
from imio.guichet.forms.jsonschema import form_json_schema
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.validation import clean_data
from imio.guichet.forms.validation import InvalidData
from imio.guichet.submissions.api import get_store
from jsonschema import Draft202012Validator
from jsonschema import ValidationError
from jsonschema import validators
from plone.schemaeditor.interfaces import IFieldFactory
from plone.supermodel import serializeSchema
from plone.testing.zope import Browser
from zope.component import getUtility

import pytest
import transaction


def errors_of(schema, data, context=None):
    with pytest.raises(InvalidData) as refused:
        clean_data(schema, data, context)
    return {e.field: e.code for e in refused.value.errors}


def _format_bound(compare):
    # formatMinimum/formatMaximum (ajv-formats): dates compare as text.
    def check(validator, bound, instance, schema):
        if isinstance(instance, str) and not compare(instance, bound):
            yield ValidationError(f"{instance} is out of {bound}")

    return check


#: JSON Schema 2020-12 with the format bounds that @form-schema publishes.
Validator = validators.extend(
    Draft202012Validator,
    {
        "formatMinimum": _format_bound(lambda value, bound: value >= bound),
        "formatMaximum": _format_bound(lambda value, bound: value <= bound),
    },
)


def validator(json_schema):
    """A validator that also asserts formats (dates, e-mails...)."""
    return Validator(json_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def schema(portal):
    return check_form_schema(FIELDS_FORM)


@pytest.fixture
def json_schema(schema):
    result = form_json_schema(schema, schema_id="x", title="t", version=1)
    Draft202012Validator.check_schema(result)
    return result


TOMORROW = "tomorrow"  # replaced by the date of tomorrow

#: (field, value, code refused with or None, whether JSON Schema can say it)
CASES = [
    # NISS: national register numbers, a 2000+ birth, BIS numbers
    ("niss", "85073003328", None, True),
    ("niss", "85 07 30 033 28", None, True),
    ("niss", "01020300170", None, True),  # born 2001-02-03
    ("niss", "98.47.28-997.65", None, True),  # BIS number (sex unknown)
    ("niss", "01 49 07 001 85", None, True),  # BIS number, born 2001
    ("niss", "85073003329", "invalid_niss", False),  # checksum
    ("niss", "01020300171", "invalid_niss", False),
    ("niss", "8507300332", "invalid_niss", True),  # 10 digits
    ("niss", "85O73003328", "invalid_niss", True),
    ("niss", 85073003328, "wrong_type", True),
    # IBAN
    ("iban", "BE71096123456769", None, True),
    ("iban", "GB82 WEST 1234 5698 7654 32", None, True),
    ("iban", "BE71096123456768", "invalid_iban", False),
    ("iban", "BE68539007547034", "invalid_iban", False),  # bank code
    ("iban", "1234", "invalid_iban", True),
    # Enterprise number (BCE/KBO)
    ("company", "0403.170.701", None, True),
    ("company", "403170701", None, True),
    ("company", "0403.170.702", "invalid_enterprise_number", False),
    ("company", "BE-0403", "invalid_enterprise_number", True),
    # Belgian postal code
    ("zip", "1000", None, True),
    ("zip", "9999", None, True),
    ("zip", "0999", "invalid_postal_code", True),
    ("zip", "10000", "invalid_postal_code", True),
    ("zip", "B-5000", "invalid_postal_code", True),
    # Phone, Belgian and international
    ("phone", "0470 12 34 56", None, True),
    ("phone", "02/345.67.89", None, True),
    ("phone", "+33 1 23 45 67 89", None, True),
    ("phone", "0033 1 23 45 67 89", None, True),
    ("phone", "0470 12 34 5", "invalid_phone", False),
    ("phone", "12345", "invalid_phone", True),
    ("phone", "call me", "invalid_phone", True),
    # Address
    ("address", {**FIELDS_VALID["address"], "box": "b"}, None, True),
    ("address", {"street": "Rue", "number": "1"}, "incomplete_address", True),
    (
        "address",
        {**FIELDS_VALID["address"], "street": "  "},
        "incomplete_address",
        True,
    ),
    (
        "address",
        {**FIELDS_VALID["address"], "postal_code": "500"},
        "invalid_postal_code",
        True,
    ),
    ("address", {**FIELDS_VALID["address"], "floor": "2"}, "invalid_address", True),
    ("address", {**FIELDS_VALID["address"], "number": 42}, "invalid_address", True),
    ("address", {**FIELDS_VALID["address"], "street": "a\nb"}, "invalid_address", True),
    ("address", "Rue de Fer 42, 5000 Namur", "wrong_type", True),
    # A date not in the future
    ("event_date", "1999-12-31", None, True),
    ("event_date", TOMORROW, "date_too_late", True),
    ("event_date", "2026-02-30", "invalid_date", True),
    # A decimal with bounds
    ("amount", 0, None, True),
    ("amount", 999.99, None, True),
    ("amount", -0.01, "too_small", True),
    ("amount", 1000.5, "too_big", True),
]


def _value(value):
    if value == TOMORROW:
        return (fields.today() + timedelta(days=1)).isoformat()
    return value


@pytest.mark.parametrize("field,value,code,expressible", CASES)
def test_server_and_json_schema_agree(
    schema, json_schema, field, value, code, expressible
):
    data = {**FIELDS_VALID, field: _value(value)}
    if code is None:
        assert field in clean_data(schema, data)
    else:
        assert errors_of(schema, data) == {field: code}
    # What JSON Schema can express, it says the same; a checksum it cannot,
    # and x-guichet-type names the rule instead.
    schema_says_valid = validator(json_schema).is_valid(data)
    assert schema_says_valid is (code is None or not expressible)


def test_values_are_stored_normalised(schema):
    assert clean_data(schema, FIELDS_VALID) == FIELDS_STORED
    # Normalised values are valid again (the HTML form sends them so).
    assert clean_data(schema, FIELDS_STORED) == FIELDS_STORED


def test_today_is_accepted_when_not_in_the_future(schema):
    today = fields.today().isoformat()
    assert (
        clean_data(schema, {**FIELDS_VALID, "event_date": today})["event_date"] == today
    )


def test_relative_dates_from_today(portal):
    field = fields.RelativeDate(min_days=1, max_days=14)
    day = date(2026, 3, 1)
    assert field.bounds(day) == (date(2026, 3, 2), date(2026, 3, 15))
    field.validate(fields.today() + timedelta(days=1))
    with pytest.raises(fields.DateTooEarly):
        field.validate(fields.today())
    with pytest.raises(fields.DateTooLate):
        field.validate(fields.today() + timedelta(days=15))


def test_json_schema_descriptions(json_schema):
    props = json_schema["properties"]
    assert json_schema["required"] == ["niss"]
    assert props["niss"]["x-guichet-type"] == "be-niss"
    assert props["iban"]["x-guichet-type"] == "iban"
    assert props["company"]["x-guichet-type"] == "be-enterprise-number"
    assert props["zip"]["pattern"] == "^[1-9][0-9]{3}$"
    assert props["phone"]["x-guichet-type"] == "phone"
    assert props["address"]["type"] == "object"
    assert props["address"]["required"] == [
        "street",
        "number",
        "postal_code",
        "locality",
    ]
    assert props["event_date"]["formatMaximum"] == fields.today().isoformat()
    assert props["event_date"]["x-guichet-max-days"] == 0
    assert props["amount"] == {
        "title": "Montant",
        "type": "number",
        "minimum": 0.0,
        "maximum": 1000.0,
    }


def test_supermodel_round_trip(schema):
    xml = serializeSchema(schema)
    assert 'type="imio.guichet.forms.fields.NISS"' in xml
    assert "<max_days>0</max_days>" in xml
    again = check_form_schema(xml)
    assert isinstance(again["phone"], fields.Phone)
    assert again["event_date"].max_days == 0


def test_phone_region(portal):
    form = FIELDS_FORM.replace(
        "<title>Téléphone</title>", "<title>Téléphone</title><region>FR</region>"
    )
    french = check_form_schema(form)
    assert french["phone"].region == "FR"
    data = {**FIELDS_VALID, "phone": "01 23 45 67 89"}
    assert clean_data(french, data)["phone"] == "+33123456789"


@pytest.mark.parametrize(
    "name",
    [
        "NISS",
        "IBAN",
        "EnterpriseNumber",
        "PostalCode",
        "Phone",
        "Address",
        "RelativeDate",
    ],
)
def test_schema_editor_offers_the_field(portal, name):
    factory = getUtility(IFieldFactory, name=f"imio.guichet.forms.fields.{name}")
    field = factory(title="x")
    assert isinstance(field, getattr(fields, name))


def test_file_in_a_list_is_refused(portal):
    form = """<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>
      <field name="docs" type="zope.schema.List"><title>D</title>
        <value_type type="plone.namedfile.field.NamedBlobFile" /></field>
    </schema></model>"""
    with pytest.raises(InvalidFormSchema, match="multiple choice"):
        check_form_schema(form)


# -- through POST @submissions and the HTML form (functional layer)


@pytest.fixture
def fields_site(site):
    site.demarches.x.form_schema = FIELDS_FORM
    transaction.commit()
    return site


BAD = {
    "niss": "85073003329",
    "iban": "BE71096123456768",
    "company": "0403.170.702",
    "zip": "0999",
    "phone": "12345",
    "address": {"street": "Rue de Fer", "number": "42"},
    "event_date": TOMORROW,
    "amount": 1000.5,
}
BAD_CODES = {
    "niss": "invalid_niss",
    "iban": "invalid_iban",
    "company": "invalid_enterprise_number",
    "zip": "invalid_postal_code",
    "phone": "invalid_phone",
    "address": "incomplete_address",
    "event_date": "date_too_late",
    "amount": "too_big",
}


class TestREST:
    def test_valid_values_are_stored_normalised(self, fields_site, session_for):
        anon = session_for("Anonymous")
        response = anon.post("demarches/x/@submissions", json={"data": FIELDS_VALID})
        assert response.status_code == 201, response.text
        transaction.begin()
        assert get_store().get(response.json()["id"]).data == FIELDS_STORED

    def test_every_invalid_value_is_refused_at_once(self, fields_site, session_for):
        anon = session_for("Anonymous")
        data = {name: _value(value) for name, value in BAD.items()}
        response = anon.post("demarches/x/@submissions", json={"data": data})
        assert response.status_code == 400
        errors = {e["field"]: e["code"] for e in response.json()["error"]["errors"]}
        assert errors == BAD_CODES

    def test_form_schema_agrees(self, fields_site, session_for):
        anon = session_for("Anonymous")
        published = anon.get("demarches/x/@form-schema").json()
        check = validator(published)
        assert check.is_valid(FIELDS_VALID)
        for name in ("niss", "zip", "address", "event_date", "amount", "phone"):
            bad = {**FIELDS_VALID, name: _value(BAD[name])}
            if name in ("niss",):  # a checksum: only the server knows
                assert check.is_valid(bad)
            else:
                assert not check.is_valid(bad), name
            assert (
                anon.post("demarches/x/@submissions", json={"data": bad}).status_code
                == 400
            )


@pytest.fixture
def browser(fields_site):
    browser = Browser(fields_site.aq_parent)
    browser.handleErrors = False
    browser.open(fields_site.demarches.x.absolute_url() + "/@@submit")
    return browser


def fill(browser, values):
    for name, value in values.items():
        if name == "address":
            for part, text in value.items():
                browser.getControl(name=f"form.widgets.address.{part}").value = text
        else:
            browser.getControl(name=f"form.widgets.{name}").value = str(value)


def error_next_to(browser, name):
    field = browser.contents.split(f'id="formfield-form-widgets-{name}"')[1]
    return field.split('id="formfield-form-widgets-')[0]


class TestHTMLForm:
    def test_valid_values_are_stored_normalised(self, browser):
        values = {**FIELDS_VALID, "event_date": "2020-02-29"}
        fill(browser, values)
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" in browser.url, browser.contents
        reference = browser.url.split("reference=")[1]
        transaction.begin()
        assert get_store().by_reference(reference).data == FIELDS_STORED

    @pytest.mark.parametrize("name", sorted(BAD))
    def test_invalid_value_shown_next_to_its_field(self, browser, name):
        fill(browser, {**FIELDS_VALID, name: _value(BAD[name])})
        transaction.begin()
        before = len(get_store() or ())
        browser.getControl(name="form.buttons.send").click()
        assert "@@confirmation" not in browser.url
        snippet = error_next_to(browser, name)
        assert "invalid-feedback" in snippet or "fieldErrorBox" in snippet, snippet
        transaction.begin()
        assert len(get_store() or ()) == before

    def test_address_widget_keeps_what_was_typed(self, browser):
        fill(browser, {**FIELDS_VALID, "niss": "1"})
        browser.getControl(name="form.buttons.send").click()
        assert browser.getControl(name="form.widgets.address.locality").value == "Namur"
        assert browser.getControl("Locality").value == "Namur"


def test_exports_show_addresses_and_files_as_text():
    from imio.guichet.forms.kinds.base import export_cells

    address = {**FIELDS_VALID["address"], "box": "b"}
    assert export_cells([address, {"filename": "a.pdf", "attachment": "document"}]) == [
        "Rue de Fer 42 bte b, 5000 Namur",
        "a.pdf",
    ]


def test_same_message_in_french_on_both_channels(fields_site, session_for):
    from plone import api

    api.portal.set_registry_record("plone.default_language", "fr")
    api.portal.set_registry_record("plone.available_languages", ["fr"])
    transaction.commit()
    data = {**FIELDS_VALID, "niss": "85073003329", "address": {"street": "Rue"}}
    response = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": data}
    )
    messages = {e["field"]: e["message"] for e in response.json()["error"]["errors"]}
    assert messages["niss"].startswith("Ce n'est pas un numéro de registre national")
    browser = Browser(fields_site.aq_parent)
    browser.open(fields_site.demarches.x.absolute_url() + "/@@submit")
    fill(browser, data)
    browser.getControl(name="form.buttons.send").click()
    assert messages["niss"] in error_next_to(browser, "niss")
    assert messages["address"] in error_next_to(browser, "address")
    assert browser.getControl("Localité").name == "form.widgets.address.locality"


@pytest.mark.parametrize(
    "field_xml,problem",
    [
        (
            '<field name="p" type="imio.guichet.forms.fields.Phone">'
            "<title>P</title><region>XX</region></field>",
            "p: unknown phone region 'XX'",
        ),
        (
            '<field name="d" type="imio.guichet.forms.fields.RelativeDate">'
            "<title>D</title><min_days>3</min_days><max_days>1</max_days></field>",
            "d: min_days is after max_days",
        ),
    ],
)
def test_unusable_settings_are_refused_on_save(portal, field_xml, problem):
    xml = (
        '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
        f"{field_xml}</schema></model>"
    )
    with pytest.raises(InvalidFormSchema, match=problem):
        check_form_schema(xml)


def test_fixed_and_relative_date_bounds_combine(portal):
    from imio.guichet.forms.jsonschema import field_json_schema

    fixed = check_form_schema(
        '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
        '<field name="d" type="zope.schema.Date"><title>D</title>'
        "<min>2026-01-01</min><max>2026-12-31</max></field>"
        '<field name="r" type="imio.guichet.forms.fields.RelativeDate"><title>R</title>'
        "<min>2000-01-01</min><min_days>-36500</min_days><max_days>0</max_days>"
        "</field></schema></model>"
    )
    assert field_json_schema(fixed["d"]) == {
        "type": "string",
        "format": "date",
        "formatMinimum": "2026-01-01",
        "formatMaximum": "2026-12-31",
    }
    relative = field_json_schema(fixed["r"])
    assert relative["formatMinimum"] == "2000-01-01"  # the later of both
    assert relative["formatMaximum"] == fields.today().isoformat()
    assert relative["x-guichet-min-days"] == -36500
    assert errors_of(fixed, {"d": "2026-05-01", "r": "1999-12-31"}) == {
        "r": "too_small"
    }
