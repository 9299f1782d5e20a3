"""A query's prefix of three or four letters reads its own set (issue #13):
a tree holds the prefixes that start many of its words, each with the
union of its words' keys, and keeps them so through filings, settling,
changed answers and erasures; a search finds by them what the words' sets
find."""

from BTrees.LLBTree import intersection
from BTrees.LLBTree import multiunion
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.stored import make_submission
from imio.guichet.submissions import search
from imio.guichet.submissions.search import Lookup
from imio.guichet.submissions.search import PREFIX
from imio.guichet.submissions.storage import SubmissionStore

import pytest
import random


#: Eleven words start with "dup" (eight with "dupo"), three with "lam".
NAMES = [
    "Dupont",
    "Dupond",
    "Duponcheel",
    "Dupontel",
    "Duponchel",
    "Dupoux",
    "Dupouy",
    "Duport",
    "Dupuis",
    "Dupré",
    "Dup",
    "Dumont",
    "Lambert",
    "Lamy",
    "Lamotte",
    "Élodie",
]
QUERIES = ("dup", "dupo", "DUPON", "dupont", "lam", "lamb", "elo", "elod", "dup lam")


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(search, "clock", lambda: now[0])
    return now


def settle(store, clock) -> None:
    clock[0] += 3 * search.BACKLOG_SECONDS
    search.settle(store, clock[0])


def keys_of(entry) -> set[int]:
    return {entry} if isinstance(entry, int) else set(entry)


def words_of(tree) -> dict[str, tuple[int, set[int]]]:
    """Each prefix of a tree's words: how many start it, and their keys."""
    found = {}
    for term, entry in tree.items():
        if term.startswith(("#", PREFIX)):
            continue
        for length in search.PREFIX_LENGTHS:
            if len(term) >= length:
                count, keys = found.get(PREFIX + term[:length], (0, set()))
                found[PREFIX + term[:length]] = (count + 1, keys | keys_of(entry))
    return found


def held_prefixes(tree) -> dict[str, set[int]]:
    prefixes = tree.items(min=PREFIX, max=PREFIX + "\uffff")
    return {term: keys_of(entry) for term, entry in prefixes}


def assert_prefixes_of_their_words(store, every_busy=True) -> None:
    """A prefix's set is the union of its words' sets; every prefix of
    PREFIX_WORDS words has one (while words come; one that had as many
    keeps its set when they go)."""
    for tree in store._search.values():
        words = words_of(tree)
        held = held_prefixes(tree)
        for term, keys in held.items():
            assert keys == words[term][1], term
        if every_busy:
            busy = {t for t, (count, _k) in words.items() if count >= 8}
            assert busy <= set(held)


def found_by_words(store, q, uids=None) -> list[int]:
    """What the words' own sets find (as before 1028)."""
    trees = search._trees(store, uids)
    found = None
    for lookup in search.parse_search(q):
        parts = [p for tree in trees for p in search._parts(tree, lookup, own=False)]
        parts.append(search._waiting_matches(search._waiting(store, uids), lookup))
        keys = multiunion(parts)
        found = keys if found is None else intersection(found, keys)
    return list(found)


def file(store, n: int, rng) -> object:
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    submission = make_submission(created, procedure_uid=f"p{n % 2}")
    submission.data = {
        "name": " ".join(rng.sample(NAMES, rng.choice((1, 2, 3)))),
        "email": f"dupont{n}@example.be",
    }
    store.add(submission)
    search.index(store, submission)
    return submission


def test_prefixes_follow_their_words(clock):
    rng = random.Random(5)
    store = SubmissionStore()
    filed = [file(store, n, rng) for n in range(80)]
    settle(store, clock)
    filed += [file(store, n, rng) for n in range(80, 120)]  # waiting
    assert search.PREFIX_WORDS == 8
    assert_prefixes_of_their_words(store)
    tree = store._search["p0"]
    assert "^dup" in tree and "^dupo" in tree
    assert "^lam" not in tree  # three words start it
    # Identifiers are found whole, never by a part.
    assert not any(term.startswith("^#") for term in tree)
    # Changed answers, of settled and of waiting filings: a prefix stays
    # while another word starts with it, and goes with the last one.
    for submission in filed[::3]:
        submission.data = {"name": rng.choice(("Dupond", "Martin", "Dupont Lamy"))}
        search.reindex(store, submission)
    assert_prefixes_of_their_words(store)
    for submission in filed[1::5]:
        search.unindex(store, store.key_of(submission))
    settle(store, clock)
    assert_prefixes_of_their_words(store, every_busy=False)
    for q in QUERIES:
        lookups = search.parse_search(q)
        for uids in (None, ["p1"]):
            assert list(search.search(store, lookups, uids)) == found_by_words(
                store, q, uids
            )
            for small in (0, 2_000):  # read lazily, or counted
                keys, total = search.matching(
                    store, lookups, uids, descending=True, small=small
                )
                expected = found_by_words(store, q, uids)
                assert list(keys) == expected[::-1]
                assert total in (None, len(expected))


def test_a_prefix_reads_one_set(clock):
    """Three or four letters of many words: the prefix's set; of few
    words, or five letters: its words' sets."""
    rng = random.Random(6)
    store = SubmissionStore()
    for n in range(60):
        file(store, n, rng)
    settle(store, clock)
    tree = store._search["p0"]
    words = search._parts(tree, Lookup("dup", True), own=False)
    assert len(words) >= 8
    assert search._parts(tree, Lookup("dup", True)) == [tree["^dup"]]
    assert keys_of(tree["^dup"]) == set().union(*map(keys_of, words))
    assert search._parts(tree, Lookup("dupo", True)) == [tree["^dupo"]]
    lam = search._parts(tree, Lookup("lam", True))
    assert lam == search._parts(tree, Lookup("lam", True), own=False)
    assert len(lam) == 3
    assert len(search._parts(tree, Lookup("dupon", True))) == 5
    assert search._parts(tree, Lookup("zzz", True)) == []


def test_build_prefixes_makes_them_from_the_words(clock):
    """What the upgrade to 1028 does in each tree: made again from the
    words, even over the prefixes filings wrote since (the same)."""
    rng = random.Random(7)
    store = SubmissionStore()
    for n in range(60):
        file(store, n, rng)
    settle(store, clock)
    written = {uid: held_prefixes(tree) for uid, tree in store._search.items()}
    assert all(len(held) == 2 for held in written.values())  # ^dup, ^dupo
    for tree in store._search.values():
        del tree["^dupo"]  # as a tree before 1028 (half of it)
    for uid, tree in store._search.items():
        assert search.build_prefixes(tree) == 1
        assert held_prefixes(tree) == written[uid]
        assert search.build_prefixes(tree) == 0
    assert_prefixes_of_their_words(store)
