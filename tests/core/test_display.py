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
