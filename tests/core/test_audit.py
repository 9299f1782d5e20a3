"""The audit trail of staff access to submissions."""

from fixtures.accounts import PASSWORD
from fixtures.forms import VALID_DATA
from imio.guichet.audit import get_audit_log
from imio.guichet.audit import site_journal
from imio.guichet.audit import store
from imio.guichet.audit.store import settings_of
from pathlib import Path
from plone.uuid.interfaces import IUUID
from types import SimpleNamespace

import base64
import csv
import io
import json
import pytest
import requests
import transaction


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
    assert "items_total" not in page  # the journal's lines are not counted
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
    header = ["date", "actor", "action", "submissions", "details", "references"]
    assert rows[0] == header
    assert [row[1:4] for row in rows[1:]] == [["backoffice_x", "read", filed]] * 3
    reference = office.get(f"@submissions/{filed}").json()["reference"]
    assert {row[5] for row in rows[1:]} == {reference}


def test_changes_and_reads_are_one_trail(filed, session_for, audit_journal):
    """Changes are in the database, reads in the journal's files: the trail
    merges them in time order, page by page with one kind of cursor, and
    in the CSV file."""
    office = session_for("backoffice_x")
    office.get(f"@submissions/{filed}")
    office.post(f"@submissions/{filed}/@ack")
    office.get("@submissions")
    office.post(f"@submissions/{filed}/@ack")
    office.get(f"@submissions/{filed}")
    admin = session_for("siteadmin")
    whole = admin.get("@guichet-audit").json()["items"]
    actions = ["read", "acknowledge", "list", "acknowledge", "read"]
    assert [r["action"] for r in whole] == actions
    assert [r["details"].get("first") for r in whole] == [None, True, None, False, None]
    # The reads are in the journal's files, not in the database.
    transaction.begin()
    assert len(get_audit_log()) == 2
    journaled = [
        json.loads(line)
        for path in audit_journal.glob("*/*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert sorted(r["id"] for r in journaled) == [
        r["id"] for r in whole if r["action"] in ("read", "list")
    ]
    paged, url = [], "@guichet-audit?limit=1"
    while url:
        answer = admin.get(url).json()
        paged += answer["items"]
        url = answer["next"]
    assert paged == whole
    rows = list(csv.reader(io.StringIO(admin.get("@guichet-audit?format=csv").text)))
    assert [row[2] for row in rows[1:]] == actions
    assert [row[0] for row in rows[1:]] == [r["date"] for r in whole]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "forged",
        b64("../../etc/passwd"),
        b64("1" * 17 + ":" + "g" * 32),
        b64("1" * 16 + ":" + "0" * 32),
        b64("1" * 17 + ":" + "0" * 32 + "\n"),
    ],
)
def test_a_forged_cursor_is_refused(filed, session_for, cursor):
    session_for("backoffice_x").get(f"@submissions/{filed}")  # one read
    answer = session_for("siteadmin").get("@guichet-audit", params={"after": cursor})
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["code"] == "invalid_cursor"


def test_nothing_is_shown_that_the_trail_cannot_hold(
    site, filed, session_for, audit_journal, monkeypatch
):
    """A read whose record cannot be written (a full disk, a folder that
    cannot be made) is refused with 503, and shows nothing."""
    blocker = audit_journal.parent / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(store, "journal_settings", lambda: (blocker / "journal", 400))
    answer = session_for("backoffice_x").get(f"@submissions/{filed}")
    assert answer.status_code == 503
    assert answer.json()["error"]["type"] == "ServiceUnavailable"
    assert "data" not in answer.json()
    assert session_for("backoffice_x").get("@submissions").status_code == 503
    # The staff's pages too: 503, and nothing of the request.
    browser = requests.Session()
    browser.auth = ("backoffice_x", PASSWORD)
    for path in (
        f"@@guichet-request?id={filed}",
        "@@guichet-requests",
        "demarches/x/@@guichet-export?format=csv",
    ):
        for accept in ("text/html", "*/*"):  # Plone's error page, or its JSON
            page = browser.get(
                f"{site.absolute_url()}/{path}", headers={"Accept": accept}
            )
            assert page.status_code == 503, path
            assert VALID_DATA["name"] not in page.text


def test_each_site_has_its_folder(site, audit_journal):
    assert site_journal(site).folder == audit_journal / IUUID(site)


def test_settings_from_zope_conf():
    configured = SimpleNamespace(
        product_config={
            "imio.guichet": {
                "audit-journal": "/srv/guichet/audit",
                "audit-journal-retention-days": "30",
            }
        },
        clienthome="/srv/instance/var",
    )
    assert settings_of(configured) == (Path("/srv/guichet/audit"), 30)
    # Not configured: next to the database, in the instance's var; the
    # writer deletes nothing (the daily purge applies the control panel's
    # retention of the audit trail).
    bare = SimpleNamespace(product_config=None, clienthome="/srv/instance/var")
    assert settings_of(bare) == (Path("/srv/instance/var/audit"), 0)
    for wrong in ("a year", "-1"):
        configured.product_config["imio.guichet"]["audit-journal-retention-days"] = (
            wrong
        )
        with pytest.raises(ValueError, match="audit-journal-retention-days"):
            settings_of(configured)


def test_the_log_newest_first():
    """The database's log read backwards, shard by shard, from a cursor or
    a time bound (``"<µs>:"``, before every record of that µs)."""
    from datetime import datetime
    from datetime import timedelta
    from datetime import UTC
    from imio.guichet.audit.keys import micros_since_epoch
    from imio.guichet.audit.store import AuditLog
    from imio.guichet.audit.store import key_before

    log = AuditLog()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n in range(100):
        log.add({"n": n}, start + timedelta(seconds=n // 3))  # 3 per second
    forwards = list(log.keys())
    assert list(log.keys_before()) == forwards[::-1]
    for index in (0, 1, 50, 99):
        assert list(log.keys_before(forwards[index])) == forwards[:index][::-1]
    bound = f"{micros_since_epoch(start + timedelta(seconds=10)):017d}:"
    assert list(log.keys_before(bound)) == forwards[:30][::-1]
    assert (
        key_before("00000000000000010:" + "0" * 32) == "00000000000000009:" + "f" * 32
    )
    assert key_before("00000000000000010:" + "0" * 31 + "a") == (
        "00000000000000010:" + "0" * 31 + "9"
    )


def test_every_action_has_words():
    """The audit trail's page names every action in words (never its code)."""
    from imio.guichet.audit.api import ACTIONS
    from imio.guichet.usecases.audit import ACTION_LABELS

    assert set(ACTIONS) == set(ACTION_LABELS)
