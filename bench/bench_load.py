"""Submit forms from concurrent clients against one running instance.

By default a throwaway instance is built in a temporary folder (FileStorage
and blobs, the demo site of ``make start``, 4 waitress threads as in
``etc/zope.ini.in``), started as its own process with ``runwsgi``, and
removed at the end; ``--url`` targets a running site instead (its demo
accounts must exist).

1. Baseline: one client files ``--per-client`` forms, one after the other.
2. Load: ``--clients`` clients file ``--per-client`` forms each at once
   (default 8 x 250 = 2,000), anonymously, over HTTP, to *Déclaration de
   perte d'un objet*. Each request carries an ``Idempotency-Key``; a client
   whose request fails at the network level or with a 5xx retries it with
   the same key, as a real client would (at most ``--retries`` times).
   All clients share one address: the anonymous rate limit is lifted for
   the run through ``@registry`` as ``admin``, and restored afterwards.
3. The back office (``backoffice``) acknowledges every submission returned
   (8 clients), then pulls the change feed from the start and checks that
   every acknowledged submission is stored exactly once, acknowledged.

Prints submissions/s, latency percentiles, errors and retries for the
baseline and the load, their ratio, and the check. Only wrong results make
it fail; slowness is reported.

Run::

    .venv/bin/python bench/bench_load.py
    .venv/bin/python bench/bench_load.py --clients 8 --per-client 250
    .venv/bin/python bench/bench_load.py --url http://localhost:8080/Plone
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from imio.guichet.testing_instance import demo_instance

import argparse
import os
import requests
import sys
import time
import uuid


PROCEDURE = "demarches/declaration-de-perte"
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
TIMEOUT = 60


@dataclass
class Run:
    label: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    retries: int = 0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def session(auth=None) -> requests.Session:
    client = requests.Session()
    client.trust_env = False
    client.headers["Accept"] = "application/json"
    client.auth = auth
    return client


def file_forms(site: str, count: int, retries: int) -> Run:
    """One client: ``count`` submissions in a row."""
    run = Run("client")
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


def load(site: str, clients: int, per_client: int, retries: int, label: str) -> Run:
    total = Run(label)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(
            pool.map(lambda _: file_forms(site, per_client, retries), range(clients))
        )
    total.seconds = time.perf_counter() - started
    for result in results:
        total.latencies += result.latencies
        total.ids += result.ids
        total.errors.update(result.errors)
        total.retries += result.retries
    return total


def acknowledge_all(site: str, ids: list[str], clients: int) -> Counter:
    def ack(chunk: list[str]) -> Counter:
        client = session(BACK_OFFICE)
        statuses = Counter()
        for submission_id in chunk:
            answer = client.post(
                f"{site}/@submissions/{submission_id}/@ack",
                json={"external_reference": f"BO-{submission_id[:8]}"},
                timeout=TIMEOUT,
            )
            statuses[answer.status_code] += 1
        return statuses

    chunks = [ids[i::clients] for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        return sum(pool.map(ack, chunks), Counter())


def feed(site: str) -> list[dict]:
    """Every submission of the site, from the change feed, page by page."""
    client = session(BACK_OFFICE)
    items, url = [], f"{site}/@submissions?since=0&limit=100"
    while url:
        page = client.get(url, timeout=TIMEOUT).json()
        items += page["items"]
        url = page["next"]
    return items


def stored_for_procedure(items: list[dict]) -> int:
    return sum(1 for item in items if item["procedure"]["@id"].endswith(PROCEDURE))


def check(site: str, filed: list[str], stored_before: int) -> list[str]:
    """Problems found: every filed submission acknowledged, stored once (a
    retry that filed twice would show as one submission too many)."""
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
    by_id = {item["id"]: item for item in pulled}
    unacknowledged = [
        i for i in filed if i in by_id and not by_id[i]["acknowledgement"]
    ]
    if unacknowledged:
        problems.append(f"{len(unacknowledged)} not acknowledged")
    references = Counter(item["reference"] for item in pulled)
    if any(n > 1 for n in references.values()):
        problems.append("duplicate references")
    added = stored_for_procedure(pulled) - stored_before
    if added != len(filed):
        problems.append(f"{added} stored for the procedure, {len(filed)} filed")
    return problems


def set_limit(admin: requests.Session, site: str, value: int) -> None:
    answer = admin.patch(f"{site}/@registry", json={RATE_LIMIT: value}, timeout=TIMEOUT)
    answer.raise_for_status()


def report(runs: list[Run]) -> None:
    print(
        f"{'run':<22}{'filed':>7}{'subm./s':>9}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'max ms':>8}{'retries':>9}  errors"
    )
    for run in runs:
        print(
            f"{run.label:<22}{len(run.ids):>7}{len(run.ids) / run.seconds:>9.1f}"
            f"{run.percentile(0.5) * 1000:>8.0f}{run.percentile(0.95) * 1000:>8.0f}"
            f"{max(run.latencies) * 1000:>8.0f}{run.retries:>9}  "
            f"{dict(run.errors) or 'none'}"
        )
    baseline, loaded = runs
    ratio = (len(loaded.ids) / loaded.seconds) / (len(baseline.ids) / baseline.seconds)
    print(f"Throughput, {loaded.label} / {baseline.label}: {ratio:.2f}x")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running site (default: a throwaway one)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=250)
    parser.add_argument("--retries", type=int, default=3)
    arguments = parser.parse_args(argv)
    if arguments.url is None:
        print("Creating a throwaway instance with the demo site...", file=sys.stderr)
    with (
        demo_instance(prefix="guichet-bench-")
        if arguments.url is None
        else _given(arguments.url)
    ) as site:
        # Every client files from 127.0.0.1: lift the anonymous rate limit
        # (20 an hour per address by default) for the run, then restore it.
        admin = session(ADMIN)
        limit = admin.get(f"{site}/@registry/{RATE_LIMIT}", timeout=TIMEOUT).json()
        set_limit(admin, site, 0)
        stored_before = stored_for_procedure(feed(site))
        print("Baseline: 1 client...", file=sys.stderr)
        baseline = load(site, 1, arguments.per_client, arguments.retries, "1 client")
        print(f"Load: {arguments.clients} clients...", file=sys.stderr)
        loaded = load(
            site,
            arguments.clients,
            arguments.per_client,
            arguments.retries,
            f"{arguments.clients} clients",
        )
        filed = baseline.ids + loaded.ids
        print("Acknowledging and checking...", file=sys.stderr)
        acks = acknowledge_all(site, filed, arguments.clients)
        problems = check(site, filed, stored_before)
        set_limit(admin, site, limit)
    report([baseline, loaded])
    print(f"Acknowledgements: {dict(acks)}")
    print(
        f"Check: {len(filed):,} filed, each acknowledged and stored exactly once"
        if not problems and set(acks) == {200}
        else f"CHECK FAILED: {problems or dict(acks)}"
    )
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average at the end: {load_average} on {os.cpu_count()} CPUs")
    return 1 if problems or set(acks) != {200} else 0


@contextmanager
def _given(url: str):
    yield url.rstrip("/")


if __name__ == "__main__":
    sys.exit(main())
