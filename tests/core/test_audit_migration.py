"""Upgrade step 1001: the audit trail leaves the submission store for its
own store, records unchanged and in the same order."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.audit import get_audit_log
from imio.guichet.audit.store import AUDIT_KEY
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.audit import AuditLog as OldAuditLog
from imio.guichet.upgrades.v1001 import move_audit_trail
from zope.annotation.interfaces import IAnnotations


PACKAGE = "imio.guichet"


def old_records(count: int) -> list[dict]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        {
            "date": (start + timedelta(minutes=n)).isoformat(),
            "actor": f"office_{n}",
            "action": "read",
            "submissions": [f"{n:032x}"],
            "details": {"n": n},
        }
        for n in range(count)
    ]


def test_records_are_moved_in_order(portal):
    store = get_store(create=True)
    old = store._audit = OldAuditLog()
    written = old_records(5)
    keys = [
        old.add(record, datetime.fromisoformat(record["date"])) for record in written
    ]
    assert len(get_audit_log()) == 0  # made at install, empty

    assert move_audit_trail() == 5

    log = get_audit_log()
    assert list(log.keys(None)) == keys  # same keys: old cursors still work
    assert [log.get(key) for key in keys] == written
    assert len(log) == 5
    assert getattr(store, "_audit", None) is None
    assert "_audit" not in store.__dict__
    # Run twice (or on a site that never had a trail): nothing to do.
    assert move_audit_trail() == 0
    assert len(get_audit_log()) == 5


def test_records_made_meanwhile_are_kept(portal):
    """Records the new code wrote before the upgrade ran stay, merged in
    time order with the moved ones."""
    store = get_store(create=True)
    old = store._audit = OldAuditLog()
    early, late = old_records(2)
    new_log = get_audit_log(create=True)
    new_key = new_log.add(late, datetime.fromisoformat(late["date"]))
    old_key = old.add(early, datetime.fromisoformat(early["date"]))
    move_audit_trail()
    assert list(get_audit_log().keys(None)) == [old_key, new_key]


def test_a_site_without_trail(portal):
    assert getattr(get_store(create=True), "_audit", None) is None
    assert move_audit_trail() == 0
    assert len(get_audit_log()) == 0


def test_upgrading_a_site_of_version_1000(portal, setup_tool):
    """As version 1000 left a site: records in the submission store, no
    audit store."""
    profile = f"{PACKAGE}:default"
    IAnnotations(portal).pop(AUDIT_KEY)
    old = get_store()._audit = OldAuditLog()
    [record] = old_records(1)
    key = old.add(record, datetime.fromisoformat(record["date"]))
    setup_tool.setLastVersionForProfile(profile, "1000")

    setup_tool.upgradeProfile(profile, dest="1001")  # this step only

    assert setup_tool.getLastVersionForProfile(profile) == ("1001",)
    assert [get_audit_log().get(k) for k in get_audit_log().keys(None)] == [record]
    assert list(get_audit_log().keys(None)) == [key]
    assert getattr(get_store(), "_audit", None) is None


def test_registered_from_1000_to_1001(setup_tool):
    listed = setup_tool.listUpgrades(f"{PACKAGE}:default", show_old=True)
    steps = [s for item in listed for s in (item if isinstance(item, list) else [item])]
    [step] = [s for s in steps if s["title"] == "The audit trail in its own store"]
    assert (tuple(step["source"]), tuple(step["dest"])) == (("1000",), ("1001",))


def test_a_stored_old_log_is_read_back_and_moved(tmp_path):
    """On a real FileStorage: the old-shaped log is committed, read back
    by a new database (every stored class unpickled again), moved, and the
    moved records read back once more."""
    from imio.guichet.audit.store import AuditLog
    from imio.guichet.submissions.storage import SubmissionStore
    from imio.guichet.upgrades.v1001 import move_records
    from ZODB.DB import DB
    from ZODB.FileStorage import FileStorage

    import transaction

    path = str(tmp_path / "Data.fs")

    def opened():
        return DB(FileStorage(path))

    written = old_records(3)
    database = opened()
    with database.transaction() as conn:
        store = conn.root()["store"] = SubmissionStore()
        store._audit = OldAuditLog()
        keys = [
            store._audit.add(record, datetime.fromisoformat(record["date"]))
            for record in written
        ]
    database.close()

    database = opened()
    with database.transaction() as conn:
        store = conn.root()["store"]
        assert type(store._audit) is OldAuditLog
        assert [store._audit.get(key) for key in store._audit.keys(None)] == written
        log = conn.root()["audit"] = AuditLog()
        assert move_records(store, log) == 3
    database.close()

    database = opened()
    conn = database.open()
    try:
        log, store = conn.root()["audit"], conn.root()["store"]
        assert list(log.keys(None)) == keys
        assert [log.get(key) for key in keys] == written
        assert "_audit" not in store.__dict__
    finally:
        transaction.abort()
        conn.close()
        database.close()
