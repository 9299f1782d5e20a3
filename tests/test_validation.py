"""Server-side validation of submitted data (shared by every channel)."""

from conftest import VALID_DATA
from imio.guichet.forms.validation import clean_data
from imio.guichet.forms.validation import InvalidData

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


def test_optional_fields_may_be_left_out(schema):
    data = {"name": "A", "email": "a@example.org", "copies": 1, "delivery": "email"}
    assert clean_data(schema, data) == data


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("name", None, "required"),
        ("name", "   ", "required"),
        ("name", 42, "wrong_type"),
        ("name", "x" * 51, "too_long"),
        ("name", "two\nlines", "single_line"),
        ("email", "not-an-email", "invalid_email"),
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
