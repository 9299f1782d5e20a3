"""Benchmark searching requests at 1,000 and at 100,000 submissions,
in-process (no Plone, no HTTP).

A bare :class:`SubmissionStore` is seeded with the answers of
``search_data.py`` (accented names from a pool of 2,000 family names, an
e-mail, a national register number, an address, a comment of 5 to 30
words of unequal frequencies) over five procedures, each filing put in
the search index as the site does. Then ``list_submissions`` with
``search=`` is timed for its first page, newest first: by a family name,
a full name, the beginning of a name, a national number (written with
dots), an e-mail, the most common word of the comments (more than 2,000
matches at 100,000: its sets are merged lazily from the newest end, not
counted), and a name within one procedure sorted by state. The same
filing (the 18th) is searched at both sizes.

Two pages are timed for each search: the first page of 25 (``page``),
and a page of as many requests as the first page holds at 1,000
(``same``: at 1,000, a family name finds 5 requests, at 100,000 a page of
25; reading and showing 20 more requests is not the search's cost). A
search should cost about the same at 100,000 as at 1,000 on the same
page (``same`` ratio at most 1.5), and a page stay under 50 ms. Only
reports; a wrong answer (the searched filing missing) makes it fail.
Times are the median of ``--repeat`` calls, the two sizes' calls
alternating (the machine may be shared).

Run::

    .venv/bin/python bench/bench_search.py
    .venv/bin/python bench/bench_search.py --total 20000   # quicker
"""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.submissions import api
from imio.guichet.submissions import search
from imio.guichet.submissions.storage import new_submission_id
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from search_data import Answers  # bench/search_data.py
from stdnum.be import nn

import argparse
import gc
import os
import statistics
import time


PAGE = 25
SEARCHED = 17  # the filing searched for, at every size
PROCEDURES = [f"p{i}" for i in range(5)]
RATIO, BUDGET_MS = 1.5, 50.0


def seed(total: int, answers: Answers) -> SubmissionStore:
    store = SubmissionStore()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    states = ("submitted", "received", "in_progress")
    for n in range(total):
        created = start + timedelta(seconds=n * 300)
        key = store.new_key(created)
        submission = Submission(
            submission_id=new_submission_id(key),
            reference=f"R{n:08d}",
            procedure_uid=PROCEDURES[n % len(PROCEDURES)],
            schema_version=1,
            data=answers(n),
            created=created,
            submitter=None,
            key=key,
        )
        store.add(submission)
        search.index(store, submission)
        if n % 3:
            store.change_state(submission, states[n % 3])
    # As the settling step does seconds after filings: their terms in the
    # trees (the backlog's few seconds of filings are read one by one).
    search.settle(store, search.clock() + 3 * search.BACKLOG_SECONDS)
    return store


def cases(answers: Answers) -> dict[str, tuple[str, dict]]:
    """Name -> (query, other arguments of list_submissions)."""
    person = answers(SEARCHED)
    family, given = person["last_name"], person["first_name"]
    common = answers.words[0]
    one = {"procedure_uids": [PROCEDURES[SEARCHED % len(PROCEDURES)]]}
    return {
        "family name": (family, {}),
        "given and family name": (f"{given} {family}", {}),
        "beginning of the name": (family[:4].lower(), {}),
        "national number": (nn.format(person["national_number"]), {}),
        "e-mail": (person["email"].upper(), {}),
        "common word": (common, {}),
        "name, one procedure, by state": (family, {**one, "sort_on": "state"}),
        "family name, 5 procedures": (family, {"procedure_uids": PROCEDURES}),
    }


def prepare(total: int, answers: Answers) -> dict[str, tuple]:
    """Name -> (store, lookups, other arguments) of each case."""
    started = time.perf_counter()
    store = seed(total, answers)
    seeded = time.perf_counter() - started
    print(f"seeded {total:,} in {seeded:,.0f} s ({total / seeded:,.0f}/s)", flush=True)
    searched = store.by_reference(f"R{SEARCHED:08d}")
    prepared = {}
    for name, (q, extra) in cases(answers).items():
        lookups = search.parse_search(q)
        matched = search.search(store, lookups, extra.get("procedure_uids"))
        if name != "common word" and store.key_of(searched) not in matched:
            raise SystemExit(f"{name}: {q!r} did not find R{SEARCHED:08d}")
        prepared[name] = (store, lookups, extra, len(matched))
    return prepared


def timed(store, lookups, extra, limit: int) -> tuple[float, int]:
    api.get_store = lambda: store  # the store of this run, not a site's
    started = time.perf_counter()
    page = api.list_submissions(limit=limit, descending=True, search=lookups, **extra)
    elapsed = time.perf_counter() - started
    assert len(page.items) <= limit
    return elapsed, len(page.items)


def measure(small: dict, large: dict, repeat: int) -> dict[str, tuple]:
    """Name -> the median ms of (page, same) at each size, found, shown."""
    results = {}
    gc.collect()
    gc.freeze()
    for name in small:
        shown = timed(*small[name][:3], PAGE)[1]
        same = max(shown, 1)
        times = {key: [] for key in ("page_s", "page_l", "same_s", "same_l")}
        for _ in range(repeat):
            times["page_s"].append(timed(*small[name][:3], PAGE)[0])
            times["page_l"].append(timed(*large[name][:3], PAGE)[0])
            times["same_s"].append(timed(*small[name][:3], same)[0])
            times["same_l"].append(timed(*large[name][:3], same)[0])
        medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
        results[name] = (medians, small[name][3], large[name][3], same)
    gc.unfreeze()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    answers = Answers()
    small = prepare(args.baseline, answers)
    large = prepare(args.total, answers)
    results = measure(small, large, args.repeat)
    sizes = f"{args.baseline:,}", f"{args.total:,}"
    print(
        f"{'search (newest first)':30} {'found':>6} {'found':>6}"
        f" {'page of 25 (ms)':>24} {'same page (ms)':>28}"
    )
    print(
        f"{'':30} {sizes[0]:>6} {sizes[1]:>6}"
        f" {sizes[0]:>7} {sizes[1]:>7} {'ratio':>6}"
        f" {'rows':>4} {sizes[0]:>7} {sizes[1]:>7} {'ratio':>6}"
    )
    failed = []
    for name, (ms, found_s, found_l, same) in results.items():
        page_ratio = ms["page_l"] / ms["page_s"]
        same_ratio = ms["same_l"] / ms["same_s"]
        verdict = "ok" if same_ratio <= RATIO and ms["page_l"] < BUDGET_MS else "SLOW"
        if verdict != "ok":
            failed.append(name)
        print(
            f"{name:30} {found_s:6,} {found_l:6,}"
            f" {ms['page_s']:7.3f} {ms['page_l']:7.3f} {page_ratio:6.2f}"
            f" {same:4} {ms['same_s']:7.3f} {ms['same_l']:7.3f} {same_ratio:6.2f}"
            f" {verdict}"
        )
    outside = "all within" if not failed else "outside: " + ", ".join(failed)
    print(
        f"target: same-page ratio <= {RATIO} and a page < {BUDGET_MS:.0f} ms at"
        f" {sizes[1]}; {outside}"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
