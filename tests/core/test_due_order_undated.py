"""Due-date order when most requests have no due date: those are in no
due-date index (since 1029) and are read from the creation-order index of
the same name, after every dated request. Checked against a plain sort of
(due day, key), from cursors anywhere, both ways, with filters, while
requests gain, change and lose their due dates, change state and leave."""

from datetime import date
from datetime import timedelta
from fixtures.stored import make_submission
from fixtures.stored import START
from imio.guichet.submissions.storage import due_day
from imio.guichet.submissions.storage import SubmissionStore
from itertools import islice

import pytest
import random


PROCEDURES = ("p1", "p2", "p3")
STATES = ("submitted", "in_progress")


def filled_store(rng: random.Random, dated_share: float):
    store = SubmissionStore()
    submissions = []
    for n in range(300):
        submission = make_submission(
            START + timedelta(minutes=n), procedure_uid=rng.choice(PROCEDURES)
        )
        store.add(submission)
        submissions.append(submission)
        if rng.random() < dated_share:
            store.set_due(
                submission, date(2026, 2, 1) + timedelta(days=rng.randrange(20))
            )
    for submission in rng.sample(submissions, 60):
        store.change_state(submission, "in_progress")
    for submission in rng.sample(submissions, 40):  # dates change or go
        store.set_due(submission, rng.choice([None, date(2026, 2, 3)]))
    for submission in rng.sample(submissions, 20):
        store.remove(submission, START + timedelta(days=30))
        submissions.remove(submission)
    return store, submissions


def expected(store, submissions, uids, states, after, descending):
    entries = sorted(
        (due_day(s), store.key_of(s))
        for s in submissions
        if (uids is None or s.procedure_uid in uids)
        and (states == [None] or s.state in states)
    )
    if descending:
        entries.reverse()
    if after is not None:
        entries = [e for e in entries if (e < after if descending else e > after)]
    return entries


@pytest.mark.parametrize("dated_share", [0.0, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_due_order_matches_a_plain_sort(dated_share, seed):
    rng = random.Random(seed)
    store, submissions = filled_store(rng, dated_share)
    filters = [
        (None, [None]),
        (["p1"], [None]),
        (["p1", "p3"], ["submitted"]),
        (None, list(STATES)),
    ]
    for uids, states in filters:
        for descending in (False, True):
            every = expected(store, submissions, uids, states, None, descending)
            read = list(store.iter_due(uids, states, None, None, descending))
            assert read == every
            # From cursors anywhere: dated, undated, first, last.
            for cursor in (
                rng.sample(every, min(8, len(every))) + every[:1] + every[-1:]
            ):
                want = expected(store, submissions, uids, states, cursor, descending)
                got = list(
                    islice(store.iter_due(uids, states, cursor, None, descending), 500)
                )
                assert got == want


def test_undated_requests_write_no_due_date_index():
    store = SubmissionStore()
    for n in range(5):
        store.add(make_submission(START + timedelta(minutes=n)))
    assert len(store._due_indexes) == 0
    dated = make_submission(START + timedelta(minutes=9))
    store.add(dated)
    store.set_due(dated, date(2026, 2, 1))
    assert {len(index) for index in store._due_indexes.values()} == {1}
    store.change_state(dated, "in_progress")  # still dated, in other indexes
    assert list(store._dated) == [store.key_of(dated)]
    store.set_due(dated, None)
    assert {len(index) for index in store._due_indexes.values()} == {0}
    assert list(store._dated) == []


def test_late_requests_are_counted_among_dated_ones_only():
    store = SubmissionStore()
    for n, due in enumerate([None, date(2026, 2, 1), date(2026, 2, 5), None]):
        submission = make_submission(START + timedelta(minutes=n))
        store.add(submission)
        store.set_due(submission, due)
    assert store.count_due_before(None, ["submitted"], date(2026, 2, 3)) == 1
    assert store.count_due_before(None, ["submitted"], date(2026, 3, 1)) == 2
    assert store.count_due_before("p1", ["submitted"], date(2026, 1, 1)) == 0
