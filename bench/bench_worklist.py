"""Benchmark the listing orders and filters of the staff's worklist at
1,000 and at 100,000 submissions, in-process (no Plone, no HTTP).

A bare :class:`SubmissionStore` is seeded (five procedures, the states in
turn, one request in two with a due date, one in seven assigned), then
``list_submissions`` is timed for its first page and for the fifth page
(reached by following the cursors), sorted by filing, due date and state,
and filtered late, by assignee and by procedure. A page should cost
O(log n + page): the times at 100,000 should stay within 1.5x of those at
1,000. Only reports; a page of the wrong size makes it fail.

Run::

    .venv/bin/python bench/bench_worklist.py
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.submissions import api
from imio.guichet.submissions.storage import new_submission_id
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore

import random
import statistics
import time


STATES = ("submitted", "received", "in_progress", "waiting_citizen", "accepted")
CASES = {
    "by filing, newest first": {"descending": True},
    "by due date": {"sort_on": "due"},
    "by due date, latest first": {"sort_on": "due", "descending": True},
    "by state": {"sort_on": "state"},
    "by state, reversed": {"sort_on": "state", "descending": True},
    "late": {"sort_on": "due", "overdue_on": date(2025, 6, 1)},
    "assigned, by due date": {"sort_on": "due", "assignees": ["office"]},
    "one procedure, by due date": {"sort_on": "due", "procedure_uids": ["p1"]},
}
PAGE = 25


def seed(total: int) -> SubmissionStore:
    store = SubmissionStore()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    days = random.Random(1)
    for index in range(total):
        created = start + timedelta(seconds=index * 300)
        key = store.new_key(created)
        submission = Submission(
            submission_id=new_submission_id(key),
            reference=f"R{index:08d}",
            procedure_uid=f"p{index % 5}",
            schema_version=1,
            data={},
            created=created,
            submitter=None,
            key=key,
        )
        if index % 2:
            submission.due = created.date() + timedelta(days=days.randint(1, 30))
        store.add(submission)
        if STATES[index % 5] != "submitted":
            store.change_state(submission, STATES[index % 5])
        if index % 7 == 0:
            store.assign(submission, "office")
    return store


def median_ms(call, repeat: int = 50) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(total: int) -> dict[str, tuple[float, float]]:
    store = seed(total)
    api.get_store = lambda: store  # the store of this run, not a site's
    results = {}
    for name, query in CASES.items():
        page = api.list_submissions(limit=PAGE, **query)
        for _ in range(4):
            page = api.list_submissions(limit=PAGE, cursor=page.next_cursor, **query)
            assert len(page.items) == PAGE, (name, len(page.items))
        cursor = page.next_cursor
        first = median_ms(lambda query=query: api.list_submissions(limit=PAGE, **query))
        fifth = median_ms(
            lambda query=query, cursor=cursor: api.list_submissions(
                limit=PAGE, cursor=cursor, **query
            )
        )
        results[name] = (first, fifth)
    return results


def main() -> None:
    small, large = measure(1_000), measure(100_000)
    print(f"{'case':32} {'1,000':>16} {'100,000':>16} {'ratio':>6}")
    for name in CASES:
        (first_s, fifth_s), (first_l, fifth_l) = small[name], large[name]
        ratio = max(first_l / first_s, fifth_l / fifth_s)
        print(
            f"{name:32} {first_s:6.3f} {fifth_s:6.3f} ms"
            f" {first_l:6.3f} {fifth_l:6.3f} ms {ratio:6.2f}"
        )


if __name__ == "__main__":
    main()
