"""Bytes the submission store adds to the database per filing, by structure.

Files ``--total`` submissions straight into a ``SubmissionStore`` on a real
FileStorage (no Plone: the store alone), one transaction per filing as the
site does, with an Idempotency-Key and a logged-in submitter, the change
feed settled every ``feed.SLOT_SECONDS`` of a simulated clock as the
settling step does. Over the last ``--measure`` filings it prints the growth
of Data.fs per filing and, for each class of object written, the bytes and
records per filing (from the transaction records). Slowness never fails it.

Each filing is put in the search index as the site does (``--no-search``
leaves it out, to see what the index adds); ``--answers people`` files
the answers of ``search_data.py`` (a name, an e-mail, a national number, an
address, a comment of 5 to 30 words) instead of ten short answers.

Run::

    .venv/bin/python bench/bench_bytes.py
    .venv/bin/python bench/bench_bytes.py --total 100000 --measure 10000
    .venv/bin/python bench/bench_bytes.py --dashboard   # with its counters
    .venv/bin/python bench/bench_bytes.py --no-search --answers people

``--due`` gives every filing a due date, as a procedure with a processing
delay does (without it, filings have none, as most procedures set no
delay: those are in no due-date index).

``--dashboard`` also counts each filing in the dashboard's counters
(``imio.guichet.dashboard.counters``), as their subscriber does.

The whole filing path (HTML or REST, e-mails and webhooks queued, Zope's
transaction notes) writes more than the store alone: ``bench_peers.py``
measures that, against the other form add-ons.
"""

from collections import Counter
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.dashboard import counters
from imio.guichet.dashboard.counters import DashboardCounters
from imio.guichet.submissions import feed
from imio.guichet.submissions import search
from imio.guichet.submissions.references import new_reference
from imio.guichet.submissions.storage import new_submission_id
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from search_data import Answers  # bench/search_data.py
from ZODB.FileStorage import FileIterator
from ZODB.FileStorage import FileStorage
from ZODB.utils import p64
from ZODB.utils import u64

import argparse
import io
import os
import pickle
import secrets
import tempfile
import time
import transaction
import ZODB


DATA = {f"field{i}": f"Réponse numéro {i}, un peu de texte" for i in range(10)}
PROCEDURES = [secrets.token_hex(16) for _ in range(3)]


def file_one(
    store: SubmissionStore,
    now: float,
    data: dict = DATA,
    indexed: bool = True,
    dashboard: DashboardCounters | None = None,
    *,
    due: bool = False,
) -> None:
    created = datetime.fromtimestamp(now, UTC)
    key = store.new_key(created)
    submission = Submission(
        key=key,
        submission_id=new_submission_id(key),
        reference=new_reference(),
        procedure_uid=PROCEDURES[key % len(PROCEDURES)],
        schema_version=1,
        data=dict(data),
        created=created,
        submitter="citoyen",
        submitter_key="identity-of-citoyen",
        language="fr",
    )
    store.add(submission)
    if due:
        store.set_due(submission, (created + timedelta(days=30)).date())
    if indexed:
        search.index(store, submission)
    if dashboard is not None:
        dashboard.of(submission.procedure_uid, create=True).count_filing(created)
    store.remember_request(
        submission,
        {
            "scope": f"{submission.procedure_uid}:{secrets.token_hex(16)}",
            "fingerprint": secrets.token_hex(32),
            "submitter": "citoyen",
            "draft": None,
            "date": created,
        },
    )


def class_name(record_data: bytes) -> str:
    # A record's pickle starts with its class (module, name).
    klass = pickle.Unpickler(io.BytesIO(record_data)).load()
    klass = klass[0] if isinstance(klass, tuple) else klass
    return getattr(klass, "__name__", str(klass))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=20_000)
    parser.add_argument("--measure", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=100.0, help="filings/s simulated")
    parser.add_argument(
        "--dashboard", action="store_true", help="count filings for the dashboard"
    )
    parser.add_argument("--search", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--due", action="store_true", help="every filing has a due date"
    )
    parser.add_argument("--answers", choices=("short", "people"), default="short")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-bytes-")
    path = os.path.join(folder, "Data.fs")
    db = ZODB.DB(FileStorage(path), cache_size=30_000)
    connection = db.open()
    store = connection.root()["store"] = SubmissionStore()
    dashboard = None
    if args.dashboard:
        dashboard = connection.root()["dashboard"] = DashboardCounters()
        counters.site_timezone = lambda: UTC  # no site here: weeks in UTC
    transaction.commit()
    people = Answers() if args.answers == "people" else None
    clock = [time.time()]
    feed.clock = search.clock = lambda: clock[0]
    last_settled = clock[0]
    started = time.perf_counter()
    size_before = first_tid = None
    for n in range(args.total):
        if n == args.total - args.measure:
            size_before, first_tid = os.path.getsize(path), db.lastTransaction()
        data = DATA if people is None else people(n)
        file_one(store, clock[0], data, args.search, dashboard, due=args.due)
        transaction.commit()
        clock[0] += 1 / args.rate
        if clock[0] - last_settled >= feed.SLOT_SECONDS:
            feed.settle_feeds(store, clock[0])
            transaction.commit()
            last_settled = clock[0]
    seconds = time.perf_counter() - started
    growth = (os.path.getsize(path) - size_before) / args.measure
    sizes, records = Counter(), Counter()
    for txn in FileIterator(path, start=p64(u64(first_tid) + 1)):
        for record in txn:
            if record.data:
                name = class_name(record.data)
                sizes[name] += len(record.data)
                records[name] += 1
    print(
        f"{args.total:,} filings ({args.total / seconds:,.0f}/s in-process), "
        f"answers: {args.answers}, search index: {'yes' if args.search else 'no'}, "
        f"due dates: {'yes' if args.due else 'no'}"
    )
    print(f"Data.fs growth over the last {args.measure:,}: {growth:,.0f} B/filing")
    print(f"{'class':24} {'B/filing':>9} {'records/filing':>15}")
    for name, size in sizes.most_common():
        print(
            f"{name:24} {size / args.measure:9,.0f} "
            f"{records[name] / args.measure:15.2f}"
        )
    print("(the rest of the growth: 42 B of header per record, and each")
    print(" transaction's own header)")
    db.close()


if __name__ == "__main__":
    main()
