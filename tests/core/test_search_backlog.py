"""The search index's backlog: a filing's terms wait a few seconds in a
slot, then enter the trees in a batch; never lost, never stale, on both
storages, whatever commits first."""

from datetime import datetime
from datetime import UTC
from fixtures.stored import make_submission
from imio.guichet.submissions import search
from imio.guichet.submissions.storage import SubmissionStore

import pytest
import transaction


@pytest.fixture
def clock(monkeypatch):
    """The backlog's clock, moved by hand (seconds)."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(search, "clock", lambda: now[0])
    return now


def later(clock) -> float:
    """A moment at which the slots noted until now may be settled."""
    clock[0] += 3 * search.BACKLOG_SECONDS
    return clock[0]


def file(store, name: str, procedure_uid: str = "p1"):
    submission = make_submission(datetime.now(UTC), procedure_uid=procedure_uid)
    submission.data = {"name": name}
    store.add(submission)
    search.index(store, submission)
    return submission


def found(store, text: str, procedures=None) -> set[int]:
    return set(search.search(store, search.parse_search(text), procedures))


def in_trees(store, term: str) -> set[int]:
    keys = set()
    for tree in store._search.values():
        entry = tree.get(term)
        if entry is not None:
            keys |= {entry} if isinstance(entry, int) else set(entry)
    return keys


def settled(db, clock):
    """The store once the settling step has passed (it tries again a second
    later when it conflicts, as in production)."""
    for _attempt in range(3):
        try:
            with db.transaction() as conn:
                search.settle(conn.root()["store"], later(clock))
            break
        except transaction.interfaces.TransientError:
            continue
    return db.open().root()["store"]


def open_connections(db, count):
    managers = [transaction.TransactionManager() for _ in range(count)]
    return managers, [db.open(transaction_manager=tm) for tm in managers]


class TestInOneTransaction:
    def test_a_filing_is_found_at_once_and_then_from_the_trees(self, clock):
        store = SubmissionStore()
        elodie = file(store, "Élodie Lambert")
        jeanne = file(store, "Jeanne Lambert", procedure_uid="p2")
        # Waiting: nothing in the trees, found on its record.
        assert in_trees(store, "lambert") == set()
        assert found(store, "lamb") == {elodie.key, jeanne.key}
        assert found(store, "elodie lambert") == {elodie.key}
        assert found(store, "lambert", procedures=["p2"]) == {jeanne.key}
        lookups = search.parse_search("lambert")
        for descending in (False, True):
            keys, total = search.matching(store, lookups, None, descending=descending)
            order = [elodie.key, jeanne.key]
            assert list(keys) == (order[::-1] if descending else order)
            assert total == 2
        # Too early: still waiting.
        search.settle(store, clock[0])
        assert in_trees(store, "lambert") == set()
        search.settle(store, later(clock))
        assert in_trees(store, "lambert") == {elodie.key, jeanne.key}
        assert list(store._search_backlog.waiting_keys()) == []
        # The same answers, once each.
        assert found(store, "lamb") == {elodie.key, jeanne.key}
        assert found(store, "lambert", procedures=["p2"]) == {jeanne.key}

    def test_a_waiting_filing_changed_or_erased_enters_with_what_it_holds(self, clock):
        store = SubmissionStore()
        changed = file(store, "Élodie Lambert")
        erased = file(store, "Jeanne Dupont")
        changed.data = {"name": "Élodie Martin"}
        search.reindex(store, changed)
        search.unindex(store, erased.key, erased)
        assert found(store, "lambert") == set()
        assert found(store, "martin") == {changed.key}
        assert found(store, "dupont") == set()
        search.settle(store, later(clock))
        assert in_trees(store, "martin") == {changed.key}
        assert in_trees(store, "lambert") == in_trees(store, "dupont") == set()

    def test_slots_are_made_ahead_while_filings_come_then_emptied(self, clock):
        store = SubmissionStore()
        file(store, "Élodie Lambert")
        file(store, "Hélène Martin")
        search.settle(store, later(clock))
        # Busy: the next slots are ready, so that filings do not make them.
        assert len(store._search_backlog._slots) == search.BACKLOG_SLOTS_AHEAD + 1
        # Idle: they are settled empty, and nothing more is made.
        search.settle(store, later(clock))
        search.settle(store, later(clock))
        assert len(store._search_backlog._slots) == 0
        assert search.next_settling(store, clock[0]) is None

    def test_a_lone_filing_makes_no_slot_ahead(self, clock):
        store = SubmissionStore()
        file(store, "Élodie Lambert")
        assert len(store._search_backlog._slots) == 1  # made by the filing
        search.settle(store, later(clock))
        assert len(store._search_backlog._slots) == 0
        assert search.next_settling(store, clock[0]) is None

    def test_a_store_made_before_the_backlog_indexes_at_once(self, clock):
        store = SubmissionStore()
        store._search_backlog = None
        elodie = file(store, "Élodie Lambert")
        assert in_trees(store, "lambert") == {elodie.key}
        assert not search.needs_settling(store, later(clock))


def test_a_filing_into_a_slot_being_settled_is_retried_not_lost(db, clock):
    """A filing picks the open slot; the settling step settles it and
    commits first: the filing's commit must fail (and be retried)."""
    with db.transaction() as conn:
        file(conn.root()["store"], "Premier")
    (tm_filing,), (filing,) = open_connections(db, 1)
    try:
        tm_filing.begin()
        file(filing.root()["store"], "Lambert")
        with db.transaction() as conn:
            search.settle(conn.root()["store"], later(clock))
        with pytest.raises(transaction.interfaces.TransientError):
            tm_filing.commit()
        tm_filing.abort()
        tm_filing.begin()  # the retry lands in an open slot
        retried = file(filing.root()["store"], "Lambert")
        tm_filing.commit()
    finally:
        filing.close()
    with db.transaction() as conn:
        assert found(conn.root()["store"], "lambert") == {retried.key}
    assert in_trees(settled(db, clock), "lambert") == {retried.key}


def test_a_settling_step_racing_a_late_filing_conflicts(db, clock):
    """A filing commits into a slot after the settling step read it: the
    step must not drop the slot without that filing."""
    with db.transaction() as conn:
        file(conn.root()["store"], "Premier")
    (tm_step, tm_filing), (step, filing) = open_connections(db, 2)
    try:
        tm_step.begin()
        store = step.root()["store"]
        list(store._search_backlog.waiting_keys())  # the step's snapshot
        tm_filing.begin()
        late = file(filing.root()["store"], "Lambert")
        tm_filing.commit()
        search.settle(store, later(clock))
        with pytest.raises(transaction.interfaces.TransientError):
            tm_step.commit()
        tm_step.abort()
    finally:
        step.close()
        filing.close()
    assert in_trees(settled(db, clock), "lambert") == {late.key}


def test_an_erasure_racing_the_settling_step_leaves_no_term(db, clock):
    """The settling step read a filing's terms; its erasure commits first:
    the step must conflict, or the erased words would enter the trees."""
    with db.transaction() as conn:
        key = file(conn.root()["store"], "Élodie Lambert").key
    (tm_step, tm_eraser), (step, eraser) = open_connections(db, 2)
    try:
        tm_step.begin()
        store = step.root()["store"]
        assert store.by_key(key).search_terms  # the step's snapshot
        tm_eraser.begin()
        erasing = eraser.root()["store"]
        search.unindex(erasing, key)
        tm_eraser.commit()
        search.settle(store, later(clock))
        with pytest.raises(transaction.interfaces.TransientError):
            tm_step.commit()
        tm_step.abort()
    finally:
        step.close()
        eraser.close()
    store = settled(db, clock)
    assert in_trees(store, "lambert") == set()
    assert found(store, "lambert") == set()


def test_feed_slots_stored_before_1026_still_load():
    """The feed's slots were pickled as ``feed.Slot`` before the backlog
    shared the class from ``imio.guichet.storage``: that name must stay."""
    from imio.guichet.storage import Slot

    import pickle

    assert pickle.loads(b"cimio.guichet.submissions.feed\nSlot\n.") is Slot
