"""The change feed: commit order, never a skipped submission."""

from datetime import datetime
from datetime import UTC
from fixtures.stored import make_submission
from imio.guichet.submissions import feed as feed_module

import pytest
import transaction


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves by hand (seconds)."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(feed_module, "clock", lambda: now[0])
    return now


def ids(store, after=None, procedures=None):
    changes = store.changes_after(procedures, after)
    return [store.by_key(key).id for _tid, key in changes]


def settle(db, now):
    """What the settling step does (its thread needs a Plone site)."""
    with db.transaction() as conn:
        feed_module.settle_feeds(conn.root()["store"], now)


def open_connections(db, count):
    managers = [transaction.TransactionManager() for _ in range(count)]
    return managers, [db.open(transaction_manager=tm) for tm in managers]


def test_a_transaction_that_commits_late_is_not_skipped(db, clock):
    """The timestamp-cursor race: T1 starts first and commits last; a reader
    that read in between gets T1's submission on its next read."""
    (first,) = file(db, 1)  # the feeds exist, as on any site in use
    (tm1, tm2, tm3), conns = open_connections(db, 3)
    c1, c2, reader = conns
    try:
        tm1.begin()
        early = make_submission(datetime.now(UTC))  # created first...
        c1.root()["store"].add(early)
        tm2.begin()
        late = make_submission(datetime.now(UTC))
        c2.root()["store"].add(late)
        tm2.commit()

        tm3.begin()
        keys = list(reader.root()["store"].changes_after(None, None))
        store = reader.root()["store"]
        assert [store.by_key(key).id for _tid, key in keys] == [first, late.id]
        cursor = keys[-1]
        tm3.abort()

        tm1.commit()  # ...committed last

        tm3.begin()
        assert ids(reader.root()["store"], cursor) == [early.id]
        tm3.abort()
    finally:
        for conn in conns:
            conn.close()


def file(db, count, procedure_uid="p1"):
    filed = []
    for _ in range(count):
        with db.transaction() as conn:
            submission = make_submission(datetime.now(UTC), procedure_uid)
            conn.root()["store"].add(submission)
            filed.append(submission.id)
    return filed


def test_each_submission_once_at_its_latest_change(db, clock):
    filed = file(db, 10)
    clock[0] += 3 * feed_module.SLOT_SECONDS
    settle(db, clock[0])
    filed += file(db, 5, procedure_uid="p2")
    with db.transaction() as conn:
        store = conn.root()["store"]
        assert ids(store) == filed
        feed = store._feeds["all"]
        assert len(feed._log) == 10  # the first ten were settled
        assert ids(store, procedures=["p2"]) == filed[10:]
        cursor = list(store.changes_after(None, None))[-1]
        store.change_state(store.get(filed[2]), "received")
    with db.transaction() as conn:
        store = conn.root()["store"]
        expected = filed[:2] + filed[3:] + [filed[2]]
        assert ids(store) == expected
        assert ids(store, cursor) == [filed[2]]
    clock[0] += 3 * feed_module.SLOT_SECONDS
    settle(db, clock[0])
    with db.transaction() as conn:
        store = conn.root()["store"]
        assert ids(store) == expected  # same order once settled
        assert feed_module.pending_changes(store) == (0, None)


def test_a_writer_into_a_slot_being_closed_is_retried_not_lost(db, clock):
    """A writer picks the open slot; a settler closes it and commits first:
    the writer's commit must fail (and be retried), not vanish with it."""
    file(db, 1)  # creates the feeds and their slots
    (tm_writer,), (writer,) = open_connections(db, 1)
    try:
        tm_writer.begin()
        slow = make_submission(datetime.now(UTC))
        writer.root()["store"].add(slow)  # noted in the current slot
        clock[0] += 3 * feed_module.SLOT_SECONDS
        settle(db, clock[0])  # closes that slot
        with pytest.raises(transaction.interfaces.TransientError):
            tm_writer.commit()
        tm_writer.abort()
        tm_writer.begin()  # the retry lands in an open slot
        writer.root()["store"].add(make_submission(datetime.now(UTC)))
        tm_writer.commit()
    finally:
        writer.close()


def test_a_settler_racing_a_late_writer_conflicts(db, clock):
    """A writer commits into a slot after a settler read it: the settler
    must not close the slot without that entry."""
    file(db, 1)
    store_oid = None
    (tm_settler, tm_writer), (settler, writer) = open_connections(db, 2)
    try:
        tm_settler.begin()
        store = settler.root()["store"]
        store_oid = store._p_oid
        feed = store._feeds["all"]
        list(feed._slots.values())  # the settler's snapshot of the slots
        tm_writer.begin()
        late = make_submission(datetime.now(UTC))
        writer.root()["store"].add(late)
        tm_writer.commit()
        clock[0] += 3 * feed_module.SLOT_SECONDS
        feed.settle(store, clock[0])
        with pytest.raises(transaction.interfaces.TransientError):
            tm_settler.commit()
        tm_settler.abort()
    finally:
        settler.close()
        writer.close()
    with db.transaction() as conn:
        assert late.id in ids(conn.get(store_oid))
