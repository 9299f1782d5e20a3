"""Retention over HTTP: a request ends, its retention passes (an injected
clock, never a sleep), the purge anonymises or deletes it; the change feed
and a webhook (a real HTTP receiver) report it; a held request survives.
Staff erase one request, or hold it, through REST and the HTML page alike."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.forms import VALID_DATA
from fixtures.receiver import Receiver
from imio.guichet.audit import iter_records
from imio.guichet.dashboard.counters import count_submissions
from imio.guichet.dashboard.counters import get_counters
from imio.guichet.retention.run import run_purge
from imio.guichet.submissions.api import get_store
from imio.guichet.webhooks.registry import SUBMISSION_ANONYMISED
from imio.guichet.webhooks.registry import SUBMISSION_DELETED
from plone import api
from zExceptions import NotFound

import json
import pytest
import transaction


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def procedure_x():
    return api.content.get(path="/demarches/x")


def set_retention(action, days=30, kept=("delivery",)):
    procedure = procedure_x()
    procedure.retention_days = days
    procedure.retention_action = action
    procedure.retention_kept_fields = list(kept)
    transaction.commit()


def file_and_end(session_for, office="backoffice_x"):
    """A request filed by a citizen, then rejected by the back office."""
    citizen = session_for("citizen_a")
    filed = citizen.post("demarches/x/@submissions", json={"data": VALID_DATA})
    assert filed.status_code == 201, filed.text
    submission_id = filed.json()["id"]
    staff = session_for(office)
    for state in ("received", "rejected"):
        etag = staff.get(f"@submissions/{submission_id}").headers["ETag"]
        moved = staff.patch(
            f"@submissions/{submission_id}",
            json={"state": state},
            headers={"If-Match": etag},
        )
        assert moved.status_code == 200, moved.text
    return filed.json()


def purge(days_later):
    transaction.begin()
    return run_purge(
        now=datetime.now(UTC) + timedelta(days=days_later),
        commit=transaction.commit,
        abort=transaction.abort,
    )


def feed(session):
    answer = session.get("@submissions", params={"since": "0"})
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}


def subscribe(session_for, url):
    uid = api.content.get_uuid(procedure_x())
    made = session_for("siteadmin").post(
        "@guichet-webhooks", json={"procedure": uid, "url": url}
    )
    assert made.status_code == 201, made.text


def assert_counters_as_recounted():
    store = get_store()
    recounted = count_submissions(
        store.by_key(key) for key in store.iter_keys(None, None, None)
    ).of(api.content.get_uuid(procedure_x()))
    live = get_counters().of(api.content.get_uuid(procedure_x()))

    def weeks(counters):
        return {week: n() for week, n in counters.weeks.items() if n()}

    assert weeks(live) == weeks(recounted)
    assert live.decided() == recounted.decided()


def purge_records():
    transaction.begin()
    return [r for r in iter_records() if r["action"] == "retention_purge"]


@pytest.mark.parametrize("action", ["anonymise", "delete"])
def test_the_purge_after_the_retention(site, session_for, receiver, action):
    subscribe(session_for, receiver.url)
    set_retention(action)
    ended = file_and_end(session_for)
    held = file_and_end(session_for)
    office = session_for("backoffice_x")
    placed = office.post(
        f"@submissions/{held['id']}/@hold", json={"reason": "Recours au Conseil d'Etat"}
    )
    assert placed.status_code == 200, placed.text
    receiver.wait_for(6)  # two filings, four changes of state
    before = len(receiver.received)

    counts = purge(29)  # not yet
    assert (counts.anonymised, counts.deleted) == (0, 0)

    counts = purge(31)
    assert (counts.anonymised + counts.deleted, counts.held) == (1, 1)
    items = feed(office)
    if action == "anonymise":
        item = items[ended["id"]]
        assert item["anonymised"] is True
        assert item["submitter"] is None
        assert item["data"] == {"delivery": VALID_DATA["delivery"]}
        whole = office.get(f"@submissions/{ended['id']}").json()
        assert "Jeanne" not in json.dumps(whole)
        assert [e["action"] for e in whole["history"]][-1] == "anonymise"
    else:
        assert items[ended["id"]] == {
            "@type": "DeletedSubmission",
            "id": ended["id"],
            "reference": ended["reference"],
            "procedure": items[ended["id"]]["procedure"],
            "deleted": True,
        }
        assert items[ended["id"]]["procedure"]["UID"] == api.content.get_uuid(
            procedure_x()
        )
        assert office.get(f"@submissions/{ended['id']}").status_code == 404
    assert items[held["id"]]["anonymised"] is False
    assert items[held["id"]]["legal_hold"] is True
    assert items[held["id"]]["data"]["name"] == VALID_DATA["name"]
    # The search index and the dashboard's counters followed the erasure.
    found = office.get("@submissions", params={"q": "Jeanne"})
    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()["items"]] == [held["id"]]
    transaction.begin()
    assert_counters_as_recounted()

    (_, body), *_ = receiver.wait_for(before + 1)[before:]
    event = json.loads(body)
    assert event["type"] == (
        SUBMISSION_ANONYMISED if action == "anonymise" else SUBMISSION_DELETED
    )
    assert event["subject"] == ended["id"]
    assert event["data"]["reference"] == ended["reference"]
    assert "Jeanne" not in body.decode()

    (record,) = purge_records()[-1:]
    assert record["actor"] is None and record["submissions"] == []
    assert record["details"]["anonymised" if action == "anonymise" else "deleted"] == 1
    assert record["details"]["held"] == 1

    # Nothing more the next day: the held one is still held.
    counts = purge(32)
    assert (counts.anonymised, counts.deleted, counts.held) == (0, 0, 1)


def test_the_audit_trail_has_its_retention(site, session_for):
    file_and_end(session_for)  # records of changes in the database
    transaction.begin()
    assert any(r["action"] == "change_state" for r in iter_records())
    api.portal.set_registry_record(
        "imio.guichet.retention.settings.IRetentionSettings.audit_retention_days", 10
    )
    transaction.commit()
    counts = purge(11)
    assert counts.audit_records == 2  # the two changes of state, by now past
    transaction.begin()
    assert [r["action"] for r in iter_records()] == ["retention_purge"]


def erase_over_rest(session, submission_id, **body):
    return session.post(f"@submissions/{submission_id}/@erase", json=body)


def erase_on_page(browser, site, submission_id, *, action, reason, confirm):
    browser.raiseHttpErrors = False  # a refusal is shown with its status
    browser.open(f"{site.absolute_url()}/@@guichet-request?id={submission_id}")
    form = browser.getForm(id="request-erase-form")
    form.getControl(name="action").value = [action]
    form.getControl(name="reason").value = reason
    form.getControl(name="confirm").controls[0].selected = confirm
    form.getControl(name="erase").click()
    return browser


def last_record(action="erase"):
    transaction.begin()
    found = [r for r in iter_records() if r["action"] == action][-1]
    details = {k: v for k, v in found["details"].items() if k != "ui"}
    return found["actor"], found["submissions"], details


@pytest.mark.parametrize("how", ["anonymise", "delete"])
def test_erase_now_rest_and_html_alike(site, session_for, browser_for, how):
    by_rest = file_and_end(session_for)
    by_page = file_and_end(session_for)
    admin = session_for("siteadmin")
    reason = "Demande d'effacement du citoyen (art. 17)"

    # Refused alike: no confirmation.
    refused = erase_over_rest(admin, by_rest["id"], action=how, reason=reason)
    assert refused.status_code == 400, refused.text
    assert [(e["field"], e["code"]) for e in refused.json()["error"]["errors"]] == [
        ("confirm", "required")
    ]
    page = erase_on_page(
        browser_for("siteadmin"),
        site,
        by_page["id"],
        action=how,
        reason=reason,
        confirm=False,
    )
    assert 'data-error-field="confirm"' in page.contents
    assert 'data-error-code="required"' in page.contents

    done = erase_over_rest(
        admin, by_rest["id"], action=how, reason=reason, confirm=True
    )
    assert done.status_code == 200, done.text
    rest_record = last_record()
    erase_on_page(
        browser_for("siteadmin"),
        site,
        by_page["id"],
        action=how,
        reason=reason,
        confirm=True,
    )
    page_record = last_record()
    assert rest_record[1] == [by_rest["id"]] and page_record[1] == [by_page["id"]]
    assert rest_record[0] == page_record[0] == "siteadmin"
    assert rest_record[2] == page_record[2] == {"how": how, "reason": reason}
    transaction.begin()
    store = get_store()
    for filed in (by_rest, by_page):
        found = store.get(filed["id"])
        if how == "delete":
            assert found is None
        else:
            assert found.anonymised is not None and "name" not in found.data


def test_erase_needs_its_permission_and_no_hold(site, session_for, browser_for):
    filed = file_and_end(session_for)
    office = session_for("backoffice_x")
    body = {"action": "delete", "reason": "x", "confirm": True}
    assert erase_over_rest(office, filed["id"], **body).status_code == 403
    assert (
        erase_over_rest(session_for("backoffice_y"), filed["id"], **body).status_code
        == 403
    )
    assert (
        erase_over_rest(session_for("Anonymous"), filed["id"], **body).status_code
        == 401
    )
    browser = browser_for("backoffice_x")
    browser.open(f"{site.absolute_url()}/@@guichet-request?id={filed['id']}")
    assert "request-erase-form" not in browser.contents
    assert "request-hold-form" in browser.contents

    held = office.post(f"@submissions/{filed['id']}/@hold", json={"reason": "Recours"})
    assert held.json()["legal_hold"]["reason"] == "Recours"
    refused = erase_over_rest(session_for("siteadmin"), filed["id"], **body)
    assert (
        refused.status_code == 409 and refused.json()["error"]["code"] == "legal_hold"
    )
    assert last_record("legal_hold") == (
        "backoffice_x",
        [filed["id"]],
        {"reason": "Recours"},
    )

    lifted = office.post(
        f"@submissions/{filed['id']}/@hold", json={"hold": False, "reason": "Jugé"}
    )
    assert lifted.status_code == 200 and lifted.json()["legal_hold"] is None
    assert (
        erase_over_rest(session_for("siteadmin"), filed["id"], **body).status_code
        == 200
    )

    with pytest.raises(NotFound):  # deleted
        browser.open(f"{site.absolute_url()}/@@guichet-request?id={filed['id']}")


def test_the_cron_script(site, session_for, capsys):
    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).parents[2] / "scripts" / "purge_submissions.py"
    spec = importlib.util.spec_from_file_location("purge_submissions", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    set_retention("delete", days=10)
    filed = file_and_end(session_for)
    site_path = "/".join(site.getPhysicalPath())
    later = datetime.now(UTC) + timedelta(days=11)
    assert module.main(site.aq_parent, [site_path], now=later) == 0
    assert "0 requests anonymised, 1 deleted" in capsys.readouterr().err
    transaction.begin()
    assert get_store().get(filed["id"]) is None
    (record,) = purge_records()
    assert record["details"]["by"] == "command line"
    assert record["details"]["deleted"] == 1
    assert module.main(site.aq_parent, ["nowhere"]) == 1
    assert module.main(site.aq_parent, []) == 2


def test_the_daily_run_one_instance_at_a_time(site, monkeypatch):
    """Two instances (two connections) find the night's run due at once:
    the one whose lease commits first runs it, the other leaves it; neither
    runs again before the next night (an injected clock)."""
    from imio.guichet.retention import worker

    schedule = worker.get_schedule(site)
    installed = schedule.next_run
    assert installed == worker.next_night(installed - timedelta(hours=1))
    assert installed.hour == worker.PURGE_HOUR
    now = [installed - timedelta(minutes=5)]
    monkeypatch.setattr(worker, "clock", lambda: now[0])
    db = site._p_jar.db()
    path = site.getPhysicalPath()
    managers = [transaction.TransactionManager() for _ in range(2)]
    conns = [db.open(transaction_manager=tm) for tm in managers]
    try:
        sites = []
        for tm, conn in zip(managers, conns, strict=True):
            tm.begin()
            sites.append(conn.root()["Application"].unrestrictedTraverse(path))
        # Not yet: nothing written.
        assert worker._run_due(sites[0], managers[0].commit, managers[0].abort) == (
            installed
        )
        now[0] = installed + timedelta(seconds=30)
        first = worker._run_due(sites[0], managers[0].commit, managers[0].abort)
        assert first == installed + timedelta(days=1)
        second = worker._run_due(sites[1], managers[1].commit, managers[1].abort)
        assert second == now[0] + timedelta(minutes=1)  # its lease conflicted
        managers[1].begin()
        assert worker._run_due(sites[1], managers[1].commit, managers[1].abort) == (
            installed + timedelta(days=1)
        )  # not due again before the next night
        managers[1].abort()
    finally:
        for tm, conn in zip(managers, conns, strict=True):
            tm.abort()
            conn.close()
    transaction.begin()
    runs = purge_records()
    assert len(runs) == 1 and runs[0]["details"]["by"] == "daily purge"


def test_a_hold_without_reason_is_refused_alike(site, session_for, browser_for):
    filed = file_and_end(session_for)
    refused = session_for("backoffice_x").post(
        f"@submissions/{filed['id']}/@hold", json={"reason": "  "}
    )
    assert refused.status_code == 400
    errors = refused.json()["error"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("reason", "required")]
    browser = browser_for("backoffice_x")
    browser.raiseHttpErrors = False
    browser.open(f"{site.absolute_url()}/@@guichet-request?id={filed['id']}")
    browser.getForm(id="request-hold-form").submit()
    assert 'id="request-hold-reason-error"' in browser.contents
    assert 'id="request-erase-reason-error"' not in browser.contents
    assert 'data-error-code="required"' in browser.contents
    transaction.begin()
    assert get_store().get(filed["id"]).legal_hold is None


def test_tombstones_of_one_transaction_page_by_page(site, session_for):
    """A purge deletes several requests in one transaction (one tid): read
    a page at a time, the feed gives every tombstone, none skipped."""
    set_retention("delete")
    filed = [file_and_end(session_for)["id"] for _ in range(3)]
    assert purge(31).deleted == 3
    office = session_for("backoffice_x")
    seen, since = [], "0"
    while True:
        page = office.get("@submissions", params={"since": since, "limit": 1}).json()
        seen += [item["id"] for item in page["items"] if item.get("deleted")]
        if page["next"] is None:
            break
        since = page["cursor"]
    assert sorted(seen) == sorted(filed)
