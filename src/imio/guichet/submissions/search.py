"""Finding a request by what its applicant wrote, without portal_catalog.

Submissions are never catalogued: the words staff search them by are kept
in a private index inside the :class:`~.storage.SubmissionStore`
(``_search``): per procedure, an ordered tree of *terms*, each with the set
of the keys (64-bit integers, see :func:`~imio.guichet.storage.time_key`)
of the submissions that hold it. A submission keeps its own terms
(``search_terms``), so that it leaves the index exactly as it entered it,
even once its answers are erased.

Terms:

* **words** of the text answers, of the applicant's names (the account's
  full name, the authentic names an identity provider gave) and of the
  citizen's answers to staff: Unicode-decomposed, accents dropped,
  case-folded (``Élodie`` and ``ELODIE`` are ``elodie``), at least two
  characters, cut to :data:`MAX_WORD` characters, stop-words left out;
* **identifiers**, found by their exact value only, never by a part: a
  Belgian national register (or BIS) number (``#nn:`` and its 11 digits),
  an enterprise number (``#be:`` and its 10 digits), both normalised with
  python-stdnum so that any way of writing them finds them, and an e-mail
  address (``#@:`` and the address in lower case).

A search (:func:`parse_search`) keeps the submissions that hold every term
of the query: a word of three letters or more also finds the words it
starts (``dupo`` finds ``Dupont``); shorter words and numbers are matched
whole; a query that is an identifier finds that identifier only. The
terms of a query are looked up in the procedures the caller may read
only: a procedure's tree never answers for another's.

*Prefixes*: a query's word of three or four letters (:data:`PREFIX_LENGTHS`)
would be the union of the sets of every word it starts: in a large store
hundreds of sets (``dupo`` starts some 60 names of a procedure of 20,000
requests). Once :data:`PREFIX_WORDS` words of a tree start a prefix, the
tree holds its own set (``^dupo``), the union of its words' sets, kept
with them whenever keys enter or leave them (settling, a change, an
erasure): the query reads that one set. A prefix of fewer words has no set
(most prefixes: a set rewritten per batch for each would cost bytes, see
bench/bench_bytes.py) and is read word by word, as cheap.

What a filing writes: its terms on its record, and its key in the
*backlog* (:class:`Backlog`): a slot of :data:`BACKLOG_SECONDS`. The
background step that settles the change feed also settles the backlog's
slots once they are a full period old: it puts their filings' terms (and
their words' prefixes that have a set) in the trees in one transaction, so
that a term many filings share (a common word, a frequent name) gets one
bucket of its key set rewritten per batch instead of one per filing
(measured with bench/bench_bytes.py). Until then a search also reads the
backlog's few seconds of filings, term by term on their records: a filing
is found the moment it is committed.

Concurrency, as for the feed's slots: a filing reads its slot as current,
so one still writing into a slot being settled conflicts and is retried
into an open slot; the settling step reads every node of a slot as
current, so a filing that committed into it after its snapshot makes it
conflict and try again a second later. A change of a waiting filing's
terms (an erasure, a citizen's answer) writes its slot, so that it
conflicts with a settling step that read the older terms.

Changes of a settled submission's terms are written to the trees at once
(they are rare: most changes are of state).
"""

from BTrees.LLBTree import intersection
from BTrees.LLBTree import LLSet
from BTrees.LLBTree import LLTreeSet
from BTrees.LLBTree import multiunion
from BTrees.OOBTree import OOBTree
from collections import Counter
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from imio.guichet.storage import note_in_slot
from imio.guichet.storage import settle_slots
from imio.guichet.storage import Slot
from itertools import islice
from operator import methodcaller
from persistent import Persistent
from stdnum.be import bis
from stdnum.be import nn
from stdnum.be import vat

import heapq
import logging
import re
import time
import transaction
import unicodedata


logger = logging.getLogger(__name__)

#: Words are cut to this many characters (longer ones are found by it).
MAX_WORD = 20
#: Words shorter than this are not indexed.
MIN_WORD = 2
#: A query's word of at least this many letters also finds longer words.
MIN_PREFIX = 3
#: A query is at most this long.
MAX_QUERY = 200
#: Terms of a query beyond these are ignored.
MAX_QUERY_TERMS = 8
#: A search matching at most this many submissions is sorted from them;
#: beyond, the listing's own index is read and kept when it matches.
SMALL_MATCH = 2_000
#: Length of a backlog slot, in seconds: filings wait two to three slots
#: before their terms enter the trees. Longer slots make larger batches
#: (fewer bytes per filing) and more filings for a search to read one by
#: one (about 30 s of filings).
BACKLOG_SECONDS = 10
#: Slots the settling step creates ahead while filings come, so that
#: concurrent filings (almost) never create one (they would conflict).
BACKLOG_SLOTS_AHEAD = 2

#: A query's prefix of these lengths may have its own set in a tree (the
#: union of its words' sets) instead of being read word by word: in a
#: large store a prefix starts hundreds of words.
PREFIX_LENGTHS = (3, 4)
#: A prefix gets its own set once this many words of a tree start with
#: it; fewer are read one by one (a set per word and filing batch costs
#: bytes: most prefixes start a few words, see bench/bench_bytes.py).
PREFIX_WORDS = 8
#: What a prefix's term starts with (words never do: they are letters).
PREFIX = "^"

NATIONAL_NUMBER = "#nn:"
ENTERPRISE_NUMBER = "#be:"
EMAIL = "#@:"

#: Words too common in French, Dutch, German and English answers to find
#: anything: not indexed, and left out of queries.
_STOP_WORDS = """
    au aux avec ce ces cette dans de des du elle en et il ils je la le les
    leur lui ma mais me mes mon ne nos notre nous on ou par pas pour qu que
    qui sa se ses son sur ta te tes ton tu un une vos votre vous est sont
    de het een en van ik je jij hij zij wij we ze die dat deze dit op te
    met voor niet aan bij om als er dan of ook maar tot uit naar
    der die das und ist ich du er sie es wir ihr ein eine mit zu den dem
    von im auf nicht auch als an
    the and of to in is it for on with as at by an be or this that
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_WORD = re.compile(r"[^\W_]+")
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[a-z]{2,}")


class TermTree(OOBTree):
    """A procedure's terms -> :class:`KeySet`, with small buckets."""

    max_leaf_size = 16
    max_internal_size = 64


class KeySet(LLTreeSet):
    """The keys of the submissions that hold a term. Keys are appended in
    creation order: a filing rewrites the last bucket, and, every eight
    filings, the node above it when the bucket splits: both are kept
    small (measured with bench/bench_bytes.py)."""

    max_leaf_size = 16
    max_internal_size = 16


# -- terms ---------------------------------------------------------------------


def fold(text: str) -> str:
    """``text`` without accents, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold()


def words(text: str) -> list[str]:
    """The indexed words of ``text``, in order (repeated as they are):
    numbers are not words (house numbers, postal codes, dates would make
    most of the index and find nothing one looks for)."""
    return [
        word[:MAX_WORD]
        for word in _WORD.findall(fold(text))
        if len(word) >= MIN_WORD and word not in STOP_WORDS and not word.isdigit()
    ]


def identifier(text: str) -> str | None:
    """The term of ``text`` if it is, as a whole, a national register or
    BIS number, an enterprise number or an e-mail address; else None."""
    text = text.strip()
    if not text or len(text) > 254:
        return None
    if "@" in text:
        lowered = text.lower()
        return EMAIL + lowered if _EMAIL.fullmatch(lowered) else None
    digits = re.sub(r"[\s./-]", "", text)
    if not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) == 11 and (nn.is_valid(digits) or bis.is_valid(digits)):
        return NATIONAL_NUMBER + digits
    if len(digits) in (9, 10) and vat.is_valid(digits):
        return ENTERPRISE_NUMBER + vat.compact(digits)
    return None


def text_terms(text: str) -> set[str]:
    """The terms of a stored text: an identifier as a whole, or its words
    and the e-mail addresses in it."""
    found = identifier(text)
    if found is not None:
        return {found}
    terms = set()
    if "@" in text:
        # An address is found whole; its parts are not words of the text.
        terms.update(EMAIL + m for m in _EMAIL.findall(text.lower()))
        text = _EMAIL.sub(" ", text.lower())
    terms.update(words(text))
    return terms


def _texts(value) -> Iterator[str]:
    """The texts of an answer: a text, the texts of a list (choices) or
    of a compound answer (an address); never a file's descriptor."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, str):
                yield item
    elif isinstance(value, dict) and "sha256" not in value:
        for item in value.values():
            if isinstance(item, str):
                yield item


def submission_terms(submission, account_name: str = "") -> frozenset[str]:
    """The terms a submission is found by: its text answers (not files),
    its verified identity, its account's full name ``account_name`` and
    the citizen's answers to staff."""
    texts = [account_name]
    for value in (submission.data or {}).values():
        texts.extend(_texts(value))
    verified = submission.verified_identity or {}
    for name in ("national_number", "given_name", "family_name"):
        texts.extend(_texts(verified.get(name)))
    for event in submission.history:
        if event.get("by") == "citizen":
            texts.extend(_texts(event.get("public_message")))
    terms = set()
    for text in texts:
        terms |= text_terms(text)
    return frozenset(terms)


# -- the query -----------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """One term of a query: ``term`` itself, or every term it starts."""

    term: str
    prefix: bool = False


def parse_search(text: str | None) -> tuple[Lookup, ...]:
    """The lookups of a query (all must match); empty when it has no term
    that may be searched (only stop-words, or nothing)."""
    text = (text or "").strip()[:MAX_QUERY]
    if not text:
        return ()
    whole = identifier(text)
    if whole is not None:
        return (Lookup(whole),)
    lookups = []
    for part in text.split():
        found = identifier(part)
        if found is not None:
            lookups.append(Lookup(found))
            continue
        for word in words(part):
            lookups.append(Lookup(word, len(word) >= MIN_PREFIX))
        if any(c.isdigit() for c in part) and not words(part):
            # A number that is no identifier: nothing holds it (numbers
            # are not indexed, and never found by a part).
            return ()
    unique = list(dict.fromkeys(lookups))
    return tuple(unique[:MAX_QUERY_TERMS])


# -- the index -----------------------------------------------------------------


def _tree(store, procedure_uid: str, create: bool = False) -> TermTree | None:
    index = store._search
    tree = index.get(procedure_uid)
    if tree is None and create:
        tree = index[procedure_uid] = TermTree()
    return tree


def prefixes(terms: Iterable[str]) -> set[str]:
    """The prefixes of :data:`PREFIX_LENGTHS` letters of the words among
    ``terms`` (``dup`` and ``dupo`` for ``dupont``; identifiers have none)."""
    return {
        term[:length]
        for term in terms
        if not term.startswith("#")
        for length in PREFIX_LENGTHS
        if len(term) >= length
    }


def _words_from(tree: TermTree, prefix: str):
    return tree.values(min=prefix, max=prefix + "\uffff")


def _add_prefixes(tree: TermTree, added: dict[str, list[int]]) -> None:
    """Put ``added`` (prefix -> keys of submissions with a word it starts,
    already in the words' sets) in the prefixes' sets: in the tree's set
    of the prefix, or in a set made from its words' sets once
    :data:`PREFIX_WORDS` words start with it. A prefix's set is thus
    always the union of its words' sets."""
    for prefix, keys in added.items():
        term = PREFIX + prefix
        if term in tree:
            for key in keys:
                _add(tree, (term,), key)
        else:
            words = tree.keys(min=prefix, max=prefix + "\uffff")
            if len(list(islice(words, PREFIX_WORDS))) == PREFIX_WORDS:
                _make_prefix(tree, prefix)


def _make_prefix(tree: TermTree, prefix: str) -> None:
    keys = multiunion(list(_words_from(tree, prefix)))
    tree[PREFIX + prefix] = keys.minKey() if len(keys) == 1 else KeySet(keys)


def _remove_prefixes(tree: TermTree, removed: Iterable[str], key: int) -> None:
    """Take ``key`` out of the sets of the prefixes ``removed`` (none of
    its remaining words starts with them); a set left empty goes."""
    _remove(tree, [PREFIX + prefix for prefix in removed], key)


def _add(tree: TermTree, terms: Iterable[str], key: int) -> None:
    for term in terms:
        keys = tree.get(term)
        if keys is None:
            # A term of one submission (an e-mail, a national number, a
            # rare word) is its key, in the tree's bucket: no set written.
            tree[term] = key
        elif isinstance(keys, int):
            if keys != key:
                tree[term] = KeySet((keys, key))
        else:
            keys.insert(key)


def _remove(tree: TermTree, terms: Iterable[str], key: int) -> None:
    for term in terms:
        keys = tree.get(term)
        if keys is None:
            continue
        if isinstance(keys, int):
            if keys == key:
                del tree[term]
            continue
        if key not in keys:
            continue
        keys.remove(key)
        if not keys:
            del tree[term]


def clock() -> float:
    """Now, in seconds (benchmarks replace it)."""
    return time.time()


class Backlog(Persistent):
    """Filings whose terms wait to enter the trees: their keys, in slots
    of :data:`BACKLOG_SECONDS` (see the module's docstring)."""

    def __init__(self):
        self._slots = OOBTree()  # slot number -> Slot

    def note(self, key: int) -> None:
        """The submission of ``key`` is filed in the current transaction."""
        note_in_slot(self._slots, int(clock() // BACKLOG_SECONDS), key)

    def slot_of(self, key: int) -> Slot | None:
        """The slot in which ``key`` waits, None once settled."""
        for slot in self._slots.values():
            if key in slot:
                return slot
        return None

    def waiting_keys(self) -> Iterator[int]:
        """The waiting keys (a few seconds of filings)."""
        for slot in self._slots.values():
            yield from slot

    def needs_settling(self, now: float) -> bool:
        return bool(self._slots) and self._slots.minKey() <= _settled_below(now)

    def next_settling(self, now: float) -> float | None:
        """When the oldest slot may be settled (seconds since the epoch),
        None when there is none."""
        if not self._slots:
            return None
        return max(now, (self._slots.minKey() + 2) * BACKLOG_SECONDS)

    def settle(self, store, now: float) -> None:
        """Put the terms of the slots a full period old in the trees; while
        filings come, prepare the slots ahead."""

        added = {}  # procedure uid -> prefix -> keys (each once per batch)

        def take(key: int) -> None:
            submission = store.by_key(key)
            if submission is not None and submission.search_terms:
                tree = _tree(store, submission.procedure_uid, create=True)
                terms = stored_terms(submission)
                _add(tree, terms, key)
                by_prefix = added.setdefault(submission.procedure_uid, {})
                for prefix in prefixes(terms):
                    by_prefix.setdefault(prefix, []).append(key)

        settle_slots(
            self._slots, int(now // BACKLOG_SECONDS), BACKLOG_SLOTS_AHEAD, take
        )
        for uid, by_prefix in added.items():
            _add_prefixes(_tree(store, uid), by_prefix)


def _settled_below(now: float) -> int:
    # Slots up to this number are a full period old.
    return int(now // BACKLOG_SECONDS) - 2


def needs_settling(store, now: float) -> bool:
    backlog = store._search_backlog
    return backlog is not None and backlog.needs_settling(now)


def settle(store, now: float) -> None:
    """Settle the store's backlog if it needs it (in the current
    transaction; the change feed's settling step calls it)."""
    if needs_settling(store, now):
        store._search_backlog.settle(store, now)


def next_settling(store, now: float) -> float | None:
    backlog = store._search_backlog
    return None if backlog is None else backlog.next_settling(now)


def index(store, submission, account_name: str = "") -> None:
    """Put a new submission in the index: its terms on its record, its key
    in the backlog (in the trees at once in stores made before 1026, which
    have no backlog; nothing in stores made before 1016)."""
    if store._search is None:
        return
    backlog = store._search_backlog
    if backlog is None:
        reindex(store, submission, account_name)
        return
    terms = submission_terms(submission, account_name)
    submission.search_terms = " ".join(sorted(terms))
    backlog.note(store.key_of(submission))


def _waiting_slot(store, key: int) -> Slot | None:
    backlog = store._search_backlog
    return None if backlog is None else backlog.slot_of(key)


def reindex(store, submission, account_name: str = "") -> None:
    """Bring the submission's terms up to date: only the terms that changed
    are written (nothing, when none did)."""
    if store._search is None:
        return
    key = store.key_of(submission)
    old = stored_terms(submission)
    new = submission_terms(submission, account_name)
    if new == old and submission.search_terms is not None:
        return
    waiting = _waiting_slot(store, key)
    if waiting is not None:
        # Not in the trees yet: the settling step takes the new terms; a
        # step that read the old ones must conflict.
        waiting._p_changed = True
    else:
        tree = _tree(store, submission.procedure_uid, create=True)
        _remove(tree, old - new, key)
        _add(tree, new - old, key)
        # A prefix's set keeps the key while one of its words starts with it.
        before, after = prefixes(old), prefixes(new)
        _remove_prefixes(tree, before - after, key)
        _add_prefixes(tree, {prefix: [key] for prefix in after - before})
    # One text (terms never hold a space): the smallest pickle.
    submission.search_terms = " ".join(sorted(new))


def stored_terms(submission) -> frozenset[str]:
    """The terms the submission was indexed with (none if it was not)."""
    return frozenset((submission.search_terms or "").split())


def unindex(store, key: int, submission=None) -> None:
    """Take the submission of ``key`` out of the index (it is being erased
    or removed; pass it as ``submission`` if the store no longer has it):
    by the terms it entered with, else by its answers."""
    if store._search is None:
        return
    submission = submission if submission is not None else store.by_key(key)
    if submission is None:
        return
    if submission.search_terms is None:
        terms = submission_terms(submission)
    else:
        terms = stored_terms(submission)
    waiting = _waiting_slot(store, key)
    if waiting is not None:
        # A settling step that read its terms must conflict.
        waiting._p_changed = True
    else:
        tree = _tree(store, submission.procedure_uid)
        if tree is not None:
            _remove(tree, terms, key)
            _remove_prefixes(tree, prefixes(terms), key)
    submission.search_terms = ""


def _parts(tree: TermTree, lookup: Lookup, own: bool = True) -> list:
    """The key sets of a tree's terms that a lookup matches (a term of one
    submission gives its key): for a prefix, its own set when the tree has
    one (and ``own``), else its words' sets."""
    if lookup.prefix:
        own = own and len(lookup.term) in PREFIX_LENGTHS
        found = tree.get(PREFIX + lookup.term) if own else None
        if found is not None:
            return [found]
        return list(_words_from(tree, lookup.term))
    found = tree.get(lookup.term)
    return [] if found is None else [found]


#: The backlog's filings a search may read: (key, terms) of each.
Waiting = list[tuple[int, frozenset[str]]]


def _waiting(store, procedure_uids: Iterable[str] | None) -> Waiting:
    """The filings of ``procedure_uids`` whose terms are not in the trees
    yet, with their terms (read on their records)."""
    backlog = store._search_backlog
    if backlog is None:
        return []
    allowed = None if procedure_uids is None else set(procedure_uids)
    found = []
    for key in backlog.waiting_keys():
        submission = store.by_key(key)
        if submission is None or not submission.search_terms:
            continue
        if allowed is None or submission.procedure_uid in allowed:
            found.append((key, stored_terms(submission)))
    return found


def _waiting_matches(waiting: Waiting, lookup: Lookup) -> LLSet:
    if lookup.prefix:
        return LLSet(
            key
            for key, terms in waiting
            if any(term.startswith(lookup.term) for term in terms)
        )
    return LLSet(key for key, terms in waiting if lookup.term in terms)


def _matching(trees: list[TermTree], waiting: Waiting, lookup: Lookup) -> LLSet:
    sets = [part for tree in trees for part in _parts(tree, lookup)]
    if waiting:
        sets.append(_waiting_matches(waiting, lookup))
    return multiunion(sets) if sets else LLSet()


def _trees(store, procedure_uids: Iterable[str] | None) -> list[TermTree]:
    index = store._search
    if index is None:
        return []
    if procedure_uids is None:
        return list(index.values())
    return [t for t in (index.get(uid) for uid in procedure_uids) if t]


def search(
    store, lookups: tuple[Lookup, ...], procedure_uids: Iterable[str] | None
) -> LLSet:
    """The keys of the submissions of ``procedure_uids`` (None: every
    procedure) that hold every lookup, in creation order."""
    if not lookups or store._search is None:
        return LLSet()
    trees = _trees(store, procedure_uids)
    waiting = _waiting(store, procedure_uids)
    found = None
    for lookup in lookups:
        keys = _matching(trees, waiting, lookup)
        found = keys if found is None else intersection(found, keys)
        if not found:
            return LLSet()
    return found


def build(store, *, batch: int = 1_000, account_name=lambda submission: "") -> int:
    """Index every stored submission (the upgrade to 1016), committing every
    ``batch``; returns how many were indexed."""
    if store._search is None:
        store._search = OOBTree()
    count = 0
    for key in list(store._index("all") or ()):
        submission = store.by_key(key)
        if submission is None or submission.search_terms is not None:
            continue
        reindex(store, submission, account_name(submission))
        count += 1
        if count % batch == 0:
            transaction.commit()
            logger.info("Indexed %d submissions for searching", count)
    return count


def build_prefixes(tree: TermTree) -> int:
    """Give ``tree`` the sets of the prefixes :data:`PREFIX_WORDS` words or
    more start (the upgrade to 1028; a set made since, by filings, is
    right already); returns how many it made."""
    counts = Counter(
        term[:length]
        for term in tree
        if not term.startswith(("#", PREFIX))
        for length in PREFIX_LENGTHS
        if len(term) >= length
    )
    made = 0
    for prefix, count in sorted(counts.items()):
        if count >= PREFIX_WORDS and PREFIX + prefix not in tree:
            _make_prefix(tree, prefix)
            made += 1
    return made


# -- a listing's matches, newest (or oldest) first -----------------------------


def matching(
    store,
    lookups: tuple[Lookup, ...],
    procedure_uids: Iterable[str] | None,
    *,
    low: int | None = None,
    high: int | None = None,
    descending: bool = False,
    small: int = SMALL_MATCH,
) -> tuple[Iterator[int], int | None]:
    """The keys (from ``low`` to ``high``, both included) of the
    submissions that hold every lookup, in creation order (newest first if
    ``descending``), and how many hold them all (None past ``small``).

    Procedures hold different submissions, so each procedure's tree is
    intersected on its own and their results never overlap. In each, the
    lookup that matches the fewest keys leads: when, in every procedure,
    one lookup matches few (at most ``small`` in all), its keys are read
    and kept where the other lookups hold them (the total is then exact);
    otherwise the leading lookup's sets are merged lazily from the bound,
    each key kept when the others hold it, and only as many are read as
    the page takes (no union, no count: the total is None).
    """
    if not lookups or store._search is None:
        return iter(()), 0
    plans = []  # per tree (and backlog): the lookups' parts, the leading first
    least = 0  # the keys the leading lookups match, in all
    groups_of = [
        [_parts(tree, lookup) for lookup in lookups]
        for tree in _trees(store, procedure_uids)
    ]
    waiting = _waiting(store, procedure_uids)
    if waiting:
        # The backlog's filings: one more group, whose keys no tree holds.
        matched = [_waiting_matches(waiting, lookup) for lookup in lookups]
        groups_of.append([[keys] if keys else [] for keys in matched])
    for groups in groups_of:
        if not all(groups):
            continue
        sizes = [_size_within(group, small) for group in groups]
        lead = min(range(len(groups)), key=lambda i: (sizes[i], len(groups[i])))
        least += sizes[lead]
        others = [group for i, group in enumerate(groups) if i != lead]
        plans.append((groups[lead], others))
    if least <= small:
        # At most ``small`` keys: each procedure's leading sets united in C
        # (one call for all procedures when the query has one lookup), then
        # kept where the others hold them. Keeping each set on its own cost
        # more than its union: a prefix matches more words as a site's
        # requests grow, and each word's set was one more call and list.
        alone = [part for lead, others in plans if not others for part in lead]
        kept = [_kept(_union(lead), others) for lead, others in plans if others]
        found = multiunion(alone + kept) if alone or kept else LLSet()
        total = len(found)
        return keys_between(found, low, high, descending), total
    walks = [
        _held(_merged(lead, low, high, descending), others) for lead, others in plans
    ]
    return heapq.merge(*walks, reverse=descending), None


def _size_within(parts: list, bound: int) -> int:
    """How many keys ``parts`` hold (a key once per part), or ``bound + 1``
    as soon as there are more: a set is counted only when its shape shows
    it small (its length walks its buckets: a word of every request would
    cost its whole set), or when the parts are many (each is then small,
    and counting stops past ``bound``)."""
    size = 0
    few = len(parts) <= _FEW_PARTS
    for part in parts:
        if isinstance(part, int):
            size += 1
        elif few and _deep(part):
            return bound + 1
        else:
            size += len(part)
        if size > bound:
            return bound + 1
    return size


#: A lookup of at most this many sets in a procedure has each one's shape
#: looked at before it is counted.
_FEW_PARTS = 2
#: A set with more levels of nodes than this holds more keys than
#: SMALL_MATCH (with 16 keys a bucket and 16 children a node, a set of
#: two levels holds at most 4,096: counting them walks at most 256 buckets).
_SHALLOW = 2


def _deep(keys: KeySet) -> bool:
    """Whether ``keys`` has more than :data:`_SHALLOW` levels of nodes:
    read from its first nodes, without walking its buckets."""
    node = keys
    for _level in range(_SHALLOW):
        state = node.__getstate__()
        if state is None or len(state) == 1:  # empty, or one bucket inline
            return False
        node = state[0][0]
        if not isinstance(node, LLTreeSet):  # a bucket: no further level
            return False
    return True


def _union(parts: list):
    """The keys of ``parts`` as one set (a single set as it is)."""
    if len(parts) == 1 and not isinstance(parts[0], int):
        return parts[0]
    return multiunion(parts)


def _holds(parts: list, key: int) -> bool:
    """Whether one of ``parts`` holds ``key``."""
    for part in parts:  # noqa: SIM110 (a loop: no generator per key)
        if key == part if isinstance(part, int) else key in part:
            return True
    return False


def _kept(keys, others: list[list]):
    """The keys of ``keys`` that every group of ``others`` holds."""
    for parts in others:
        if not keys:
            break
        if len(parts) == 1:
            (part,) = parts
            if isinstance(part, int):
                keys = LLSet([part] if part in keys else [])
            else:
                keys = LLSet([key for key in keys if key in part])
        elif _size_within(parts, len(keys)) <= len(keys):
            # As few keys as there are candidates: intersected in C.
            keys = intersection(keys, _union(parts))
        else:
            keys = LLSet([key for key in keys if _holds(parts, key)])
    return keys


def _held(keys: Iterator[int], others: list[list]) -> Iterator[int]:
    if not others:
        return keys
    return (key for key in keys if all(_holds(parts, key) for parts in others))


def keys_between(found, low: int | None, high: int | None, descending: bool):
    """The keys of a set from ``low`` to ``high`` (both included), one
    O(log n) step each: only as many as are read."""
    first = found.maxKey if descending else found.minKey
    step = -1 if descending else 1
    bound = high if descending else low
    while True:
        try:
            key = first() if bound is None else first(bound)
        except ValueError:  # nothing (left) past the bound
            return
        if (descending and low is not None and key < low) or (
            not descending and high is not None and key > high
        ):
            return
        yield key
        bound = key + step


def _merged(
    parts: list, low: int | None, high: int | None, descending: bool
) -> Iterator[int]:
    """The keys of ``parts`` from ``low`` to ``high`` (both included), in
    order, each once: a heap of each set's next key, so that reading ``n``
    keys costs one step per part and ``n`` steps, never their union."""
    sign = -1 if descending else 1
    sets = [part for part in parts if not isinstance(part, int)]
    heap = [
        (sign * part, -1)
        for part in parts
        if isinstance(part, int)
        and (low is None or part >= low)
        and (high is None or part <= high)
    ]
    bound = high if descending else low
    name = "maxKey" if descending else "minKey"
    first = methodcaller(name) if bound is None else methodcaller(name, bound)
    try:
        # Each set's first key, in C (a lookup may match hundreds of words).
        heads = list(map(first, sets))
    except ValueError:  # a set with nothing within the bound: one by one
        heads = []
        for part in sets:
            try:
                heads.append(first(part))
            except ValueError:
                heads.append(None)
        kept = [i for i, head in enumerate(heads) if head is not None]
        sets = [sets[i] for i in kept]
        heads = [heads[i] for i in kept]
    heap.extend(zip(map(sign.__mul__, heads), range(len(sets)), strict=True))
    heapq.heapify(heap)
    last = None
    while heap:
        signed, index = heap[0]
        key = sign * signed
        if (descending and low is not None and key < low) or (
            not descending and high is not None and key > high
        ):
            return
        if key != last:
            yield key
            last = key
        if index < 0:
            heapq.heappop(heap)
            continue
        try:
            following = (
                sets[index].maxKey(key - 1)
                if descending
                else sets[index].minKey(key + 1)
            )
        except ValueError:
            heapq.heappop(heap)
            continue
        heapq.heapreplace(heap, (sign * following, index))
