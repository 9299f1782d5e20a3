"""Retention on a real database: anonymise and delete (blobs gone from the
blob storage after a pack, tombstones in the change feed), the purge with
an injected clock, and a purge racing a staff change."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.stored import make_submission
from imio.guichet.forms.uploads import CheckedUpload
from imio.guichet.retention import erasure
from imio.guichet.retention.policy import ended_at
from imio.guichet.retention.policy import Retention
from imio.guichet.retention.purge import purge_store
from imio.guichet.submissions import feed as feed_module
from imio.guichet.submissions.attachments import make_attachments
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.storage import SubmissionStore
from ZODB.DB import DB
from ZODB.FileStorage import FileStorage

import pytest
import threading
import time
import transaction


FILED = datetime(2026, 1, 5, 9, tzinfo=UTC)
ENDED = datetime(2026, 2, 1, 10, tzinfo=UTC)


@pytest.fixture
def blob_db(tmp_path):
    storage = FileStorage(str(tmp_path / "Data.fs"), blob_dir=str(tmp_path / "blobs"))
    database = DB(storage)
    with database.transaction() as conn:
        conn.root()["store"] = SubmissionStore()
    yield database
    database.close()


def blob_files(tmp_path):
    return sorted(
        path
        for path in (tmp_path / "blobs").rglob("*.blob")
        if not path.parent.name.startswith("tmp")
    )


def ended_request(store, *, procedure="p1", submitter="jdupont", ended=ENDED):
    """A request filed, answered with a file and a message, then closed."""
    submission = make_submission(
        FILED, procedure, submitter=submitter, submitter_key="key-" + submitter
    )
    submission.data = {"name": "Jean Dupont", "category": "pothole", "photo": {}}
    submission.verified_identity = {"national_number": "85073003328"}
    submission.attachments = make_attachments(
        {"photo": CheckedUpload("trou.png", "image/png", b"\x89PNG rue de Fer")}
    )
    store.add(submission)
    store.index_submitter(submission, store.key_of(submission))
    submission.add_event(
        {
            "action": "message",
            "date": FILED.isoformat(),
            "actor": submitter,
            "by": CITIZEN,
            "public_message": "J'habite rue de Fer 12",
            "files": [{"name": "reply-1-1", "filename": "plan.pdf"}],
        }
    )
    for state in ("received", "in_progress", "rejected"):
        # What lifecycle.change_state records (without its event: no site).
        submission.add_event(
            {
                "action": "transition",
                "date": ended.isoformat(),
                "actor": "agent",
                "by": "staff",
                "from_state": submission.state,
                "to_state": state,
                "public_message": "Refus: M. Dupont" if state == "rejected" else "",
                "internal_note": "note interne",
            }
        )
        store.change_state(submission, state)
    return submission


def policy_of(action, days=30, kept=("category",)):
    retention = Retention(days=days, action=action, kept_fields=tuple(kept))
    return lambda uid: retention


def test_anonymise_keeps_state_dates_and_history_without_texts(blob_db, tmp_path):
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        submission = ended_request(store)
        key = store.key_of(submission)
    assert len(blob_files(tmp_path)) == 1
    now = ENDED + timedelta(days=31)
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        submission = store.by_key(key)
        erasure.anonymise(store, submission, kept_fields=["category"], now=now)
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        submission = store.by_key(key)
        assert submission.data == {"category": "pothole"}
        assert submission.attachments is None
        assert submission.submitter is None and submission.submitter_key is None
        assert submission.verified_identity is None
        assert submission.state == "rejected" and submission.created == FILED
        assert store.count_submitted_by("key-jdupont") == 0
        assert store.by_reference(submission.reference) is submission
        texts = repr(submission.history)
        for personal in ("rue de Fer", "Dupont", "plan.pdf", "note interne", "jdupont"):
            assert personal not in texts
        assert [e["action"] for e in submission.history] == [
            "message",
            "transition",
            "transition",
            "transition",
            "anonymise",
        ]
        assert ended_at(submission) == ENDED
        assert submission.anonymised["date"] == now.isoformat()
    blob_db.pack(time.time() + 1)
    assert blob_files(tmp_path) == []


def test_delete_leaves_nothing_but_a_tombstone(blob_db, tmp_path, monkeypatch):
    clock = [ENDED.timestamp()]
    monkeypatch.setattr(feed_module, "clock", lambda: clock[0])
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        submission = ended_request(store)
        key, submission_id = store.key_of(submission), submission.id
        reference = submission.reference
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        erasure.delete(store, store.by_key(key), now=ENDED + timedelta(days=31))
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        assert store.get(submission_id) is None
        assert store.by_key(key) is None
        assert store.by_reference(reference) is None
        assert store.count_submitted_by("key-jdupont") == 0
        assert len(store) == 0
        for name, index in store._indexes.items():
            assert key not in set(index), name
        for name, index in store._due_indexes.items():
            assert len(index) == 0, name
        assert not store.reference_taken(reference)
        # The feed shows its tombstone, at its deletion.
        (change,) = list(store.changes_after(None, None))
        tombstone = store.changed_by_key(change[1])
        assert (tombstone.id, tombstone.reference, tombstone.deleted) == (
            submission_id,
            reference,
            True,
        )
        assert store.tombstone_key(submission_id) == key
    clock[0] += 3 * feed_module.SLOT_SECONDS
    with blob_db.transaction() as conn:
        feed_module.settle_feeds(conn.root()["store"], clock[0])
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        (change,) = list(store.changes_after(None, None))
        assert store.changed_by_key(change[1]).deleted
    blob_db.pack(time.time() + 1)
    assert blob_files(tmp_path) == []


def test_a_held_request_is_never_erased(blob_db):
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        submission = ended_request(store)
        erasure.place_hold(submission, reason="recours", now=ENDED, actor="dpo")
        with pytest.raises(erasure.LegallyHeld):
            erasure.delete(store, submission, now=ENDED)
        with pytest.raises(erasure.LegallyHeld):
            erasure.anonymise(store, submission, now=ENDED)


def purge(db, action, now, **kw):
    manager = transaction.TransactionManager()
    conn = db.open(transaction_manager=manager)
    try:
        return purge_store(
            lambda: conn.root()["store"],
            policy_of(action),
            now=now,
            commit=kw.pop("commit", manager.commit),
            abort=manager.abort,
            **kw,
        )
    finally:
        manager.abort()
        conn.close()


@pytest.mark.parametrize("action", ["anonymise", "delete"])
def test_the_purge_follows_the_clock(blob_db, tmp_path, action):
    """Nothing before the retention has passed; then every ended request
    but the held one and the open one, in small batches."""
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        ended = [ended_request(store, submitter=f"c{n}").id for n in range(5)]
        held = ended_request(store, submitter="held")
        erasure.place_hold(held, reason="recours", now=ENDED, actor="dpo")
        held_id = held.id
        still_open = make_submission(FILED, "p1")
        store.add(still_open)
        open_id = still_open.id
    assert len(blob_files(tmp_path)) == 6

    counts = purge(blob_db, action, ENDED + timedelta(days=29))
    assert (counts.anonymised, counts.deleted) == (0, 0)

    counts = purge(blob_db, action, ENDED + timedelta(days=31), batch=2)
    done = counts.anonymised if action == "anonymise" else counts.deleted
    assert done == 5 and counts.held == 1
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        assert store.get(held_id).data["name"] == "Jean Dupont"
        assert store.get(open_id).anonymised is None
        for submission_id in ended:
            found = store.get(submission_id)
            if action == "delete":
                assert found is None
            else:
                assert found.anonymised and "name" not in found.data
    blob_db.pack(time.time() + 1)
    assert len(blob_files(tmp_path)) == 1  # the held request's file

    # A second run finds nothing more to do.
    counts = purge(blob_db, action, ENDED + timedelta(days=32))
    assert (counts.anonymised, counts.deleted, counts.held) == (0, 0, 1)


def test_a_purge_racing_a_staff_hold_is_retried_never_half_applied(blob_db):
    """Staff put a request on hold in another connection (another thread)
    while the purge's batch was being applied: the purge's commit
    conflicts, the batch is read again and the held request is kept."""
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        first = ended_request(store, submitter="a").id
        second = ended_request(store, submitter="b").id

    def staff_hold():
        with blob_db.transaction() as conn:
            submission = conn.root()["store"].get(second)
            erasure.place_hold(submission, reason="recours", now=ENDED, actor="agent")

    manager = transaction.TransactionManager()
    attempts = []

    def commit():
        if not attempts:  # staff commit first, from another thread
            thread = threading.Thread(target=staff_hold)
            thread.start()
            thread.join()
        attempts.append(1)
        manager.commit()

    conn = blob_db.open(transaction_manager=manager)
    try:
        counts = purge_store(
            lambda: conn.root()["store"],
            policy_of("delete"),
            now=ENDED + timedelta(days=31),
            commit=commit,
            abort=manager.abort,
        )
    finally:
        manager.abort()
        conn.close()
    assert counts.retried == 1
    assert counts.deleted == 1
    with blob_db.transaction() as conn:
        store = conn.root()["store"]
        assert store.get(first) is None
        kept = store.get(second)
        assert kept.legal_hold["reason"] == "recours"
        assert kept.data["name"] == "Jean Dupont"
