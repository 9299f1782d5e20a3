"""Issue #14: a refused *add* in the form editor says why once, next to
the short name, in the reader's words, and never also that it succeeded."""

from test_form_editor import add_field
from test_form_editor import stored_fields

import pytest


def refusal_next_to_the_name(browser) -> str:
    """The message next to the short name; fails if the page also says the
    field was added, or says the refusal twice."""
    page = browser.contents
    assert "Field added successfully" not in page
    assert "not saved" not in page  # not the XML's problems at the top
    name = page.split('id="formfield-form-widgets-__name__"')[1]
    name = name.split('id="formfield-')[0]
    assert "invalid-feedback" in name or "fieldErrorBox" in name, name
    return " ".join(name.split())


@pytest.mark.parametrize(
    "name, said",
    [
        ("email", "already used"),
        ("nomDeFamille", "lower-case letters"),
        ("nom.famille", "lower-case letters"),
        ("n" * 64, "63 characters"),
    ],
)
def test_a_refused_add_is_said_once_next_to_the_name(site, browser_for, name, said):
    browser = browser_for("editor")
    before = stored_fields()
    add_field(browser, site, "Nom de famille", name, "label_textline_field")
    refusal = refusal_next_to_the_name(browser)
    assert said in refusal, refusal
    assert browser.contents.count(said) == 1
    assert stored_fields() == before
