"""The search's matches read lazily from the newest (or oldest) end
(issue #13): the same keys, in the same order, as the eager intersection of
the lookups' unions, whatever the bounds, the page and the scope; counted
only while few match."""

from BTrees.LLBTree import intersection
from BTrees.LLBTree import multiunion
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.submissions import api
from imio.guichet.submissions import search
from imio.guichet.submissions.search import KeySet
from imio.guichet.submissions.search import Lookup
from imio.guichet.submissions.storage import new_submission_id
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from itertools import islice

import pytest
import random


PROCEDURES = ("p0", "p1", "p2")
STATES = ("submitted", "received", "in_progress", "closed")
NAMES = ("dupont", "dupond", "durand", "dumont", "lambert", "lamy", "martin")
GIVEN = ("elodie", "elise", "jeanne", "marc")


def eager(store, lookups, uids):
    """What matches, by the plain set operations (the reference): the
    trees' sets and the backlog's matches united, then intersected."""
    trees = search._trees(store, uids)
    waiting = search._waiting(store, uids)
    found = multiunion([])
    for lookup in lookups:
        parts = [p for tree in trees for p in search._parts(tree, lookup, own=False)]
        parts.append(search._waiting_matches(waiting, lookup))
        keys = multiunion(parts)
        found = keys if lookup is lookups[0] else intersection(found, keys)
    return list(found)


@pytest.fixture(scope="module", params=["settled", "half waiting"])
def store(request):
    """300 filings over three procedures: a given name, one or two family
    names (so that a prefix matches two words of one request), a word of
    every request and a rare one; all settled in the trees, or the last
    half still waiting in the backlog."""
    rng = random.Random(13)
    store = SubmissionStore()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(300):
        created = start + timedelta(minutes=n)
        key = store.new_key(created)
        names = " ".join(rng.sample(NAMES, rng.choice((1, 2))))
        submission = Submission(
            submission_id=new_submission_id(key),
            reference=f"R{n:05d}",
            procedure_uid=PROCEDURES[n % 3],
            schema_version=1,
            data={
                "name": f"{rng.choice(GIVEN)} {names}",
                "comment": "demande" + (" urgente" if n % 17 == 0 else ""),
            },
            created=created,
            submitter=None,
            key=key,
        )
        store.add(submission)
        search.index(store, submission)
        if n % 4:
            store.change_state(submission, STATES[n % 4])
        if n == 149 or (n == 299 and request.param == "settled"):
            search.settle(store, search.clock() + 3 * search.BACKLOG_SECONDS)
    return store


QUERIES = (
    "dupont",
    "dup",
    "du",  # a stop-word: no lookup
    "lam",
    "elodie dup",
    "jeanne lambert martin",
    "demande",
    "demande urgente",
    "urgente elise",
    "dupont nobody",
    "marc du lam",
)


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("small", [0, 5, 2_000])
@pytest.mark.parametrize("descending", [True, False])
def test_the_same_keys_as_the_eager_intersection(store, q, small, descending):
    lookups = search.parse_search(q)
    expected = eager(store, lookups, None)
    keys, total = search.matching(
        store, lookups, None, descending=descending, small=small
    )
    assert list(keys) == (expected[::-1] if descending else expected)
    # Counted when few match (every procedure's leading lookup), else not.
    assert total is None or total == len(expected)
    if small >= 2_000:
        assert total == len(expected)
    if small == 0 and expected:
        assert total is None


@pytest.mark.parametrize("q", ("dup", "elodie dup", "demande", "marc du lam"))
@pytest.mark.parametrize("small", [0, 2_000])
def test_bounds(store, q, small):
    lookups = search.parse_search(q)
    expected = eager(store, lookups, None)
    rng = random.Random(q)
    for _ in range(20):
        low, high = sorted(rng.sample(expected, 2)) if len(expected) > 1 else (0, 0)
        for descending in (True, False):
            keys, _total = search.matching(
                store, lookups, None, low=low, high=high, descending=descending
            )
            inside = [k for k in expected if low <= k <= high]
            assert list(keys) == (inside[::-1] if descending else inside)


@pytest.mark.parametrize("small", [0, 2_000])
def test_scope(store, small):
    """A procedure's tree never answers for another's."""
    for q in QUERIES:
        lookups = search.parse_search(q)
        for uid in PROCEDURES:
            keys, total = search.matching(store, lookups, [uid], small=small)
            found = list(keys)
            assert {store.by_key(k).procedure_uid for k in found} <= {uid}
            assert found == eager(store, lookups, [uid])
        keys, total = search.matching(store, lookups, [], small=small)
        assert list(keys) == []


def test_merged_is_the_union_in_order():
    rng = random.Random(7)
    for _ in range(50):
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.3:
                parts.append(rng.randint(1, 500))
            else:
                parts.append(KeySet(rng.sample(range(1, 500), rng.randint(1, 80))))
        union = list(multiunion(parts))
        low, high = sorted(rng.sample(range(0, 501), 2))
        inside = [k for k in union if low <= k <= high]
        assert list(search._merged(parts, None, None, False)) == union
        assert list(search._merged(parts, None, None, True)) == union[::-1]
        assert list(search._merged(parts, low, high, False)) == inside
        assert list(search._merged(parts, low, high, True)) == inside[::-1]
        # Reading a page reads no further than it.
        assert (
            list(islice(search._merged(parts, None, high, True), 3))
            == [k for k in union if k <= high][::-1][:3]
        )


def test_a_deep_set_is_not_counted():
    """A set of many levels is over any small bound without its buckets
    being walked; shallow ones, and many parts, are counted exactly."""
    assert search._deep(KeySet(range(20_000)))
    assert not search._deep(KeySet(range(200)))
    assert not search._deep(KeySet())
    assert search._size_within([KeySet(range(20_000))], 2_000) == 2_001
    assert search._size_within([KeySet(range(200)), 5], 2_000) == 201
    assert search._size_within([KeySet(range(10))] * 5, 2_000) == 50
    assert search._size_within([KeySet(range(10))] * 5, 30) == 31


@pytest.mark.parametrize("small", [0, 2_000])
@pytest.mark.parametrize("q", ("dup", "elodie dup", "demande"))
def test_pages_with_the_cursor(store, monkeypatch, small, q):
    """Paging a listing with the cursor gives every match once, in order."""
    monkeypatch.setattr(api, "get_store", lambda: store)
    monkeypatch.setattr(api, "SMALL_MATCH", small)
    lookups = search.parse_search(q)
    expected = [store.by_key(k).reference for k in eager(store, lookups, None)]
    for descending in (True, False):
        seen, cursor, totals = [], None, set()
        while True:
            page = api.list_submissions(
                limit=7, descending=descending, search=lookups, cursor=cursor
            )
            seen += [s.reference for s in page.items]
            totals.add(page.total)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == (expected[::-1] if descending else expected)
        assert totals == ({None} if small == 0 else {len(expected)})


def test_lookups_are_searched_in_their_own_procedures_only(store):
    """Terms are looked up per procedure: a request of p0 holding
    ``lambert`` and one of p1 holding ``lamy`` never make a match of
    ``lambert lamy`` together."""
    lookups = (Lookup("lambert"), Lookup("lamy"))
    keys, _ = search.matching(store, lookups, None, small=0)
    for key in keys:
        terms = search.stored_terms(store.by_key(key))
        assert {"lambert", "lamy"} <= terms


def every_page(**query) -> list:
    items, cursor = [], None
    while True:
        page = api.list_submissions(limit=api.MAX_PAGE_SIZE, cursor=cursor, **query)
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items


@pytest.mark.parametrize("procedures", [None, ["p1"], ["p0", "p2"]])
@pytest.mark.parametrize("q", ("dup", "elodie dup", "demande"))
def test_pages_in_the_order_of_states(store, monkeypatch, q, procedures):
    """Sorted by state, a search pages through what the listing without a
    search would list, keeping what matches; its total is what matches."""
    monkeypatch.setattr(api, "get_store", lambda: store)
    lookups = search.parse_search(q)
    matched = set(eager(store, lookups, procedures))
    for descending in (True, False):
        everything = every_page(
            sort_on="state", descending=descending, procedure_uids=procedures
        )
        expected = [s.reference for s in everything if store.key_of(s) in matched]
        seen, cursor = [], None
        while True:
            page = api.list_submissions(
                sort_on="state",
                descending=descending,
                procedure_uids=procedures,
                search=lookups,
                limit=7,
                cursor=cursor,
            )
            assert page.total == len(expected)
            seen += [s.reference for s in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == expected
