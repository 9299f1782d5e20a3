"""Benchmark the dashboard at 1,000 and at 100,000 submissions,
in-process (no Plone, no HTTP).

A bare :class:`SubmissionStore` is seeded (five procedures, filings five
minutes apart over the last year or so, the states in turn, one request in
two with a due date, the decided ones with a processing time from an hour
to sixty days), its dashboard counters kept as the submission events keep
them; then the figures are read (:func:`read_figures`) for one procedure,
for the five, and for the whole site. They come from counters, never from
the submissions: the times at 100,000 should stay within a few
milliseconds, and the ratio to 1,000 near 1 (the late requests' count
reads one count per due day, so it grows with the days, not the
requests). Checks that the counters equal a full recount; only reports
times. Before measuring, ``gc.collect()`` then ``gc.freeze()``, as
``bench_submissions.py`` does, so that the garbage collector's passes over
what seeding left are not counted.

Run::

    .venv/bin/python bench/bench_dashboard.py
    .venv/bin/python bench/bench_dashboard.py --total 100000 --baseline 1000
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.dashboard import counters
from imio.guichet.dashboard import figures
from imio.guichet.dashboard.counters import count_submissions
from imio.guichet.dashboard.counters import DashboardCounters
from imio.guichet.submissions.storage import new_submission_id
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore

import argparse
import gc
import random
import statistics
import time


STATES = ("submitted", "received", "in_progress", "waiting_citizen", "accepted")
UIDS = [f"p{n}" for n in range(5)]
ON = date(2026, 4, 29)


def seed(total: int) -> tuple[SubmissionStore, DashboardCounters]:
    store, dashboard = SubmissionStore(), DashboardCounters()
    chance = random.Random(1)
    start = datetime(2026, 4, 29, tzinfo=UTC) - timedelta(minutes=5 * total)
    for index in range(total):
        created = start + timedelta(minutes=5 * index)
        key = store.new_key(created)
        submission = Submission(
            submission_id=new_submission_id(key),
            reference=f"R{index:08d}",
            procedure_uid=UIDS[index % 5],
            schema_version=1,
            data={},
            created=created,
            submitter=None,
            key=key,
        )
        if index % 2:
            submission.due = created.date() + timedelta(days=chance.randint(1, 30))
        store.add(submission)
        own = dashboard.of(submission.procedure_uid, create=True)
        own.count_filing(created)
        state = STATES[(index // 5) % 5]
        if state != "submitted":
            store.change_state(submission, state)
        if state == "accepted":
            decided = created + timedelta(hours=chance.randint(1, 24 * 60))
            event = {"to_state": "accepted", "date": decided.isoformat()}
            submission.add_event(event)
            own.count_decision(counters.decision_hours(submission, event))
    return store, dashboard


def median_ms(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


CASES = {
    "one procedure": [UIDS[0]],
    "five procedures": UIDS,
    "whole site": None,
}


def measure(total: int, repeat: int) -> dict:
    started = time.perf_counter()
    store, dashboard = seed(total)
    seeded = time.perf_counter() - started
    figures.get_store = lambda: store  # this run's store, not a site's
    figures.get_counters = lambda: dashboard
    # The objects seeding left behind would make the garbage collector's
    # full passes (which any allocation may start) part of the times.
    gc.collect()
    gc.freeze()
    results = {}
    for name, uids in CASES.items():
        results[name] = median_ms(lambda u=uids: figures.read_figures(u, ON), repeat)
    site = figures.read_figures(None, ON)
    assert site.total == total, (site.total, total)
    recount = count_submissions(
        store.by_key(key) for key in store.iter_keys(None, None, None)
    )
    for uid in UIDS:
        live, counted = dashboard.of(uid), recount.of(uid)
        assert dict(live.weeks.items()).keys() == dict(counted.weeks.items()).keys()
        assert [v() for v in live.durations.values()] == [
            v() for v in counted.durations.values()
        ]
    gc.unfreeze()
    print(
        f"{total:>9,} submissions (seeded in {seeded:.1f} s): "
        f"median {site.median_hours} h, p90 {site.p90_hours} h, late {site.late}"
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    counters.site_timezone = lambda: UTC  # no site here: weeks in UTC
    small = measure(args.baseline, args.repeat)
    large = measure(args.total, args.repeat)
    print(
        f"{'read_figures (ms, median)':28} {args.baseline:>9,} {args.total:>9,} ratio"
    )
    for name in CASES:
        ratio = large[name] / small[name]
        print(f"{name:28} {small[name]:9.2f} {large[name]:9.2f} {ratio:5.2f}")


if __name__ == "__main__":
    main()
