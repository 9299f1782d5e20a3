"""Benchmark the @submissions listings at 1,000 and at 100,000 submissions.

A real Plone site with imio.guichet is set up in-process through the
``imio.guichet.testing.FUNCTIONAL_TESTING`` layer chain, which also starts a
WSGI server in a thread. One published procedure is created, submissions
are seeded straight into the submission store (no HTTP, no validation), and
the listings are timed over real HTTP with ``requests``:

* ``{portal}/@submissions`` and ``{procedure}/@submissions``;
* the first page (no cursor) and the last page (cursor built from the sort
  key of the (n - limit)-th oldest submission).

A page should cost O(log n + limit), so the time at 100,000 should stay
within 1.5x of the time at 1,000. The script only reports: slowness never
makes it fail, wrong answers (status, item count, ``next``) do.

Next to the HTTP times, the ``api`` column times ``list_submissions`` alone,
in-process: the part of a request that depends on the number of stored
submissions, without Zope's and plone.restapi's fixed cost per request.

With ``--feed`` (the default; ``--no-feed`` skips it), the change feed
``{portal}/@submissions?since=0&limit=100`` is then pulled page by page,
following ``next``, as the site owner: (a) right after seeding, while most
changes may still sit in the feed's open slots (the readers' worst case;
only the first pages are timed if one page takes more than
``--feed-slow-page`` seconds, and none after ``--feed-budget`` seconds),
and (b) once the settling step (a background thread) has indexed what
seeding left in the open slots (the steady state).

Run::

    .venv/bin/python bench/bench_submissions.py
    .venv/bin/python bench/bench_submissions.py --no-feed
    .venv/bin/python bench/bench_submissions.py --total 100000 --page-size 25 \\
        --repeat 20
"""

from App.config import getConfiguration
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet import outbox_worker
from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.submissions.api import encode_cursor
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import list_submissions
from imio.guichet.submissions.api import MAX_PAGE_SIZE
from imio.guichet.submissions.references import new_reference
from imio.guichet.submissions.states import INITIAL_STATE
from imio.guichet.submissions.storage import cursor_key
from imio.guichet.submissions.storage import new_submission_id
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.testing import functional_site
from imio.guichet.testing import FUNCTIONAL_TESTING
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import TEST_USER_ID
from typing import Any
from ZODB.POSException import ConflictError

import argparse
import gc
import imio.guichet.submissions.feed as feed_module
import math
import os
import requests
import resource
import statistics
import sys
import tempfile
import threading
import time
import transaction


#: Submissions seeded between two commits.
COMMIT_EVERY = 1_000
#: Creation date of the first seeded submission; each next one is 1 s later.
FIRST_CREATED = datetime(2024, 1, 1, tzinfo=UTC)
#: Target: time at the large size over time at the baseline size.
TARGET_RATIO = 1.5
#: Objects per ZODB connection cache: Plone's default ``zodb-cache-size``
#: (the test layers' databases keep ZODB's default of 400).
CACHE_SIZE = 30_000
REQUEST_TIMEOUT = 120
#: Page size of the change feed pulls (the largest allowed).
FEED_LIMIT = 100
#: What a page may cost at the largest size (issue #11), in milliseconds.
PAGE_TARGET_MS = 20
#: Pages timed when the first page of a feed pull is too slow to pull all.
FEED_PROBE_PAGES = 3
#: How long the settling step may take to index what seeding left, in seconds.
SETTLING_TIMEOUT = 300


@dataclass(frozen=True)
class Case:
    """One timed request: which listing, which page."""

    listing: str  # "site" or "procedure"
    page: str  # "first" or "last"
    #: Newest first (``sort_order=descending``): "first" is the newest page,
    #: "last" the oldest.
    descending: bool = False

    @property
    def order(self) -> str:
        return "newest" if self.descending else "oldest"


@dataclass(frozen=True)
class Timing:
    """Timings of one case at one store size, in seconds."""

    cold: float
    samples: tuple[float, ...]
    api: float  # median of list_submissions alone, in-process

    @property
    def minimum(self) -> float:
        """Fastest request: the cost with the least interference."""
        return min(self.samples)

    @property
    def median(self) -> float:
        """Median request time."""
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        """95th percentile, nearest-rank method."""
        ordered = sorted(self.samples)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]


CASES = (
    Case("site", "first"),
    Case("site", "last"),
    Case("procedure", "first"),
    Case("procedure", "last"),
    Case("site", "first", descending=True),
    Case("site", "last", descending=True),
    Case("procedure", "first", descending=True),
    Case("procedure", "last", descending=True),
)


# -- seeding --------------------------------------------------------------


def published_procedure(portal, **fields):
    """A procedure created and published in ``portal`` by the test user,
    made a Manager (``fields``: id, title and others)."""
    setRoles(portal, TEST_USER_ID, ["Manager"])
    # The test fixture binds no workflow; give procedures Plone's usual one.
    api.portal.get_tool("portal_workflow").setChainForPortalTypes(
        [PROCEDURE_TYPE], "simple_publication_workflow"
    )
    procedure = api.content.create(container=portal, type=PROCEDURE_TYPE, **fields)
    api.content.transition(obj=procedure, transition="publish")
    return procedure


def unique_reference(store: SubmissionStore) -> str:
    """A reference no stored submission has (as ``api.submit`` draws it)."""
    while True:
        reference = new_reference()
        if not store.reference_taken(reference):
            return reference


def new_submission(store: SubmissionStore, procedure_uid: str, index: int):
    """The ``index``-th seeded submission, added to ``store``."""
    created = FIRST_CREATED + timedelta(seconds=index)
    key = store.new_key(created)
    submission = Submission(
        key=key,
        submission_id=new_submission_id(key),
        reference=unique_reference(store),
        procedure_uid=procedure_uid,
        schema_version=1,
        data={
            "last_name": f"Nom {index}",
            "first_name": "Prénom",
            "email": f"citizen{index}@example.org",
            "phone": None,
            "message": "Bonjour, je voudrais un extrait de casier judiciaire.",
        },
        created=created,
        submitter=None,
        language="fr",
    )
    submission.add_event(
        {
            "action": "submit",
            "date": created.isoformat(),
            "actor": None,
            "from_state": None,
            "to_state": INITIAL_STATE,
        }
    )
    store.add(submission)
    return submission


def seed(
    store: SubmissionStore,
    procedure_uid: str,
    keys: list[str],
    stop: int,
) -> float:
    """Add submissions until ``stop`` are stored; return the seconds spent.

    Each new submission is appended to ``keys``, which is therefore in
    creation (and listing) order.
    """
    started = time.perf_counter()
    while len(keys) < stop:
        batch = []
        for index in range(len(keys), min(stop, len(keys) + COMMIT_EVERY)):
            batch.append(new_submission(store, procedure_uid, index))
        try:
            transaction.commit()
        except ConflictError:
            # With the settling step, which may create the feed's slots
            # while a batch is written: write the batch again.
            transaction.abort()
            continue
        keys.extend(batch)
        if len(keys) % (10 * COMMIT_EVERY) == 0:
            print(f"  seeded {len(keys):,}", file=sys.stderr, flush=True)
    return time.perf_counter() - started


# -- measuring ------------------------------------------------------------


def timed_get(
    session: requests.Session, url: str, params: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    """GET ``url``; the seconds until the whole body arrived, and its JSON."""
    started = time.perf_counter()
    response = session.get(url, params=params, timeout=REQUEST_TIMEOUT)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise AssertionError(
            f"GET {response.url}: {response.status_code} {response.text[:500]}"
        )
    return elapsed, response.json()


def check(answer: dict[str, Any], case: Case, stored: int, limit: int) -> None:
    """Fail loudly if a listing answered something other than expected."""
    items = answer.get("items")
    if not isinstance(items, list) or len(items) != limit:
        count = len(items) if isinstance(items, list) else items
        raise AssertionError(f"{case}: {count} items, expected {limit}")
    if answer.get("items_total") != stored:
        raise AssertionError(
            f"{case}: items_total {answer.get('items_total')}, expected {stored}"
        )
    if case.page == "last" and answer.get("next") is not None:
        raise AssertionError(f"{case}: next is {answer['next']}, expected null")
    if case.page == "first" and answer.get("next") is None:
        raise AssertionError(f"{case}: next is null on the first page")


def time_api(
    procedure_uids: list[str] | None,
    cursor: str | None,
    limit: int,
    repeat: int,
    descending: bool,
) -> float:
    """Median seconds of ``list_submissions`` alone, in this thread."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        list_submissions(
            procedure_uids=procedure_uids,
            cursor=cursor,
            limit=limit,
            descending=descending,
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(
    session: requests.Session,
    urls: dict[str, str],
    *,
    procedure_uid: str,
    keys: list[str],
    limit: int,
    repeat: int,
) -> dict[Case, Timing]:
    """Time every case ``repeat`` times, after one untimed (cold) request."""
    stored = len(keys)
    # Strictly after the (n - limit)-th oldest: the last ``limit`` ones.
    before_last = keys[stored - limit - 1]
    last_cursor = encode_cursor(cursor_key(before_last, before_last.key))
    # Newest first, strictly before the limit-th oldest: the oldest ``limit``.
    after_first = keys[limit]
    last_descending = encode_cursor(cursor_key(after_first, after_first.key))
    # What seeding left in memory (the in-memory storage, caches) is an
    # artifact of running in-process: keep it out of the garbage collector's
    # way, so that a full collection does not land in a timed request.
    gc.collect()
    gc.freeze()
    timings = {}
    for case in CASES:
        params = {"limit": str(limit)}
        if case.descending:
            params["sort_order"] = "descending"
        cursor = None
        if case.page == "last":
            cursor = last_descending if case.descending else last_cursor
            params["cursor"] = cursor
        url = urls[case.listing]
        cold, answer = timed_get(session, url, params)
        check(answer, case, stored, limit)
        samples = []
        for _ in range(repeat):
            elapsed, answer = timed_get(session, url, params)
            check(answer, case, stored, limit)
            samples.append(elapsed)
        uids = [procedure_uid] if case.listing == "procedure" else None
        api_time = time_api(uids, cursor, limit, max(100, repeat), case.descending)
        timings[case] = Timing(cold, tuple(samples), api_time)
    return timings


# -- change feed ----------------------------------------------------------


@dataclass(frozen=True)
class FeedPull:
    """One pull of the change feed over HTTP."""

    label: str
    complete: bool
    stopped: str  # why an incomplete pull stopped
    pages: tuple[float, ...]  # seconds per page
    received: int
    peak_mb: float  # peak resident memory of the process afterwards

    @property
    def seconds(self) -> float:
        """Time spent in requests."""
        return sum(self.pages)


def peak_memory_mb() -> float:
    """Peak resident memory of this process (server included), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def pull_feed(
    session: requests.Session,
    url: str,
    *,
    label: str,
    expected: int,
    slow_page: float | None,
    budget: float | None,
) -> FeedPull:
    """Pull the whole feed from ``since=0``, following ``next``.

    With ``slow_page``, stop after ``FEED_PROBE_PAGES`` pages if the first
    one took longer than that many seconds; with ``budget``, stop once the
    pages took that many seconds.
    """
    gc.collect()
    pages: list[float] = []
    ids: list[str] = []
    params: dict[str, str] = {"since": "0", "limit": str(FEED_LIMIT)}
    next_url: str | None = url
    while next_url is not None:
        elapsed, answer = timed_get(session, next_url, params)
        params = {}  # ``next`` carries the query
        pages.append(elapsed)
        ids.extend(item["id"] for item in answer["items"])
        next_url = answer.get("next")
        if len(answer["items"]) != FEED_LIMIT and next_url is not None:
            raise AssertionError(
                f"{label}: page {len(pages)} has {len(answer['items'])} items"
            )
        if len(pages) % 100 == 0:
            print(f"  {label}: {len(ids):,} received", file=sys.stderr, flush=True)
        stopped = ""
        if slow_page is not None and pages[0] > slow_page:
            if len(pages) >= FEED_PROBE_PAGES:
                stopped = f"first page over {slow_page:g} s"
        elif budget is not None and sum(pages) > budget:
            stopped = f"time budget of {budget:g} s spent"
        if stopped and next_url is not None:
            break
    complete = next_url is None
    if len(set(ids)) != len(ids):
        raise AssertionError(f"{label}: {len(ids) - len(set(ids))} duplicate ids")
    if complete and len(ids) != expected:
        raise AssertionError(f"{label}: received {len(ids):,}, expected {expected:,}")
    return FeedPull(label, complete, stopped, tuple(pages), len(ids), peak_memory_mb())


def feed_state(store: SubmissionStore) -> tuple[int, int, int]:
    """Entries of the site's feed: indexed, in open slots, open slots."""
    transaction.begin()  # see what the settling step committed
    change_log = store._feeds["all"]
    in_slots, _age = change_log.unsettled(feed_module.clock())
    return len(change_log._log), in_slots, len(change_log._slots)


def settle_feed(store: SubmissionStore) -> float:
    """Wake the settling step (a background thread) and wait until it has
    indexed what seeding left in open slots; the seconds it took."""
    outbox_worker.wake(
        feed_module.FEED, store._p_jar.db(), api.portal.get().getPhysicalPath()
    )
    started = time.perf_counter()
    while True:
        transaction.begin()  # see what the settling step committed
        waiting, _age = feed_module.pending_changes(store)
        if not waiting:
            return time.perf_counter() - started
        if time.perf_counter() - started > SETTLING_TIMEOUT:
            raise AssertionError(f"{waiting:,} changes still unsettled")
        time.sleep(0.2)


def measure_feed(
    session: requests.Session,
    url: str,
    store: SubmissionStore,
    keys: list[str],
    *,
    slow_page: float,
    budget: float,
) -> tuple[list[FeedPull], list[str]]:
    """Pull the feed before and after settling; the pulls and notes."""
    notes = []
    expected = len(keys)
    indexed, in_slots, slots = feed_state(store)
    notes.append(
        f"After seeding: {indexed:,} entries indexed, {in_slots:,} in "
        f"{slots} open slots"
    )
    print("Pulling the feed (open slots)...", file=sys.stderr, flush=True)
    pulls = [
        pull_feed(
            session,
            url,
            label="(a) after seeding",
            expected=expected,
            slow_page=slow_page,
            budget=budget,
        )
    ]
    print("Settling the feed...", file=sys.stderr, flush=True)
    seconds = settle_feed(store)
    indexed, in_slots, slots = feed_state(store)
    notes.append(
        f"Settled by the background step in {seconds:.1f} s: {indexed:,} "
        f"entries indexed, {in_slots:,} in {slots} open slots"
    )
    print("Pulling the feed (settled)...", file=sys.stderr, flush=True)
    pulls.append(
        pull_feed(
            session,
            url,
            label="(b) settled",
            expected=expected,
            slow_page=None,
            budget=None,
        )
    )
    return pulls, notes


# -- exports --------------------------------------------------------------

EXPORT_FORMATS = ("csv", "jsonl", "xlsx")


@dataclass(frozen=True)
class ExportRun:
    size: int
    format: str
    seconds: float
    megabytes: float
    rss_growth_mb: float  # peak resident memory during the export, minus before


def resident_mb() -> float:
    """Current resident memory of this process, in MB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakSampler(threading.Thread):
    """Samples the resident memory every 10 ms until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = resident_mb()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.01):
            self.peak = max(self.peak, resident_mb())


def measure_export(session: requests.Session, url: str, size: int) -> list[ExportRun]:
    """Download the procedure's export in every format, streamed; check the
    row count of the text formats."""
    runs = []
    for export_format in EXPORT_FORMATS:
        gc.collect()
        sampler = PeakSampler()
        before = sampler.peak
        sampler.start()
        started = time.perf_counter()
        lines = received = 0
        with session.get(
            url, params={"format": export_format}, stream=True, timeout=3600
        ) as response:
            if response.status_code != 200:
                raise AssertionError(f"export {export_format}: {response.status_code}")
            for chunk in response.iter_content(1 << 20):
                received += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        expected = {"csv": size + 1, "jsonl": size}.get(export_format)
        if expected is not None and lines != expected:
            raise AssertionError(
                f"export {export_format}: {lines} lines, not {expected}"
            )
        runs.append(
            ExportRun(
                size,
                export_format,
                seconds,
                received / 1e6,
                sampler.peak - before,
            )
        )
    return runs


def report_export(runs: list[ExportRun], baseline: int, total: int) -> None:
    print()
    print("Export of the procedure, streamed over HTTP (rows/s; peak RSS growth)")
    by_key = {(run.size, run.format): run for run in runs}
    for export_format in EXPORT_FORMATS:
        small, large = by_key[baseline, export_format], by_key[total, export_format]
        print(
            f"  {export_format:<6}"
            f"{baseline:>9,}: {baseline / small.seconds:>8,.0f} rows/s, "
            f"+{small.rss_growth_mb:5.1f} MB  |"
            f"{total:>9,}: {total / large.seconds:>8,.0f} rows/s, "
            f"{large.megabytes:6.1f} MB in {large.seconds:5.1f} s, "
            f"+{large.rss_growth_mb:5.1f} MB  | rate ratio "
            f"{(total / large.seconds) / (baseline / small.seconds):.2f}x"
        )
    print("  (RSS growth: whole process, server and client, during the download)")


# -- reporting ------------------------------------------------------------


def ms(seconds: float, decimals: int = 1) -> str:
    """Seconds as milliseconds, right-aligned in 8 characters."""
    return f"{seconds * 1000:8.{decimals}f}"


def report(
    results: dict[int, dict[Case, Timing]],
    seeding: dict[int, tuple[int, float]],
    limit: int,
    repeat: int,
) -> None:
    """Print the timings, their ratios against the target, and seeding."""
    small, large = sorted(results)
    print()
    print(f"@submissions, limit={limit}, {repeat} timed requests per row (ms)")
    print(
        f"{'listing':<10} {'order':<7} {'page':<6} {'stored':>8} {'cold':>8} "
        f"{'min':>8} {'median':>8} {'p95':>8} {'api':>8}"
    )
    for case in CASES:
        for size in (small, large):
            timing = results[size][case]
            print(
                f"{case.listing:<10} {case.order:<7} {case.page:<6} {size:>8,} "
                f"{ms(timing.cold)} "
                f"{ms(timing.minimum)} {ms(timing.median)} {ms(timing.p95)} "
                f"{ms(timing.api, 2)}"
            )
    print()
    print(f"Ratios {large:,} / {small:,} (target: median within {TARGET_RATIO}x)")
    print(
        f"{'listing':<10} {'order':<7} {'page':<6} {'median':>7} {'':<6} "
        f"{'min':>7} {'api':>7}  median at {large:,} (target {PAGE_TARGET_MS} ms)"
    )
    for case in CASES:
        before, after = results[small][case], results[large][case]
        ratio = after.median / before.median
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        fast = "PASS" if after.median * 1000 <= PAGE_TARGET_MS else "FAIL"
        print(
            f"{case.listing:<10} {case.order:<7} {case.page:<6} {ratio:6.2f}x "
            f"{verdict:<6} {after.minimum / before.minimum:6.2f}x "
            f"{after.api / before.api:6.2f}x  {after.median * 1000:6.1f} ms {fast}"
        )
    print()
    total_count = 0
    total_seconds = 0.0
    for size, (count, seconds) in sorted(seeding.items()):
        total_count += count
        total_seconds += seconds
        print(
            f"Seeding up to {size:>8,}: {count:,} in {seconds:.1f} s "
            f"= {count / seconds:,.0f} submissions/s"
        )
    print(
        f"Seeding overall:          {total_count:,} in {total_seconds:.1f} s "
        f"= {total_count / total_seconds:,.0f} submissions/s "
        f"(commit every {COMMIT_EVERY:,})"
    )


def report_feed(pulls: list[FeedPull], notes: list[str], expected: int) -> None:
    """Print the change feed pulls."""
    print()
    print(
        f"Change feed: GET @submissions?since=0&limit={FEED_LIMIT}, then "
        f"each next, as Manager ({expected:,} submissions)"
    )
    for note in notes:
        print(f"  {note}")
    for pull in pulls:
        per_page = (
            f"page median {ms(statistics.median(pull.pages)).strip()} ms, "
            f"max {ms(max(pull.pages)).strip()} ms"
        )
        if pull.complete:
            print(
                f"  {pull.label}: {pull.received:,} items (all, ids unique) in "
                f"{len(pull.pages)} pages, {pull.seconds:.1f} s = "
                f"{pull.received / pull.seconds:,.0f} rows/s; {per_page}; "
                f"peak RSS {pull.peak_mb:,.0f} MB"
            )
        else:
            print(
                f"  {pull.label}: INCOMPLETE ({pull.stopped}), only "
                f"{len(pull.pages)} pages timed, {pull.received:,} items (ids "
                f"unique) in {pull.seconds:.1f} s = "
                f"{pull.received / pull.seconds:,.0f} rows/s; {per_page}; at "
                f"{statistics.median(pull.pages):.2f} s per page, all "
                f"{math.ceil(expected / FEED_LIMIT):,} pages would take about "
                f"{statistics.median(pull.pages) * expected / FEED_LIMIT:,.0f}"
                f" s; peak RSS {pull.peak_mb:,.0f} MB"
            )
    print("  (peak RSS: the whole process, WSGI server and seeding included)")


# -- main -----------------------------------------------------------------


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Read and check the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--feed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pull the whole change feed at --total (default: on)",
    )
    parser.add_argument(
        "--export",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="export the procedure as CSV, JSONL and XLSX at both sizes (default: on)",
    )
    parser.add_argument(
        "--feed-slow-page",
        type=float,
        default=2.0,
        help="before settling, time only the first pages if the first one "
        "takes longer than this (seconds; default 2)",
    )
    parser.add_argument(
        "--feed-budget",
        type=float,
        default=300.0,
        help="before settling, stop pulling after this many seconds (default 300)",
    )
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.page_size <= MAX_PAGE_SIZE:
        parser.error(f"--page-size must be between 1 and {MAX_PAGE_SIZE}")
    if arguments.baseline <= arguments.page_size:
        parser.error("--baseline must be larger than --page-size")
    if arguments.total <= arguments.baseline:
        parser.error("--total must be larger than --baseline")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    return arguments


def run(arguments: argparse.Namespace) -> None:
    """Set up the site, seed, measure at both sizes, then print the report."""
    limit = arguments.page_size
    with (
        functional_site(FUNCTIONAL_TESTING) as layer,
        tempfile.TemporaryDirectory(prefix="guichet-bench-audit-") as journal,
    ):
        # The listings' audit records go to the journal of reads: a
        # throwaway one, as zope.conf would set it.
        getConfiguration().product_config = {"imio.guichet": {"audit-journal": journal}}
        portal = layer["portal"]
        procedure = published_procedure(
            portal, id="extrait-casier", title="Extrait de casier judiciaire"
        )
        procedure_uid = api.content.get_uuid(procedure)
        store = get_store(create=True)
        transaction.commit()
        layer["zodbDB"].setCacheSize(CACHE_SIZE)

        urls = {
            "site": f"{portal.absolute_url()}/@submissions",
            "procedure": f"{procedure.absolute_url()}/@submissions",
        }
        session = requests.Session()
        session.trust_env = False  # never send localhost through a proxy
        session.auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
        session.headers["Accept"] = "application/json"

        keys: list[str] = []
        exports: list[ExportRun] = []
        results: dict[int, dict[Case, Timing]] = {}
        seeding: dict[int, tuple[int, float]] = {}
        for size in (arguments.baseline, arguments.total):
            before = len(keys)
            print(f"Seeding up to {size:,}...", file=sys.stderr, flush=True)
            seconds = seed(store, procedure_uid, keys, size)
            seeding[size] = (size - before, seconds)
            print(f"Measuring at {size:,}...", file=sys.stderr, flush=True)
            results[size] = measure(
                session,
                urls,
                procedure_uid=procedure_uid,
                keys=keys,
                limit=limit,
                repeat=arguments.repeat,
            )
            if arguments.export:
                print(f"Exporting {size:,}...", file=sys.stderr, flush=True)
                exports += measure_export(
                    session, f"{procedure.absolute_url()}/@submissions-export", size
                )
        if arguments.feed:
            pulls, notes = measure_feed(
                session,
                urls["site"],
                store,
                keys,
                slow_page=arguments.feed_slow_page,
                budget=arguments.feed_budget,
            )
        session.close()
    report(results, seeding, limit, arguments.repeat)
    if arguments.feed:
        report_feed(pulls, notes, len(keys))
    if arguments.export:
        report_export(exports, arguments.baseline, arguments.total)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average at the end: {load} on {os.cpu_count()} CPUs")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    run(parse_arguments(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
