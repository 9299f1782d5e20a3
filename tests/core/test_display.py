"""Answers for people: files and addresses are not shown as raw JSON."""

from imio.guichet.forms.display import format_size
from imio.guichet.forms.display import format_value
from zope.schema import TextLine


FIELD = TextLine(title="x")


def test_file_shows_its_name_and_size():
    descriptor = {
        "filename": "plan.pdf",
        "content-type": "application/pdf",
        "size": 250_000,
        "sha256": "0" * 64,
        "attachment": "plan",
    }
    assert format_value(FIELD, descriptor) == "plan.pdf (244 Ko)"


def test_address_on_one_line():
    address = {
        "street": "Rue de Fer",
        "number": "12",
        "box": "3",
        "postal_code": "5000",
        "locality": "Namur",
    }
    assert format_value(FIELD, address) == "Rue de Fer 12 bte 3, 5000 Namur"


def test_sizes():
    assert format_size(900) == "900 o"
    assert format_size(2048) == "2 Ko"
    assert format_size(3 * 1024 * 1024 + 200_000) == "3,2 Mo"


def test_a_field_never_asked_is_left_out():
    """Issue #17: a conditional field whose condition did not hold is not
    shown as an empty answer; one that was asked and left empty is."""
    from fixtures.forms import CONDITIONS_FORM
    from imio.guichet.forms.display import answers
    from imio.guichet.forms.model import load_form_schema

    schema = load_form_schema(CONDITIONS_FORM)
    data = {"applicant": "person", "scaffolding": True, "height": 3.5}
    shown = [
        row["name"] for section in answers(schema, data) for row in section["rows"]
    ]
    assert "height" in shown
    # Not asked: there is a scaffolding, and the applicant is a person.
    assert "no_scaffolding_reason" not in shown
    assert "org_name" not in shown and "vat_number" not in shown
    data = {"applicant": "person", "scaffolding": False}
    rows = {
        row["name"]: row["value"]
        for section in answers(schema, data)
        for row in section["rows"]
    }
    assert "height" not in rows
    # Asked (no scaffolding) but left empty: still listed, as "—".
    assert rows["no_scaffolding_reason"] == "—"
