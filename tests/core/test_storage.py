"""The submission store, on a real FileStorage (no Plone needed)."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.stored import make_submission
from fixtures.stored import START
from imio.guichet.errors import InvalidQuery
from imio.guichet.storage import EPOCH
from imio.guichet.storage import site_store
from imio.guichet.storage import TimeMap
from imio.guichet.submissions import feed as feed_module
from imio.guichet.submissions.api import decode_cursor
from imio.guichet.submissions.api import encode_cursor
from imio.guichet.submissions.storage import cursor_key
from imio.guichet.submissions.storage import key_of_cursor
from imio.guichet.submissions.storage import SubmissionStore
from itertools import islice
from ZODB.POSException import ConflictError

import pytest
import random
import threading
import time
import transaction


def test_creation_order_and_filters():
    store = SubmissionStore()
    subs = [
        make_submission(START + timedelta(seconds=i), procedure_uid=f"p{i % 3}")
        for i in range(60)
    ]
    for submission in reversed(subs):  # insertion order must not matter
        store.add(submission)
    all_keys = list(store.iter_keys(None, None, None))
    assert all_keys == [s.key for s in subs]
    p1 = [s.key for s in subs if s.procedure_uid == "p1"]
    assert list(store.iter_keys(["p1"], None, None)) == p1
    p1_p2 = [s.key for s in subs if s.procedure_uid in ("p1", "p2")]
    assert list(store.iter_keys(["p1", "p2"], None, None)) == p1_p2
    assert list(store.iter_keys([], None, None)) == []
    assert store.count() == 60
    assert store.count("p1") == 20
    assert store.count("p1", "submitted") == 20
    assert store.count("p1", "accepted") == 0


def test_cursor_resumes_after_last_key():
    store = SubmissionStore()
    subs = [make_submission(START + timedelta(seconds=i)) for i in range(10)]
    for submission in subs:
        store.add(submission)
    after = subs[3].key
    assert list(store.iter_keys(None, None, after)) == [s.key for s in subs[4:]]
    text = cursor_key(subs[3], after)
    assert key_of_cursor(store, decode_cursor(encode_cursor(text))) == after


def test_newest_first_from_a_cursor():
    store = SubmissionStore()
    subs = [
        make_submission(START + timedelta(seconds=i), procedure_uid=f"p{i % 2}")
        for i in range(40)
    ]
    for submission in subs:
        store.add(submission)
    newest = [s.key for s in reversed(subs)]
    assert list(store.iter_keys(None, None, None, descending=True)) == newest
    before = subs[30].key
    assert list(store.iter_keys(None, None, before, descending=True)) == [
        s.key for s in reversed(subs[:30])
    ]
    p1 = [s.key for s in reversed(subs) if s.procedure_uid == "p1"]
    assert list(store.iter_keys(["p1"], None, None, descending=True)) == p1


def test_submissions_filed_before_keys_keep_their_ids():
    """A submission whose id does not start with its key (filed before keys
    existed, or by a script) is found by its id, and a cursor given out
    then (``"<µs>:<id>"``) still resumes after it."""
    store = SubmissionStore()
    old = make_submission(START, legacy=True)
    new = make_submission(START + timedelta(seconds=1))
    store.add(old)
    store.add(new)
    assert store.get(old.id) is old
    assert store.get(new.id) is new
    assert store.get(old.id[:16] + new.id[16:]) is None  # a forged mix
    micros = (START - EPOCH) // timedelta(microseconds=1)
    earlier_cursor = f"{micros:017d}:{old.id}"
    after = key_of_cursor(store, earlier_cursor)
    assert [store.by_key(k) for k in store.iter_keys(None, None, after)] == [new]


def test_change_state_moves_between_indexes():
    store = SubmissionStore()
    submission = make_submission(START)
    store.add(submission)
    store.change_state(submission, "received")
    assert submission.state == "received"
    assert store.count(state="submitted") == 0
    assert store.count(state="received") == 1
    assert store.count("p1", "received") == 1
    assert list(store.iter_keys(None, "received", None)) == [submission.key]
    assert store.count() == 1


def test_duplicate_reference_refused():
    store = SubmissionStore()
    store.add(make_submission(START, reference="AAAA-BBBB"))
    with pytest.raises(KeyError):
        store.add(make_submission(START, reference="AAAA-BBBB"))
    assert store.count() == 1


def test_lookup():
    store = SubmissionStore()
    submission = make_submission(START)
    store.add(submission)
    assert store.get(submission.id) is submission
    assert store.by_reference(submission.reference) is submission
    assert store.get("nope") is None


def test_a_new_store_is_made_complete():
    # Every structure exists from the start (none is made by the first
    # write, which would make concurrent first writers conflict).
    store = SubmissionStore()
    assert {
        "_submissions",
        "_references",
        "_indexes",
        "_requests",
        "_other_ids",
        "_feeds",
        "_by_submitter",
        "_due_indexes",
        "_dated",
    } <= set(store.__getstate__())
    assert vars(make_submission(START))["attachments"] is None


def test_site_store_is_made_once_and_only_when_asked(portal):
    assert site_store("imio.guichet.test", SubmissionStore) is None
    made = site_store("imio.guichet.test", SubmissionStore, create=True)
    assert isinstance(made, SubmissionStore)
    assert site_store("imio.guichet.test", SubmissionStore, create=True) is made
    assert site_store("imio.guichet.test", SubmissionStore, site=portal) is made


def test_concurrent_inserts_are_stored_once_each(db):
    """8 writers to one procedure, each in its own connection as Zope's
    threads are, on a store that already holds submissions.

    Each transaction is retried on ConflictError as Zope's publisher does
    (3 retries, each after a random pause of up to 1, 2 then 4 seconds:
    ZPublisher's ``HTTPRequest.delay_retry``): every submission must end up
    stored exactly once, and no writer may run out of retries (an unsharded
    store fails this: about half of such commits conflict).
    """
    with db.transaction() as conn:
        store = conn.root()["store"]
        for i in range(2_000):
            store.add(make_submission(START + timedelta(seconds=i), "same"))
    writers, per_writer = 8, 40
    exhausted, conflicts = [], []
    barrier = threading.Barrier(writers)

    def writer(index):
        barrier.wait()
        tm = transaction.TransactionManager()
        conn = db.open(transaction_manager=tm)
        try:
            for n in range(per_writer):
                for attempt in range(4):
                    if attempt:
                        time.sleep(random.uniform(0, 2 ** (attempt - 1)))
                    tm.begin()
                    store = conn.root()["store"]
                    created = datetime.now(UTC)
                    store.add(make_submission(created, procedure_uid="same"))
                    try:
                        tm.commit()
                        break
                    except ConflictError:
                        tm.abort()
                        conflicts.append((index, n))
                else:
                    exhausted.append((index, n))
        finally:
            conn.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    print(f"{len(conflicts)} conflicts in {writers * per_writer} commits")
    assert exhausted == []
    expected = 2_000 + writers * per_writer
    with db.transaction() as conn:
        store = conn.root()["store"]
        keys = list(store.iter_keys(["same"], None, None))
        assert len(keys) == len(set(keys)) == expected
        assert store.count("same") == store.count() == expected
        references = {store.by_key(k).reference for k in keys}
        assert len(references) == expected


def test_iteration_is_lazy():
    store = SubmissionStore()
    for i in range(500):
        store.add(make_submission(START + timedelta(seconds=i)))
    first = list(islice(store.iter_keys(None, None, None), 3))
    assert len(first) == 3


def test_same_reference_drawn_concurrently_cannot_commit_twice(db):
    """Two transactions that drew the same reference: ZODB refuses the
    second (its retry draws again), so a reference is never shared."""
    tm1, tm2 = transaction.TransactionManager(), transaction.TransactionManager()
    conn1, conn2 = db.open(transaction_manager=tm1), db.open(transaction_manager=tm2)
    try:
        tm1.begin()
        tm2.begin()
        conn1.root()["store"].add(make_submission(START, reference="AAAA-BBBB"))
        conn2.root()["store"].add(make_submission(START, reference="AAAA-BBBB"))
        tm1.commit()
        with pytest.raises(ConflictError):
            tm2.commit()
        tm2.abort()
    finally:
        conn1.close()
        conn2.close()
    with db.transaction() as conn:
        store = conn.root()["store"]
        assert store.count() == 1
        assert store.by_reference("AAAA-BBBB") is not None


def test_a_cursor_or_an_id_with_a_line_end_is_refused():
    """``$`` in a pattern accepts a final line end: the patterns must not."""
    store = SubmissionStore()
    submission = make_submission(START)
    store.add(submission)
    text = cursor_key(submission, submission.key)
    with pytest.raises(InvalidQuery):
        decode_cursor(encode_cursor(text + "\n"))
    assert store.get(submission.id + "\n") is None


def test_a_time_map_keeps_entries_by_arrival_and_counts_them():
    entries = TimeMap()
    now = datetime(2026, 12, 2, 10, tzinfo=UTC)
    # More than the random low bits can tell apart in one microsecond.
    keys = [entries.add(now, f"entry {n}") for n in range(1500)]
    later = entries.add(now + timedelta(seconds=1), "later")
    assert len(set(keys)) == len(entries) - 1 == 1500
    assert list(entries) == sorted(entries) and list(entries)[-1] == later
    assert entries.first_key() == min(keys)
    assert entries[keys[7]] == "entry 7" and keys[7] in entries
    assert entries.pop(keys[7]) == "entry 7"
    assert entries.pop(keys[7], "gone") == "gone"  # counted once
    assert len(entries) == 1500 and keys[7] not in entries
    assert sorted(entries.values()) == sorted(
        [f"entry {n}" for n in range(1500) if n != 7] + ["later"]
    )
    assert TimeMap().first_key() is None


def submission_in_shard(shard: int, shards: int = 16, **attributes):
    """A new submission whose key falls in ``shard`` of the store's
    sharded maps and indexes."""
    while True:
        submission = make_submission(datetime.now(UTC), procedure_uid="same")
        if submission.key % shards == shard:
            for name, value in attributes.items():
                setattr(submission, name, value)
            return submission


def test_two_first_requests_without_due_date_in_a_shard_both_commit(db, monkeypatch):
    """Two concurrent filings, the first of their shard without a due date
    (their procedure sets no delay): both go to the "no due date" day,
    whose set exists in every shard from the start (two transactions each
    creating it would conflict beyond what ZODB resolves).

    The store already holds a few requests with a due date in every shard,
    and the feeds' slot of the moment is the one of those (a clock that
    stands still), so that no other structure is created by both."""
    monkeypatch.setattr(feed_module, "clock", lambda: 1_800_000_000.0)
    with db.transaction() as conn:
        store = conn.root()["store"]
        for shard in range(16):
            for _ in range(8):
                store.add(submission_in_shard(shard, due=date(2026, 12, 31)))
    managers = [transaction.TransactionManager() for _ in range(2)]
    conns = [db.open(transaction_manager=tm) for tm in managers]
    try:
        added = []
        for tm, conn in zip(managers, conns, strict=True):
            tm.begin()
            added.append(submission_in_shard(3))
            conn.root()["store"].add(added[-1])
        for tm in managers:
            tm.commit()  # the second one resolves, never raises
    finally:
        for conn in conns:
            conn.close()
    with db.transaction() as conn:
        store = conn.root()["store"]
        assert store.count("same") == 16 * 8 + 2
        stored = {store.by_key(k).id for k in store.iter_keys(["same"], None, None)}
        assert {submission.id for submission in added} <= stored
