"""Server-side validation of submitted data (shared by every channel)."""

from fixtures.forms import VALID_DATA
from imio.guichet.forms.jsonschema import field_json_schema
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.validation import clean_data
from imio.guichet.forms.validation import InvalidData
from plone import api

import pytest


def errors_of(schema, data, context=None):
    with pytest.raises(InvalidData) as refused:
        clean_data(schema, data, context)
    return {e.field: e.code for e in refused.value.errors}


@pytest.fixture
def schema(procedure):
    return procedure.get_form_schema()


def test_valid_data_is_normalised(schema):
    cleaned = clean_data(schema, {**VALID_DATA, "name": "  Jeanne Dupont "})
    assert cleaned == {
        **VALID_DATA,
        "name": "Jeanne Dupont",
        "purposes": ["school", "work"],  # a set: stored sorted
    }


@pytest.mark.parametrize(
    "address", ["o'hara+guichet@example.org", "jens@österreich.example"]
)
def test_addresses_e_mails_reach_are_kept_as_typed(schema, address):
    assert clean_data(schema, {**VALID_DATA, "email": address})["email"] == address


def test_optional_fields_may_be_left_out(schema):
    data = {"name": "A", "email": "a@example.org", "copies": 1, "delivery": "email"}
    # A checkbox left out is an unticked checkbox.
    assert clean_data(schema, data) == {**data, "consent": False}


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("name", None, "required"),
        ("name", "   ", "required"),
        ("name", 42, "wrong_type"),
        ("name", "x" * 51, "too_long"),
        ("name", "two\nlines", "single_line"),
        ("email", "not-an-email", "invalid_email"),
        # plone.schema takes these (one "@", no space); no e-mail reaches them.
        ("email", "jeanne,autre@example.org", "invalid_email"),
        ("email", '"jeanne"@example.org', "invalid_email"),
        ("email", "jéanne@example.org", "invalid_email"),
        ("birth_date", "31/31/1999", "invalid_date"),
        ("birth_date", "1999-02-30", "invalid_date"),
        ("birth_date", 19990101, "wrong_type"),
        ("copies", 0, "too_small"),
        ("copies", 6, "too_big"),
        ("copies", "2", "wrong_type"),
        ("copies", True, "wrong_type"),
        ("copies", 1.5, "wrong_type"),
        ("delivery", "pigeon", "invalid_choice"),
        ("delivery", ["post"], "wrong_type"),
        ("purposes", ["work", "holidays"], "invalid_choice"),
        ("purposes", "work", "wrong_type"),
        ("consent", "yes", "wrong_type"),
        ("comment", "x" * 10_001, "too_long"),
        ("name", "x" * 48 + "   ", "too_long"),  # measured as sent
        ("birth_date", "19990101", "invalid_date"),
        ("birth_date", "1999-W01-1", "invalid_date"),
        ("copies", 10**400, "too_big"),
        ("purposes", ["work", "work"], "not_unique"),
        ("delivery", 1, "wrong_type"),
    ],
)
def test_invalid_values(schema, field, value, code):
    assert errors_of(schema, {**VALID_DATA, field: value}) == {field: code}


def test_every_error_is_reported_at_once(schema):
    data = {"email": "nope", "copies": 9, "delivery": "pigeon", "hacker": 1}
    assert errors_of(schema, data) == {
        "hacker": "unknown_field",
        "name": "required",
        "email": "invalid_email",
        "copies": "too_big",
        "delivery": "invalid_choice",
    }


def test_not_an_object(schema):
    assert errors_of(schema, ["name"]) == {"": "wrong_type"}


def test_html_is_kept_as_text_not_interpreted(schema):
    # Stored as the citizen typed it; every view escapes it.
    payload = '<img src=x onerror="alert(1)">'
    assert clean_data(schema, {**VALID_DATA, "comment": payload})["comment"] == payload


MORE_FIELDS = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="appointment" type="zope.schema.Datetime">
      <title>Rendez-vous</title>
      <min>2026-01-01 08:00:00</min>
    </field>
    <field name="accept" type="zope.schema.Bool">
      <title>J'accepte les conditions</title>
    </field>
    <field name="ratio" type="zope.schema.Float">
      <title>Ratio</title>
      <required>False</required>
    </field>
    <field name="ranks" type="zope.schema.Tuple">
      <title>Rangs</title>
      <required>False</required>
      <value_type type="zope.schema.Choice">
        <values><element>a</element><element>b</element></values>
      </value_type>
    </field>
  </schema>
</model>
"""


@pytest.fixture
def more(portal):
    api.portal.set_registry_record("plone.portal_timezone", "Europe/Brussels")
    return check_form_schema(MORE_FIELDS)


def test_datetimes_need_an_offset_and_are_stored_in_site_time(more):
    data = {"appointment": "2026-06-01T08:30:00Z", "accept": True}
    assert clean_data(more, data)["appointment"] == "2026-06-01T10:30:00+02:00"
    for naive in ("2026-06-01T08:30:00", "2026-06-01 08:30+02:00", "tomorrow"):
        assert errors_of(more, {**data, "appointment": naive}) == {
            "appointment": "invalid_datetime"
        }
    # Bounds are in the site's local time.
    early = {**data, "appointment": "2026-01-01T07:30:00+01:00"}
    assert errors_of(more, early) == {"appointment": "too_small"}


def test_a_required_checkbox_must_be_ticked(more):
    data = {"appointment": "2026-06-01T08:30:00+02:00"}
    assert errors_of(more, data) == {"accept": "required"}
    assert errors_of(more, {**data, "accept": False}) == {"accept": "required"}
    assert clean_data(more, {**data, "accept": True})["accept"] is True


def test_numbers(more):
    data = {"appointment": "2026-06-01T08:30:00+02:00", "accept": True}
    assert clean_data(more, {**data, "ratio": 2})["ratio"] == 2.0
    assert errors_of(more, {**data, "ratio": float("nan")}) == {"ratio": "wrong_type"}


def test_tuple_keeps_order_and_repeats_as_its_schema_says(more):
    data = {"appointment": "2026-06-01T08:30:00+02:00", "accept": True}
    assert clean_data(more, {**data, "ranks": ["b", "a"]})["ranks"] == ["b", "a"]
    assert clean_data(more, {**data, "ranks": ["a", "a"]})["ranks"] == ["a", "a"]
    assert field_json_schema(more["ranks"])["uniqueItems"] is False


def test_integral_float_is_an_integer(schema):
    assert clean_data(schema, {**VALID_DATA, "copies": 2.0})["copies"] == 2
