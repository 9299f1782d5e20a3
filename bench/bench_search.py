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
matches at 100,000: the listing's index is read, keeping what matches),
and a name within one procedure sorted by state. The same filing (the
18th) is searched at both sizes. A page should cost about the same at
100,000 as at 1,000 (ratio at most 1.5) and stay under 50 ms. Only
reports; a wrong answer (the searched filing missing) makes it fail.

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


def median_ms(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(total: int, answers: Answers, repeat: int) -> dict[str, tuple]:
    started = time.perf_counter()
    store = seed(total, answers)
    seeded = time.perf_counter() - started
    print(f"seeded {total:,} in {seeded:,.0f} s ({total / seeded:,.0f}/s)", flush=True)
    api.get_store = lambda: store  # the store of this run, not a site's
    gc.collect()
    gc.freeze()
    searched = store.by_reference(f"R{SEARCHED:08d}")
    results = {}
    for name, (q, extra) in cases(answers).items():
        lookups = search.parse_search(q)

        def call(lookups=lookups, extra=extra):
            return api.list_submissions(
                limit=PAGE, descending=True, search=lookups, **extra
            )

        assert len(call().items) <= PAGE
        matched = search.search(store, lookups, extra.get("procedure_uids"))
        if name != "common word" and store.key_of(searched) not in matched:
            raise SystemExit(f"{name}: {q!r} did not find R{SEARCHED:08d}")
        results[name] = (median_ms(call, repeat), len(matched))
    gc.unfreeze()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    answers = Answers()
    small = measure(args.baseline, answers, args.repeat)
    large = measure(args.total, answers, args.repeat)
    sizes = f"{args.baseline:,}", f"{args.total:,}"
    print(
        f"{'search (first page, newest first)':34} {sizes[0]:>9} {'':6}"
        f" {sizes[1]:>9} {'':6} {'ratio':>6}"
    )
    print(f"{'':34} {'ms':>9} {'found':>6} {'ms':>9} {'found':>6}")
    failed = []
    for name in small:
        (ms_s, found_s), (ms_l, found_l) = small[name], large[name]
        ratio = ms_l / ms_s
        verdict = "ok" if ratio <= RATIO and ms_l < BUDGET_MS else "SLOW"
        if verdict != "ok":
            failed.append(name)
        print(
            f"{name:34} {ms_s:9.3f} {found_s:6,} {ms_l:9.3f} {found_l:6,}"
            f" {ratio:6.2f} {verdict}"
        )
    print(
        f"target: ratio <= {RATIO} and < {BUDGET_MS:.0f} ms at {sizes[1]};"
        f" {'all within' if not failed else 'outside: ' + ', '.join(failed)}"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
