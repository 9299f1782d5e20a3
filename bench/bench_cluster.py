"""Capacity on paper: N instances on one RelStorage/PostgreSQL database.

For each N of ``--instances``, on a fresh PostgreSQL database
(``cluster_bench``, dropped before and after each N):

1. ``make start STORAGE=postgresql`` starts the first instance (it makes the
   role, the database, RelStorage's tables and the demo site), then
   ``make serve`` starts the N-1 others on the same database, each in its
   own folder of a temporary directory, on ports 8700, 8701… (``--port``),
   as docs/deployment.md "Several instances on RelStorage/PostgreSQL" says.
   ``make`` runs with ``-o .venv/.installed`` (never reinstalls the venv).
2. The anonymous rate limit is lifted through ``@registry`` as ``admin``
   (every client files from 127.0.0.1), and every instance files a few
   warm-up submissions.
3. ``--clients`` clients, spread round-robin over the instances, file
   ``--filings`` submissions in all, anonymously over REST, to *Déclaration
   de perte d'un objet*, each with an ``Idempotency-Key`` (a 5xx or a
   network failure is retried with the same key, as bench_load.py does).
4. The change feed is pulled once from the first instance: every 201
   answer must be stored exactly once.

One row per N:

- filings/s, p50/p95 latency (ms), errors (after retries), client retries;
- CPU s/filing: utime+stime of every process of the instances (each
  ``make`` session: make and its ``runwsgi``, from ``/proc/<pid>/stat``),
  delta over the run and until the database stops growing (the outbox's
  e-mails, sent after commit by the instances' workers, are part of a
  filing's cost), divided by the filings; PostgreSQL's own CPU is not
  counted;
- bytes/filing: growth of ``pg_total_relation_size('object_state')``
  (table, TOAST, indexes: what the disk holds) and of
  ``sum(length(state))`` ("live": the pickles themselves), from before
  the run (after the warm-up has settled) to after it has settled;
- conflicts/1k: the lines ``<Error> at <path>: <message>. Request will be
  retried.`` that Products.SiteErrorLog logs at INFO (to each instance's
  ``var/log/event.log``, whose level lets INFO through) for every
  ConflictError (or other TransientError) Zope retries, per 1,000 filings;
  the errors and the classes of the objects in conflict are printed
  below the table;
- RSS MB: resident memory of each instance's ``runwsgi`` after the run
  (mean over the instances).

Run by hand (PostgreSQL on 127.0.0.1:5432, ``postgres`` trusted)::

    .venv/bin/python bench/bench_cluster.py
    .venv/bin/python bench/bench_cluster.py --instances 1 2 4 --filings 1000 --clients 8
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from dataclasses import field
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.testing_instance import InstanceError
from imio.guichet.testing_instance import ServedInstance
from imio.guichet.testing_instance import started_instance
from pathlib import Path

import argparse
import os
import psycopg2
import re
import requests
import sys
import tempfile
import time
import uuid


PROCEDURE = f"{PROCEDURES_PATH}/declaration-de-perte"
FORM_DATA = {
    "object_type": "keys",
    "description": "Trousseau de 3 clés, porte-clés rouge",
    "loss_date": "2026-11-20",
    "name": "Jeanne Dupont",
    "email": "jeanne@example.org",
}
BACK_OFFICE = ("backoffice", "backoffice")
ADMIN = ("admin", "admin")
RATE_LIMIT = "imio.guichet.interfaces.IGuichetSettings.anonymous_submissions_per_hour"
TIMEOUT = 120
DATABASE = "cluster_bench"
SERVER = "user=postgres host=127.0.0.1 port=5432"
ADMIN_DSN = f"dbname=postgres {SERVER}"
#: What Products.SiteErrorLog logs (INFO) for a retried TransientError.
RETRIED = re.compile(r"\] (\w+) at \S*: .*\. Request will be retried\.$")
#: The class of the object in conflict, when the message names it.
CONFLICTING_CLASS = re.compile(r", class ([\w.]+),")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    retries: int = 0

    def add(self, other: "Load") -> None:
        self.latencies += other.latencies
        self.ids += other.ids
        self.errors.update(other.errors)
        self.retries += other.retries

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def session(auth=None) -> requests.Session:
    client = requests.Session()
    client.trust_env = False
    client.headers["Accept"] = "application/json"
    client.auth = auth
    return client


def file_forms(site: str, count: int, retries: int) -> Load:
    """One client: ``count`` submissions in a row to ``site``."""
    run = Load()
    client = session()
    url = f"{site}/{PROCEDURE}/@submissions"
    for _ in range(count):
        key = str(uuid.uuid4())
        data = {**FORM_DATA, "description": f"Objet {key}"}
        for attempt in range(retries + 1):
            started = time.perf_counter()
            try:
                answer = client.post(
                    url,
                    json={"data": data},
                    headers={"Idempotency-Key": key},
                    timeout=TIMEOUT,
                )
                status = answer.status_code
            except requests.RequestException as failure:
                status = type(failure).__name__
            run.latencies.append(time.perf_counter() - started)
            if status == 201:
                run.ids.append(answer.json()["id"])
                break
            if attempt < retries and (not isinstance(status, int) or status >= 500):
                run.retries += 1
                continue
            run.errors[str(status)] += 1
            break
    return run


def load(sites: list[str], clients: int, filings: int, retries: int) -> Load:
    """``filings`` in all from ``clients`` clients, client i on site i mod N."""
    shares = [filings // clients + (i < filings % clients) for i in range(clients)]
    total = Load()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(
            pool.map(
                lambda i: file_forms(sites[i % len(sites)], shares[i], retries),
                range(clients),
            )
        )
    total.seconds = time.perf_counter() - started
    for result in results:
        total.add(result)
    return total


def feed(site: str) -> list[dict]:
    client = session(BACK_OFFICE)
    items, url = [], f"{site}/@submissions?since=0&limit=100"
    while url:
        page = client.get(url, timeout=TIMEOUT).json()
        items += page["items"]
        url = page["next"]
    return items


def check(site: str, filed: list[str]) -> list[str]:
    """Every 201 answer stored exactly once (fresh database: the feed holds
    the demo's submissions, if any, and ours)."""
    problems = []
    if len(set(filed)) != len(filed):
        problems.append(f"{len(filed) - len(set(filed))} ids answered twice")
    pulled = feed(site)
    seen = Counter(item["id"] for item in pulled)
    twice = [i for i, n in seen.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} submissions twice in the feed")
    missing = set(filed) - set(seen)
    if missing:
        problems.append(f"{len(missing)} filed submissions missing from the feed")
    ours = sum(1 for item in pulled if item["procedure"]["@id"].endswith(PROCEDURE))
    if ours != len(filed):
        problems.append(f"{ours} stored for the procedure, {len(filed)} filed")
    return problems


def session_pids(leader: int) -> list[int]:
    """The processes of ``make``'s session (make, runwsgi)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == leader:  # field 6, session id
                pids.append(int(entry.name))
    return pids


def cpu_seconds(instances: list[ServedInstance]) -> float:
    ticks = 0
    for instance in instances:
        for pid in session_pids(instance.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLOCK_TICKS


def rss_mb(instance: ServedInstance) -> float:
    """The largest process of the session: its runwsgi."""
    sizes = [0]
    for pid in session_pids(instance.pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        if found:
            sizes.append(int(found.group(1)))
    return max(sizes) / 1024


def conflicts(instances: list[ServedInstance]) -> Counter:
    found = Counter()
    for instance in instances:
        log = instance.folder / "var" / "log" / "event.log"
        if log.exists():
            for line in log.read_text(errors="replace").splitlines():
                match = RETRIED.search(line)
                if match:
                    of_class = CONFLICTING_CLASS.search(line)
                    where = f" on {of_class.group(1)}" if of_class else ""
                    found[match.group(1) + where] += 1
    return found


def stored_bytes() -> tuple[int, int]:
    db = psycopg2.connect(f"dbname={DATABASE} {SERVER}")
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('object_state'),"
            " coalesce(sum(length(state)), 0) FROM object_state"
        )
        total, live = cursor.fetchone()
    db.close()
    return int(total), int(live)


def settled_bytes(timeout: float = 90) -> tuple[int, int]:
    """``stored_bytes`` once the background workers (e-mails, webhooks of
    the outbox) stop writing: unchanged over two looks 3 s apart."""
    deadline = time.monotonic() + timeout
    last = stored_bytes()
    unchanged = 0
    while unchanged < 2 and time.monotonic() < deadline:
        time.sleep(3)
        now = stored_bytes()
        unchanged = unchanged + 1 if now == last else 0
        last = now
    return last


def drop_database() -> None:
    db = psycopg2.connect(ADMIN_DSN)
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    db.close()


def drop_role() -> None:
    db = psycopg2.connect(ADMIN_DSN)
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{DATABASE}"')
    db.close()


@dataclass
class Row:
    instances: int
    load: Load
    cpu: float
    total_bytes: int
    live_bytes: int
    conflicts: Counter
    rss: float
    problems: list[str]


def measure(count: int, arguments, workdir: Path) -> Row:
    drop_database()
    settings = {
        "STORAGE": "postgresql",
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        "PGUSER": DATABASE,
        "PGDATABASE": DATABASE,
        "PGADMIN_DSN": ADMIN_DSN,
    }
    folders = workdir / f"n{count}"
    with ExitStack() as stack:
        print(f"N={count}: starting instance 1 (make start)...", file=sys.stderr)
        instances = [
            stack.enter_context(
                started_instance(
                    folders / "instance-1", PORT=arguments.port, **settings
                )
            )
        ]
        admin = session(ADMIN)
        answer = admin.patch(
            f"{instances[0].url}/@registry", json={RATE_LIMIT: 0}, timeout=TIMEOUT
        )
        answer.raise_for_status()
        for index in range(2, count + 1):
            print(
                f"N={count}: starting instance {index} (make serve)...", file=sys.stderr
            )
            instances.append(
                stack.enter_context(
                    started_instance(
                        folders / f"instance-{index}",
                        "serve",
                        PORT=arguments.port + index - 1,
                        **settings,
                    )
                )
            )
        sites = [instance.url for instance in instances]
        print(f"N={count}: warming up...", file=sys.stderr)
        warm = load(sites, len(sites), arguments.warmup * len(sites), arguments.retries)
        if warm.errors:
            raise InstanceError(f"warm-up failed: {dict(warm.errors)}")
        total_before, live_before = settled_bytes()
        cpu_before = cpu_seconds(instances)
        conflicts_before = conflicts(instances)
        print(
            f"N={count}: {arguments.filings} filings, {arguments.clients} clients...",
            file=sys.stderr,
        )
        run = load(sites, arguments.clients, arguments.filings, arguments.retries)
        # What the filings set off after their commit (the outbox's e-mails)
        # is part of their cost: measure once it is done.
        total_after, live_after = settled_bytes()
        cpu = cpu_seconds(instances) - cpu_before
        found = conflicts(instances)
        found.subtract(conflicts_before)
        rss = sum(rss_mb(instance) for instance in instances) / len(instances)
        print(f"N={count}: checking the change feed...", file=sys.stderr)
        problems = check(sites[0], warm.ids + run.ids)
    drop_database()
    return Row(
        count,
        run,
        cpu,
        total_after - total_before,
        live_after - live_before,
        +found,
        rss,
        problems,
    )


def report(rows: list[Row], arguments) -> None:
    print(
        f"\n{arguments.filings} filings from {arguments.clients} clients per N"
        " (RelStorage/PostgreSQL, one database)\n"
    )
    print(
        f"{'N':>3}{'filed':>7}{'filings/s':>11}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'errors':>8}{'retries':>9}{'CPU s/filing':>14}{'bytes/filing':>14}"
        f"{'live':>8}{'confl./1k':>11}{'RSS MB':>8}"
    )
    for row in rows:
        filed = len(row.load.ids)
        per = max(filed, 1)
        print(
            f"{row.instances:>3}{filed:>7}{filed / row.load.seconds:>11.1f}"
            f"{row.load.percentile(0.5) * 1000:>8.0f}"
            f"{row.load.percentile(0.95) * 1000:>8.0f}"
            f"{sum(row.load.errors.values()):>8}{row.load.retries:>9}"
            f"{row.cpu / per:>14.3f}{row.total_bytes / per:>14,.0f}"
            f"{row.live_bytes / per:>8,.0f}"
            f"{sum(row.conflicts.values()) * 1000 / per:>11.1f}{row.rss:>8.0f}"
        )
    for row in rows:
        details = []
        if row.load.errors:
            details.append(f"errors {dict(row.load.errors)}")
        if row.conflicts:
            details.append(f"retried {dict(row.conflicts)}")
        details.append(
            f"check: {len(row.load.ids):,} filed, each stored exactly once"
            if not row.problems
            else f"CHECK FAILED: {row.problems}"
        )
        print(f"N={row.instances}: " + "; ".join(details))
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average at the end: {load_average} on {os.cpu_count()} CPUs")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--filings", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=5, help="filings per instance")
    parser.add_argument("--port", type=int, default=8700, help="the first port")
    arguments = parser.parse_args(argv)
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average at the start: {load_average}", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="guichet-cluster-") as workdir:
        try:
            for count in arguments.instances:
                rows.append(measure(count, arguments, Path(workdir)))
        finally:
            drop_database()
            drop_role()
    report(rows, arguments)
    return 1 if any(row.problems for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
