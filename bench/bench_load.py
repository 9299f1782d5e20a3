"""Submit forms from concurrent clients against one running instance, over
REST and through the HTML form as a browser does.

By default a throwaway instance is built in a temporary folder (FileStorage
and blobs, the demo site of ``make start``, 4 waitress threads as in
``etc/zope.ini.in``), started as its own process with ``runwsgi``, and
removed at the end; ``--url`` targets a running site instead (its demo
accounts must exist).

Each channel (``--channel rest|html|both``) files *Déclaration de perte
d'un objet* anonymously, first with one client alone (``--per-client``
forms, one after the other), then with ``--clients`` clients at once
(default 8 x 250 = 2,000), after ``--warmup`` filings per channel that
are not timed (default 10). With ``both``, the runs of the two channels are
interleaved (REST 1 client, HTML 1 client, REST 8 clients, HTML 8 clients;
the next ``--rounds`` starts with the other channel), so that both see the
same machine and the same number of stored submissions.

- REST: ``POST @submissions`` with JSON and an ``Idempotency-Key``.
- HTML: what a browser does. GET the form page (``@@submit``), read the
  form in it (its action, the hidden inputs it gives: the form's token,
  the CSRF ``_authenticator``, the empty honeypot, z3c.form's markers),
  fill the fields, POST it as ``multipart/form-data`` with the *Send*
  button, follow the redirect to the confirmation page and read the
  reference there. The latency of a filing is the POST and the
  confirmation page; the form page's latency is reported apart; the rate
  counts the whole (form page, POST, confirmation page).

A client whose request fails at the network level or with a 5xx retries
it as a real client would (at most ``--retries`` times): REST with the same
``Idempotency-Key``, HTML by sending the same form again (the same form
token: a form files one submission). All clients share one address: the
anonymous rate limit is lifted for the run through ``@registry`` as
``admin``, and restored afterwards.

Then the back office (``backoffice``) acknowledges every submission filed
(8 clients), pulls the change feed from the start and checks that every
filed submission is stored exactly once, acknowledged, with a unique
reference, and that the procedure gained exactly as many submissions as
were filed (a retry that filed twice would show).

Prints submissions/s, latency percentiles, errors and retries for every
run, the ratio load / 1 client of each channel and HTML / REST measured in
the same run, and the check. Only wrong results make it fail; slowness is
reported.

It also prints the instance's CPU time per filing (``CPU ms``: user and
system time of the ``runwsgi`` process during the run, all its threads,
from ``/proc``; not for ``--url``) and REST / HTML of it: on a machine
shared with other work, rates and latencies say more about the others than
about the instance, whereas CPU per filing hardly moves; and one Zope
process runs Python one thread at a time, so on an idle machine its
filing rate is about the inverse of it.

Run::

    .venv/bin/python bench/bench_load.py
    .venv/bin/python bench/bench_load.py --channel html --clients 8 --per-client 250
    .venv/bin/python bench/bench_load.py --rounds 2 --port 8150
    .venv/bin/python bench/bench_load.py --url http://localhost:8080/Plone
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.testing_instance import served_instance
from urllib.parse import urljoin
from urllib.parse import urlsplit

import argparse
import lxml.html
import os
import re
import requests
import sys
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
TIMEOUT = 60
CHANNELS = ("rest", "html")
#: The HTML form: its id in the page, the prefix of its inputs, its button.
FORM_ID = "form"
WIDGET_PREFIX = "form.widgets."
SEND_BUTTON = "form.buttons.send"
#: The reference on the confirmation page.
REFERENCE = re.compile(r'class="imio-guichet-reference[^"]*"[^>]*>\s*([^<\s]+)\s*<')
#: The fields a refused HTML form shows an error next to.
ERROR_FIELD = re.compile(r'data-error-field="([^"]+)"')
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass
class Run:
    label: str
    channel: str = "rest"
    seconds: float = 0.0
    #: Per filing: REST, the POST; HTML, the POST and the confirmation page.
    latencies: list[float] = field(default_factory=list)
    #: HTML only: the form page (GET).
    page_latencies: list[float] = field(default_factory=list)
    #: REST: the ids answered; HTML: the references of the confirmation pages.
    filed: list[str] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    retries: int = 0
    #: CPU seconds the instance's process spent during the run (None: a
    #: site given by --url, whose process is not ours to read).
    cpu_seconds: float | None = None

    @property
    def cpu_per_filing(self) -> float | None:
        if self.cpu_seconds is None or not self.filed:
            return None
        return self.cpu_seconds / len(self.filed)

    @property
    def rate(self) -> float:
        return len(self.filed) / self.seconds if self.seconds else 0.0

    def absorb(self, other: "Run") -> None:
        self.latencies += other.latencies
        self.page_latencies += other.page_latencies
        self.filed += other.filed
        self.errors.update(other.errors)
        self.retries += other.retries


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank; 0 for no value."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def session(auth=None) -> requests.Session:
    client = requests.Session()
    client.trust_env = False
    client.headers["Accept"] = "application/json"
    client.auth = auth
    return client


def browser_session() -> requests.Session:
    """An anonymous browser: asks for HTML, keeps cookies."""
    client = requests.Session()
    client.trust_env = False
    client.headers["Accept"] = BROWSER_ACCEPT
    client.headers["Accept-Language"] = "fr-BE,fr;q=0.9"
    return client


def unique_data() -> dict:
    return {**FORM_DATA, "description": f"Objet {uuid.uuid4()}"}


def file_rest(site: str, count: int, retries: int) -> Run:
    """One REST client: ``count`` submissions in a row."""
    run = Run("client", "rest")
    client = session()
    url = f"{site}/{PROCEDURE}/@submissions"
    for _ in range(count):
        key = str(uuid.uuid4())
        data = unique_data()
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
                run.filed.append(answer.json()["id"])
                break
            if attempt < retries and (not isinstance(status, int) or status >= 500):
                run.retries += 1
                continue
            run.errors[str(status)] += 1
            break
    return run


def browser_fields(page: str, page_url: str, data: dict) -> tuple[str, list]:
    """(action URL, fields in order) of the page's form as a browser sends
    it when ``data`` (field name -> value) was typed and *Send* pressed:
    every input the page gives with its value (hidden ones, the empty
    honeypot), the typed values, the button."""
    form = lxml.html.fromstring(page, base_url=page_url).get_element_by_id(FORM_ID)
    typed = {f"{WIDGET_PREFIX}{name}": value for name, value in data.items()}
    fields = []
    for name, value in form.form_values():  # no button, no unchecked radio
        if name in typed:
            continue
        fields.append((name, value))
    fields += typed.items()
    send = [b for b in form.xpath(".//button[@name]") if b.get("name") == SEND_BUTTON]
    if not send:
        raise ValueError("no Send button in the form page")
    fields.append((SEND_BUTTON, send[0].get("value", "")))
    return urljoin(page_url, form.get("action") or page_url), fields


def file_html(site: str, count: int, retries: int) -> Run:
    """One browser: ``count`` times, open the form, fill it, send it, read
    the confirmation page."""
    run = Run("client", "html")
    client = browser_session()
    form_url = f"{site}/{PROCEDURE}/@@submit"
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site))
    for _ in range(count):
        started = time.perf_counter()
        try:
            page = client.get(form_url, timeout=TIMEOUT)
            status = page.status_code
        except requests.RequestException as failure:
            status = type(failure).__name__
        run.page_latencies.append(time.perf_counter() - started)
        if status != 200:
            run.errors[f"form page {status}"] += 1
            continue
        action, fields = browser_fields(page.text, page.url, unique_data())
        # The form is multipart/form-data (it may carry files).
        body = [(name, (None, value)) for name, value in fields]
        for attempt in range(retries + 1):
            started = time.perf_counter()
            try:
                answer = client.post(
                    action,
                    files=body,
                    headers={"Referer": form_url, "Origin": origin},
                    timeout=TIMEOUT,
                )  # follows the redirect to the confirmation page, as a browser
                status = answer.status_code
            except requests.RequestException as failure:
                status = type(failure).__name__
            run.latencies.append(time.perf_counter() - started)
            if status == 200 and "@@confirmation" in answer.url:
                found = REFERENCE.search(answer.text)
                if found:
                    run.filed.append(found.group(1))
                else:
                    run.errors["confirmation without reference"] += 1
                break
            if attempt < retries and (not isinstance(status, int) or status >= 500):
                run.retries += 1
                continue
            if status == 200:  # the form again, with errors
                faulty = sorted(set(ERROR_FIELD.findall(answer.text)))
                status = f"form shown again {faulty or answer.url}"
            run.errors[str(status)] += 1
            break
    return run


FILERS = {"rest": file_rest, "html": file_html}


def cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU time of process ``pid`` so far (all its threads:
    the WSGI threads and the outbox's), from /proc."""
    if pid is None:
        return None
    with open(f"/proc/{pid}/stat") as stat:
        # The command may hold spaces: the fields after its closing ")".
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    site: str,
    channel: str,
    clients: int,
    per_client: int,
    retries: int,
    *,
    pid: int | None = None,
) -> Run:
    label = f"{channel}, {clients} client{'s' if clients > 1 else ''}"
    total = Run(label, channel)
    filer = FILERS[channel]
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(
            pool.map(lambda _: filer(site, per_client, retries), range(clients))
        )
    total.seconds = time.perf_counter() - started
    if pid is not None:
        total.cpu_seconds = cpu_seconds(pid) - cpu_before
    for result in results:
        total.absorb(result)
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


def filed_ids(site: str, runs: list[Run]) -> tuple[list[str], list[str]]:
    """(ids of every submission filed, problems): the HTML pages show
    references, found in the feed."""
    problems = []
    references = [ref for run in runs if run.channel == "html" for ref in run.filed]
    if len(set(references)) != len(references):
        problems.append(
            f"{len(references) - len(set(references))} references shown twice"
        )
    by_reference = {item["reference"]: item["id"] for item in feed(site)}
    unknown = [ref for ref in references if ref not in by_reference]
    if unknown:
        problems.append(f"{len(unknown)} confirmed references missing from the feed")
    ids = [i for run in runs if run.channel == "rest" for i in run.filed]
    ids += [by_reference[ref] for ref in references if ref in by_reference]
    return ids, problems


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


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _cpu_ms(run: Run) -> str:
    per_filing = run.cpu_per_filing
    return "-" if per_filing is None else f"{per_filing * 1000:.1f}"


def report(runs: list[Run], clients: int) -> None:
    print(
        f"{'round  run':<26}{'filed':>7}{'subm./s':>9}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'max ms':>8}{'page p50':>10}{'page p95':>10}{'CPU ms':>8}{'retries':>9}"
        "  errors"
    )
    for run in runs:
        html = run.channel == "html"
        print(
            f"{run.label:<26}{len(run.filed):>7}{run.rate:>9.1f}"
            f"{_ms(percentile(run.latencies, 0.5)):>8}"
            f"{_ms(percentile(run.latencies, 0.95)):>8}"
            f"{_ms(max(run.latencies, default=0)):>8}"
            f"{_ms(percentile(run.page_latencies, 0.5)) if html else '-':>10}"
            f"{_ms(percentile(run.page_latencies, 0.95)) if html else '-':>10}"
            f"{_cpu_ms(run):>8}"
            f"{run.retries:>9}  {dict(run.errors) or 'none'}"
        )
    by_label = {run.label: run for run in runs}
    rounds = sorted({run.label.split()[0] for run in runs})
    for number in rounds:
        for channel in CHANNELS:
            one = by_label.get(f"{number}  {channel}, 1 client")
            many = by_label.get(f"{number}  {channel}, {clients} clients")
            if one and many and one.rate and clients > 1:
                print(
                    f"Round {number}, {channel}: {clients} clients / 1 client "
                    f"{many.rate / one.rate:.2f}x"
                )
        for count in sorted({1, clients}):
            suffix = f"{count} client{'s' if count > 1 else ''}"
            rest = by_label.get(f"{number}  rest, {suffix}")
            html = by_label.get(f"{number}  html, {suffix}")
            if rest and html and rest.rate:
                html_p95 = _ms(percentile(html.latencies, 0.95))
                rest_p95 = _ms(percentile(rest.latencies, 0.95))
                print(
                    f"Round {number}, {suffix}: HTML / REST "
                    f"{html.rate / rest.rate:.2f}x (HTML {html.rate:.1f}/s, p95 "
                    f"{html_p95} ms; REST {rest.rate:.1f}/s, p95 {rest_p95} ms)"
                )
                if html.cpu_per_filing and rest.cpu_per_filing:
                    print(
                        f"Round {number}, {suffix}: server CPU per filing, "
                        f"HTML {_cpu_ms(html)} ms (3 requests), REST "
                        f"{_cpu_ms(rest)} ms: REST / HTML "
                        f"{rest.cpu_per_filing / html.cpu_per_filing:.2f}x"
                    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running site (default: a throwaway one)")
    parser.add_argument(
        "--port", type=int, help="the throwaway instance's port (default: a free one)"
    )
    parser.add_argument("--channel", choices=(*CHANNELS, "both"), default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="filings per channel before the timed runs, not counted (default 10)",
    )
    arguments = parser.parse_args(argv)
    channels = CHANNELS if arguments.channel == "both" else (arguments.channel,)
    if arguments.url is None:
        print("Creating a throwaway instance with the demo site...", file=sys.stderr)
    with (
        # A busy machine takes minutes to start Zope.
        served_instance(prefix="guichet-bench-", start_timeout=600, port=arguments.port)
        if arguments.url is None
        else _given(arguments.url)
    ) as served:
        site, pid = served.url, served.pid
        # Every client files from 127.0.0.1: lift the anonymous rate limit
        # (20 an hour per address by default) for the run, then restore it.
        admin = session(ADMIN)
        limit = admin.get(f"{site}/@registry/{RATE_LIMIT}", timeout=TIMEOUT).json()
        set_limit(admin, site, 0)
        try:
            stored_before = stored_for_procedure(feed(site))
            # Templates compiled, caches filled, the first connections made:
            # filed (and checked) like the others, not timed.
            warmups = [
                load(site, channel, 1, arguments.warmup, arguments.retries)
                for channel in channels
                if arguments.warmup
            ]
            runs = []
            for number in range(1, arguments.rounds + 1):
                # Each round starts with the channel the last one ended with.
                order = channels if number % 2 else channels[::-1]
                for clients in sorted({1, arguments.clients}):
                    for channel in order:
                        print(
                            f"Round {number}: {channel}, {clients} client(s)...",
                            file=sys.stderr,
                        )
                        run = load(
                            site,
                            channel,
                            clients,
                            arguments.per_client,
                            arguments.retries,
                            pid=pid,
                        )
                        run.label = f"{number}  {run.label}"
                        runs.append(run)
            print("Acknowledging and checking...", file=sys.stderr)
            filed, problems = filed_ids(site, warmups + runs)
            acks = acknowledge_all(site, filed, arguments.clients)
            problems += check(site, filed, stored_before)
        finally:
            set_limit(admin, site, limit)
    report(runs, arguments.clients)
    print(f"Acknowledgements: {dict(acks)}")
    failed = problems or set(acks) - {200}
    print(
        f"Check: {len(filed):,} filed, each acknowledged and stored exactly once"
        if not failed
        else f"CHECK FAILED: {problems or dict(acks)}"
    )
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average at the end: {load_average} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


@dataclass(frozen=True)
class _Given:
    url: str
    pid: None = None


@contextmanager
def _given(url: str):
    yield _Given(url.rstrip("/"))


if __name__ == "__main__":
    sys.exit(main())
