"""The audit trail of staff access to submissions."""

from fixtures.forms import VALID_DATA

import csv
import io
import pytest


@pytest.fixture
def filed(site, session_for):
    response = session_for("Anonymous").post(
        "demarches/x/@submissions", json={"data": VALID_DATA}
    )
    return response.json()["id"]


def trail(session_for):
    response = session_for("siteadmin").get("@guichet-audit")
    assert response.status_code == 200
    return response.json()["items"]


def test_reads_and_changes_are_recorded(filed, session_for):
    assert trail(session_for) == []  # filing is not staff access
    office = session_for("backoffice_x")
    etag = office.get(f"@submissions/{filed}").headers["ETag"]
    office.get("@submissions")
    office.post(f"@submissions/{filed}/@ack")
    etag = office.get(f"@submissions/{filed}").headers["ETag"]
    office.patch(
        f"@submissions/{filed}", json={"state": "received"}, headers={"If-Match": etag}
    )
    records = trail(session_for)
    assert [(r["actor"], r["action"]) for r in records] == [
        ("backoffice_x", "read"),
        ("backoffice_x", "list"),
        ("backoffice_x", "acknowledge"),
        ("backoffice_x", "read"),
        ("backoffice_x", "change_state"),
    ]
    assert all(r["submissions"] == [filed] for r in records)
    assert records[-1]["details"] == {"from": "submitted", "to": "received"}


def test_refused_reads_are_not_recorded_as_access(filed, session_for):
    assert session_for("citizen_a").get(f"@submissions/{filed}").status_code == 403
    assert session_for("Anonymous").get("@submissions").status_code == 401
    assert trail(session_for) == []


@pytest.mark.parametrize("who", ["Anonymous", "citizen_a", "editor", "backoffice_x"])
def test_only_site_administrators_see_the_trail(filed, session_for, who):
    session_for("backoffice_x").get(f"@submissions/{filed}")
    response = session_for(who).get("@guichet-audit")
    assert response.status_code in (401, 403)
    assert filed not in response.text


def test_pages_and_csv_export(filed, session_for):
    office = session_for("backoffice_x")
    for _ in range(3):
        office.get(f"@submissions/{filed}")
    admin = session_for("siteadmin")
    page = admin.get("@guichet-audit?limit=2").json()
    assert len(page["items"]) == 2
    assert page["items_total"] == 3
    rest = admin.get(page["next"]).json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert admin.get("@guichet-audit?limit=0").status_code == 400
    assert admin.get("@guichet-audit?after=forged").status_code == 400
    exported = admin.get("@guichet-audit?format=csv")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    # Spooled to a file, not buffered by response.write (see streaming.py).
    assert int(exported.headers["Content-Length"]) == len(exported.content)
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["date", "actor", "action", "submissions", "details"]
    assert [row[1:4] for row in rows[1:]] == [["backoffice_x", "read", filed]] * 3
