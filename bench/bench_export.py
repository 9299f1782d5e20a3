"""An export's cost per row, in-process, and what reading a submission costs.

A real Plone site with imio.guichet is set up in-process through the
``imio.guichet.testing.FUNCTIONAL_TESTING`` layer chain (as
``bench_submissions.py`` does); ``--filings`` submissions of the default
form are filed through ``submissions.api.submit`` (validation, indexing and
e-mails as a filing does, one transaction each). Then, ``--repeat`` times
each, with the connection's cache emptied first so that every submission
is read from the storage:

- ``staff.export_submissions`` of the procedure, as the REST export calls
  it (the use case: permission, audit, the writer), for each ``--format``;
- loading every submission (``_p_activate``): ZODB's reading and
  unpickling alone.

It prints the median and the best time per row, the size of one
submission's record, and of a loaded submission in memory. It only
reports; no ratio is judged here (the exports' targets are
bench_peers.py's, against formsupport).

Run::

    .venv/bin/python bench/bench_export.py
    .venv/bin/python bench/bench_export.py --filings 10000 --format csv jsonl
"""

from bench_submissions import published_procedure
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.caller import script_caller
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.query import ExportQuery
from imio.guichet.testing import functional_site
from imio.guichet.testing import FUNCTIONAL_TESTING
from imio.guichet.usecases import staff
from plone import api
from plone.app.testing import TEST_USER_ID
from ZODB.POSException import ConflictError

import argparse
import gc
import statistics
import sys
import time
import transaction


#: What a procedure needs to take submissions (imio.guichet.privacy).
PRIVACY_INFORMATION = {
    "privacy_purpose": "Traiter votre demande.",
    "privacy_legal_basis": "c",
    "privacy_legal_reference": "Code civil, livre 1er, titre 2",
    "privacy_recipients": ["Service État civil"],
    "privacy_data_subjects": ["Demandeurs"],
}
FIRST = datetime(2026, 1, 1, tzinfo=UTC)


def answers(n: int) -> dict:
    """The answers of the n-th filing to the default form's four fields."""
    return {
        "last_name": f"Dupont {n}",
        "first_name": "Élodie",
        "email": f"elodie.dupont{n}@example.org",
        "message": "Bonjour, je voudrais un extrait de casier judiciaire.",
    }


def file_all(procedure, count: int) -> None:
    for n in range(count):
        for attempt in range(5):  # the settling thread may conflict
            try:
                with api.env.adopt_roles(["Manager"]):
                    submit(
                        procedure,
                        answers(n),
                        submitter=None,
                        now=FIRST + timedelta(seconds=n),
                    )
                transaction.commit()
                break
            except ConflictError:
                transaction.abort()
                if attempt == 4:
                    raise


def size_in_memory(submission) -> int:
    """The bytes of a loaded submission, its dict and what it holds (texts,
    dicts, lists, tuples; objects shared with others counted too)."""
    seen = set()

    def size(value) -> int:
        if id(value) in seen:
            return 0
        seen.add(id(value))
        total = sys.getsizeof(value)
        if isinstance(value, dict):
            total += sum(size(k) + size(v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            total += sum(size(item) for item in value)
        return total

    return sys.getsizeof(submission) + size(vars(submission))


def per_row(times: list[float], rows: int) -> str:
    median, best = statistics.median(times), min(times)
    return f"{median * 1e6 / rows:6.1f} µs a row (best {best * 1e6 / rows:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--format", nargs="+", default=["csv", "jsonl"], choices=["csv", "jsonl"]
    )
    args = parser.parse_args()
    with functional_site(FUNCTIONAL_TESTING) as layer:
        procedure = published_procedure(
            layer["portal"], id="extrait", title="Extrait", **PRIVACY_INFORMATION
        )
        store = get_store(create=True)
        transaction.commit()
        started = time.perf_counter()
        file_all(procedure, args.filings)
        seconds = time.perf_counter() - started
        print(f"filed {args.filings:,} in {seconds:.1f} s")

        keys = list(store._index("all"))
        submissions = [store.by_key(key) for key in keys]
        jar = submissions[0]._p_jar
        record = jar.db().storage.load(submissions[0]._p_oid)[0]
        print(f"a submission's record: {len(record):,} bytes")
        caller = script_caller(TEST_USER_ID)
        gc.collect()
        gc.freeze()  # what filing left is not the export's garbage

        for kind in args.format:
            times = []
            for _ in range(args.repeat + 1):  # the first warms up
                jar.cacheMinimize()
                started = time.perf_counter()
                chunks = []
                count = staff.export_submissions(
                    caller, procedure, ExportQuery(kind=kind), chunks.append
                )
                times.append(time.perf_counter() - started)
                transaction.abort()
                assert count == len(keys), (count, len(keys))
            print(f"export, {kind:5}: {per_row(times[1:], count)}")

        loads = []
        for _ in range(args.repeat):
            jar.cacheMinimize()
            started = time.perf_counter()
            for submission in submissions:
                submission._p_activate()
            loads.append(time.perf_counter() - started)
        print(f"load a submission: {per_row(loads, len(submissions))}")
        submissions[0]._p_activate()
        loaded = size_in_memory(submissions[0])
        print(f"a loaded submission in memory: {loaded:,} bytes")


if __name__ == "__main__":
    main()
