"""Exports of a procedure's submissions."""

from fixtures.accounts import REFUSED_ON_X
from fixtures.forms import VALID_DATA
from fixtures.forms import VALID_DATA as data
from openpyxl import load_workbook

import csv
import io
import json
import pytest


@pytest.fixture
def filed(site, session_for):
    anon = session_for("Anonymous")
    return [
        anon.post(
            "demarches/x/@submissions", json={"data": {**VALID_DATA, "copies": n}}
        ).json()["id"]
        for n in (1, 2, 3)
    ]


def test_csv(filed, session_for):
    response = session_for("backoffice_x").get("demarches/x/@submissions-export")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="x.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["id"] for row in rows] == filed
    assert [row["copies"] for row in rows] == ["1", "2", "3"]
    assert rows[0]["purposes"] == "school; work"
    assert rows[0]["state"] == "submitted"
    # The language each request was filed in, before the fields' columns
    # (named by the fields' names, the same in every language).
    assert list(rows[0])[7:10] == ["schema_version", "language", "name"]
    assert rows[0]["language"] == filed_language(session_for, filed[0])


def filed_language(session_for, submission_id):
    office = session_for("backoffice_x")
    language = office.get(f"@submissions/{submission_id}").json()["language"]
    assert language
    return language


def test_xlsx(filed, session_for):
    response = session_for("backoffice_x").get(
        "demarches/x/@submissions-export?format=xlsx"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("id", "reference")
    assert rows[0][8] == "language"
    assert [r[0] for r in rows[1:]] == filed


def test_jsonl_and_filters(filed, session_for):
    office = session_for("backoffice_x")
    etag = office.get(f"@submissions/{filed[1]}").headers["ETag"]
    office.patch(
        f"@submissions/{filed[1]}",
        json={"state": "received"},
        headers={"If-Match": etag},
    )
    response = office.get("demarches/x/@submissions-export?format=jsonl&state=received")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["id"] for line in lines] == [filed[1]]
    assert lines[0]["data"]["copies"] == 2
    assert lines[0]["language"] == filed_language(session_for, filed[1])
    today = lines[0]["created"][:10]
    everything = office.get(f"demarches/x/@submissions-export?from={today}&to={today}")
    assert len(everything.text.splitlines()) == 1 + 3
    nothing = office.get("demarches/x/@submissions-export?to=2000-01-01")
    assert len(nothing.text.splitlines()) == 1  # the header only


@pytest.mark.parametrize("who,status", REFUSED_ON_X)
def test_refused(filed, session_for, who, status):
    response = session_for(who).get("demarches/x/@submissions-export")
    assert response.status_code == status
    assert filed[0] not in response.text


@pytest.mark.parametrize(
    "query", ["format=pdf", "state=lost", "from=yesterday", "colour=red"]
)
def test_bad_parameters(filed, session_for, query):
    response = session_for("backoffice_x").get(
        f"demarches/x/@submissions-export?{query}"
    )
    assert response.status_code == 400


def test_exports_are_audited(filed, session_for):
    session_for("backoffice_x").get("demarches/x/@submissions-export?format=jsonl")
    records = session_for("siteadmin").get("@guichet-audit").json()["items"]
    assert [(r["actor"], r["action"]) for r in records] == [("backoffice_x", "export")]
    assert records[0]["details"]["count"] == 3


def test_command_line(portal, procedure, capsysbinary):
    from imio.guichet.submissions.api import submit

    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).parents[2] / "scripts" / "export_submissions.py"
    spec = importlib.util.spec_from_file_location("export_submissions", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from imio.guichet.audit import iter_records
    from plone import api
    from plone.app.testing import SITE_OWNER_NAME
    from plone.app.testing import TEST_USER_NAME

    filed = submit(procedure, data, submitter=None)
    path = "/".join(procedure.getPhysicalPath())
    app = portal.aq_parent
    as_owner = ["--user", SITE_OWNER_NAME]
    assert module.main(app, [*as_owner, "--from", "2000-01-01", path, "jsonl"]) == 0
    out, err = capsysbinary.readouterr()
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert [line["id"] for line in lines] == [filed.id]
    assert b"1 submissions exported" in err
    assert module.main(app, [*as_owner, path, "csv", "withdrawn"]) == 0
    records = list(iter_records())
    uid = api.content.get_uuid(procedure)
    assert [(r["actor"], r["details"]) for r in records] == [
        (
            SITE_OWNER_NAME,
            {
                "count": 1,
                "procedure": uid,
                "format": "jsonl",
                "from": "2000-01-01",
                "by": "command line",
            },
        ),
        (
            SITE_OWNER_NAME,
            {
                "count": 0,
                "procedure": uid,
                "format": "csv",
                "state": "withdrawn",
                "by": "command line",
            },
        ),
    ]
    assert module.main(app, [*as_owner, path, "pdf"]) == 2
    assert module.main(app, [*as_owner, "plone/nope"]) == 1
    # The account's permissions apply: none is assumed.
    assert module.main(app, [path, "csv"]) == 2
    assert module.main(app, ["--user", "nobody", path]) == 1
    assert module.main(app, ["--user", TEST_USER_NAME, path]) == 2
    assert len(list(iter_records())) == 2


@pytest.mark.parametrize("kind", ["csv", "jsonl", "xlsx"])
def test_sent_from_a_file_not_from_memory(filed, session_for, kind):
    """Zope's response.write() buffers everything under WSGI: the export is
    spooled to a temporary file instead, whose size the publisher announces."""
    response = session_for("backoffice_x").get(
        f"demarches/x/@submissions-export?format={kind}"
    )
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_spooled_file_is_rewound_and_removed_on_error():
    from imio.guichet.channels.streaming import spooled

    body = spooled(lambda write: [write(b"a,b\n"), write(b"1,2\n")])
    assert body.read() == b"a,b\n1,2\n"
    body.close()
    opened = []

    def failing(write):
        opened.append(write.__self__)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        spooled(failing)
    assert opened[0].closed


def test_the_widest_days_are_accepted(filed, session_for):
    # The bounds of every day filter (listings, pages, exports): 1900-2999.
    response = session_for("backoffice_x").get(
        "demarches/x/@submissions-export?format=jsonl&from=1900-01-01&to=2999-12-31"
    )
    assert response.status_code == 200
    assert len(response.text.splitlines()) == len(filed)


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31"])
def test_far_off_days_are_refused_as_in_the_listings(filed, session_for, query):
    """The staff page refuses them (tests/pages/test_staff_views.py): so does the
    export, with the same bounds."""
    response = session_for("backoffice_x").get(
        f"demarches/x/@submissions-export?{query}"
    )
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["code"] == "invalid_day"
