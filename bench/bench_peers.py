"""imio.guichet against collective.volto.formsupport, side by side, in one run.

The targets of issue #11, measured as ratios against formsupport and against
the instance's own ceiling (a trivial plone.restapi read), in one run:

1. Peer setup, cached: a virtualenv in ``bench/.peers/venv`` (gitignored)
   with Plone pinned by ``constraints.txt`` and formsupport pinned by
   ``bench/peers-constraints.txt``, built with pip on the first run (and
   again when either file changes).
2. Two throwaway instances, each its own ``runwsgi`` process with the same
   Zope configuration (FileStorage, 4 waitress threads, 30,000 objects per
   connection cache, an access log): formsupport's (Volto distribution, a
   Document with a form block of 10 fields, ``store`` on) and ours (the
   demo site of ``make start``, with a procedure whose form has the same 10
   fields). Both send their e-mails to one local SMTP sink (see
   ``--peer-mail``); a back office is subscribed to our procedure's
   webhooks, and the sink's process receives their events too
   (``--no-webhooks``: none). ``--storage postgresql`` puts ours on RelStorage
   (``keep-history false``) on the local PostgreSQL instead.
3. Filings over REST, interleaved: formsupport, ours, the ceiling
   (``GET {site}/@site`` on ours, as many requests), twice; ``--clients``
   clients, ``--filings`` per run, identical 10-field payloads. Bytes
   added to Data.fs (or to RelStorage's ``object_state``) per filing,
   once each run's writes (e-mails included) have settled.
4. Newest 50 stored and exports of everything (CSV and JSON) on both
   (when both sides' exports take less than ``EXPORT_AGAIN_BELOW``
   seconds, each is timed three times and its median kept).
5. ``--stored N`` adds the flatness run, ours only: another instance seeded
   to 1,000 then N submissions (straight into the store, through zconsole),
   the filing rate at each, the process's memory after warm-up and after
   ``--memory-filings`` more filings, a full change feed read and an
   export; newest 50 and exports again at N, formsupport seeded to as many.

Only wrong results (a filing lost, a count or a listing wrong) make the
script fail; slowness is reported, with PASS/FAIL against the targets.

Run::

    .venv/bin/python bench/bench_peers.py
    .venv/bin/python bench/bench_peers.py --filings 500 --stored 20000
    .venv/bin/python bench/bench_peers.py --storage postgresql
"""

from bench_bytes import class_name
from bench_load import cpu_seconds
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from imio.guichet.demo import PROCEDURES_PATH
from pathlib import Path
from persistent.TimeStamp import TimeStamp
from ZODB.FileStorage import FileIterator

import argparse
import csv
import hashlib
import io
import json
import os
import re
import requests
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid


ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUR_BIN = ROOT / ".venv" / "bin"
PEERS = BENCH / ".peers"
PEER_BIN = PEERS / "venv" / "bin"
#: Records which pins the peers' virtualenv was built with.
PEER_STAMP = PEERS / "venv" / ".bench-pins"
PEER_CONSTRAINTS = BENCH / "peers-constraints.txt"
SCRIPTS = BENCH / "zconsole"
ADMIN = ("admin", "admin")
PROCEDURE_ID = "bench-10-champs"
DOCUMENT_ID = "bench-10-champs"
BLOCK_ID = "form"
#: Filings (and ceiling requests) before the first timed run of an instance.
WARM_UP = 100
ROUNDS = 2
#: Stored submissions of the flatness run's baseline.
BASELINE_STORED = 1_000
NEWEST = 50
NEWEST_REPEAT = 5
#: Seconds after which a slow listing is timed no more (at least once).
NEWEST_BUDGET = 30
FEED_LIMIT = 100
REQUEST_TIMEOUT = 60
READ_TIMEOUT = 1800
START_TIMEOUT = 300
#: Seconds without a change of the storage's size before a run's writes
#: (e-mails sent and marked by the outbox worker) count as settled.
QUIET_SECONDS = 2.0
SETTLE_TIMEOUT = 300
LOG_TAIL = 3000
KIB = 1024
MIB = 1024 * 1024

TARGET_FILING = 2.0  # x formsupport
TARGET_FLAT = 0.9  # rate at N / rate at 1,000
TARGET_BYTES = 10 * KIB  # per filing
TARGET_EXPORT = 10.0  # x formsupport
TARGET_MEMORY = 150 * MIB


# -- the form: 10 fields, the same on both sides ---------------------------


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    #: The field in our form's XML (plone.supermodel).
    xml: str
    #: formsupport's field type (volto-form-block's subblock).
    peer_type: str
    value: str
    choices: tuple[str, ...] = ()


def _line(name: str, label: str, value: str, length: int = 100) -> Field:
    return Field(
        name,
        label,
        f'<field name="{name}" type="zope.schema.TextLine"><title>{label}</title>'
        f"<max_length>{length}</max_length></field>",
        "text",
        value,
    )


CHOICES = ("wallet", "keys", "phone", "id_card", "other")
FIELDS = (
    _line("last_name", "Nom", "Dupont"),
    _line("first_name", "Prénom", "Jeanne"),
    Field(
        "email",
        "Adresse e-mail",
        '<field name="email" type="plone.schema.email.Email">'
        "<title>Adresse e-mail</title></field>",
        "from",
        "jeanne.dupont@example.org",
    ),
    Field(
        "phone",
        "Téléphone",
        '<field name="phone" type="imio.guichet.forms.fields.Phone">'
        "<title>Téléphone</title></field>",
        "text",
        "+32 81 24 60 00",
    ),
    _line("street", "Rue et numéro", "Rue de Fer 12", 200),
    Field(
        "postal_code",
        "Code postal",
        '<field name="postal_code" type="imio.guichet.forms.fields.PostalCode">'
        "<title>Code postal</title></field>",
        "text",
        "5000",
    ),
    _line("city", "Localité", "Namur"),
    Field(
        "object_type",
        "Objet perdu",
        '<field name="object_type" type="zope.schema.Choice"><title>Objet perdu</title>'
        "<values>"
        + "".join(f'<element key="{key}">{key}</element>' for key in CHOICES)
        + "</values></field>",
        "select",
        "keys",
        CHOICES,
    ),
    Field(
        "loss_date",
        "Date de la perte",
        '<field name="loss_date" type="zope.schema.Date">'
        "<title>Date de la perte</title></field>",
        "date",
        "2026-11-20",
    ),
    Field(
        "description",
        "Description",
        '<field name="description" type="zope.schema.Text"><title>Description</title>'
        "<max_length>2000</max_length></field>",
        "textarea",
        "Trousseau de 3 clés, porte-clés rouge, perdu près de la gare",
    ),
)
FORM_XML = (
    '<model xmlns="http://namespaces.plone.org/supermodel/schema"><schema>'
    + "".join(f.xml for f in FIELDS)
    + "</schema></model>"
)


def answers() -> dict[str, str]:
    """One filing's answers: the same on both sides, the description made
    unique (same length every time)."""
    values = {f.name: f.value for f in FIELDS}
    values["description"] += f" {uuid.uuid4()}"
    return values


def peer_block(mail: str) -> dict:
    """formsupport's form block: the 10 fields, storing what is filed;
    with ``mail == "acknowledgement"``, an e-mail to the address typed
    in the form too, as our confirmation e-mail."""
    block = {
        "@type": "form",
        "title": "Formulaire de 10 champs",
        "store": True,
        "send": [],
        "default_subject": "Votre demande",
        "default_from": "form@bench.invalid",
        "subblocks": [
            {
                "field_id": f.name,
                "id": f.name,
                "label": f.label,
                "field_type": f.peer_type,
                "required": True,
                **({"input_values": list(f.choices)} if f.choices else {}),
            }
            for f in FIELDS
        ],
    }
    if mail == "acknowledgement":
        block["send"] = ["acknowledgement"]
        block["acknowledgementFields"] = "email"
        block["acknowledgementMessage"] = {
            "data": "<p>Nous avons bien reçu votre demande.</p>"
        }
    return block


def peer_payload(values: dict[str, str]) -> dict:
    """What volto-form-block posts to ``@submit-form``."""
    return {
        "block_id": BLOCK_ID,
        "data": [
            {"field_id": f.name, "label": f.label, "value": values[f.name]}
            for f in FIELDS
        ],
    }


# -- the SMTP sink ---------------------------------------------------------

#: A separate process (the client threads and the instances stay apart
#: from it): accepts every message, appends its sender to a file; and, as a
#: back office would, accepts every webhook event POSTed to its HTTP port,
#: appending WEBHOOKS to the same file.
SINK = textwrap.dedent(
    """
    import asyncio, sys, threading
    from aiosmtpd.controller import Controller
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    written = threading.Lock()

    def count(line):
        with written, open(sys.argv[2], "a") as tally:
            tally.write(line + "\\n")

    class Count:
        async def handle_DATA(self, server, session, envelope):
            count(envelope.mail_from)
            return "250 OK"

    class Receive(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            count(sys.argv[4])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    receiver = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[3])), Receive)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    print("ready", flush=True)
    asyncio.new_event_loop().run_forever()
    """
)
#: What the sink writes for each webhook event received.
WEBHOOKS = "webhook events"


def instance_environment(bin_dir: Path) -> dict:
    """The environment of an instance: the peer's without PYTHONPATH, which
    would put a checkout's sources (and their z3c.autoinclude entry points)
    in its Zope too; ours with this checkout's ``src`` first, so that a git
    worktree sharing the virtualenv (whose editable install points to
    another checkout) measures its own code."""
    environment = {
        name: value for name, value in os.environ.items() if name != "PYTHONPATH"
    }
    if bin_dir == OUR_BIN:
        environment["PYTHONPATH"] = str(ROOT / "src")
    return environment


class Sink:
    def __init__(self, port: int, folder: Path, webhook_port: int):
        self.port = port
        #: Where the back office's receiver of webhook events listens.
        self.webhook_url = f"http://127.0.0.1:{webhook_port}/events"
        self.tally = folder / "sink.tally"
        self.tally.touch()
        self.process = subprocess.Popen(
            [
                str(OUR_BIN / "python"),
                "-c",
                SINK,
                str(port),
                str(self.tally),
                str(webhook_port),
                WEBHOOKS,
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def received(self) -> Counter:
        """E-mails received so far, by sender (and webhook events)."""
        return Counter(self.tally.read_text().splitlines())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


# -- instances -------------------------------------------------------------


class InstanceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session(auth=None) -> requests.Session:
    client = requests.Session()
    client.trust_env = False  # never through a proxy
    client.headers["Accept"] = "application/json"
    client.auth = auth
    return client


class Instance:
    """A throwaway Zope instance in ``folder``, served by ``runwsgi``."""

    def __init__(self, name: str, folder: Path, port: int, bin_dir: Path):
        self.name = name
        self.folder = folder
        self.port = port
        self.bin = bin_dir
        self.url = f"http://127.0.0.1:{port}/Plone"
        self.process: subprocess.Popen | None = None
        self.dsn: str | None = None  # RelStorage on PostgreSQL
        #: The zconsole script that sets the site up, and its configuration.
        self.setup_script: Path | None = None
        self.setup_config: dict = {}

    def setup(self, seed_to: int = 0) -> dict:
        """Create the site and its form (once), seed it up to ``seed_to``
        stored; the server must be stopped."""
        return self.zconsole(
            self.setup_script, {**self.setup_config, "seed_to": seed_to}
        )

    @property
    def data_fs(self) -> Path:
        return self.folder / "var" / "filestorage" / "Data.fs"

    def zconsole(self, script: Path, config: dict) -> dict:
        done = subprocess.run(
            [
                str(self.bin / "zconsole"),
                "run",
                str(self.folder / "etc" / "zope.conf"),
                str(script),
            ],
            env={**instance_environment(self.bin), "BENCH_PEERS": json.dumps(config)},
            capture_output=True,
            text=True,
            check=False,
        )
        # The scripts' own progress lines, not Plone's warnings.
        for line in done.stderr.splitlines():
            if line.startswith(("  guichet:", "  formsupport:")):
                print(line, file=sys.stderr, flush=True)
        if done.returncode:
            output = (done.stdout + done.stderr)[-LOG_TAIL:]
            raise InstanceError(f"{self.name}: {script.name} failed:\n{output}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        log = open(self.folder / "server.log", "a+")  # noqa: SIM115 - kept open while it runs
        self.process = subprocess.Popen(
            [str(self.bin / "runwsgi"), str(self.folder / "etc" / "zope.ini")],
            env=instance_environment(self.bin),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(self.url, timeout=30).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        log.seek(0)
        raise InstanceError(f"{self.name} did not start:\n{log.read()[-LOG_TAIL:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)
        self.process = None

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) of the server process, in bytes."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return {
            key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1)) * KIB
            for key in ("VmRSS", "VmHWM")
        }

    def storage_size(self, live: bool = False) -> int:
        """Bytes of the database: Data.fs's size; on RelStorage,
        ``object_state``'s total size, or with ``live`` the sum of its
        states' lengths (what is stored now, without dead rows)."""
        if self.dsn is None:
            return self.data_fs.stat().st_size
        import psycopg2

        query = (
            "SELECT coalesce(sum(length(state)), 0) FROM object_state"
            if live
            else "SELECT pg_total_relation_size('object_state')"
        )
        with psycopg2.connect(self.dsn) as connection, connection.cursor() as cursor:
            cursor.execute(query)
            return int(cursor.fetchone()[0])


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
#: A record's date and time, with its milliseconds.
LOG_DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.\d]*\s*")
#: What differs between records of one message: counts, ids (``(ab12...)``).
LOG_VARIABLE = re.compile(r"\(\S+\.\.\.\)|\b\d+\b")


def logged_errors(instance: Instance) -> Counter:
    """The ERROR records of the instance's event log, and imio.guichet's
    WARNING ones (an outbox's outcome not recorded, sent again later), by
    their last line (the exception, for a traceback; the message, without
    its date, for a line of its own)."""
    path = instance.folder / "var" / "log" / "event.log"
    errors, record = Counter(), None
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    for line in [*lines, "2000-01-01 00:00:00 (end)"]:
        if LOG_RECORD.match(line):
            if record:
                errors[LOG_VARIABLE.sub("…", LOG_DATE.sub("", record[-1]))[:160]] += 1
            kept = " ERROR " in line or " WARNING [imio.guichet" in line
            record = [line] if kept else None
        elif record is not None and line.strip():
            record.append(line.strip())
    return errors


def build_peer(folder: Path, port: int, smtp_port: int, mail: str) -> Instance:
    """formsupport's instance: the configuration of ours (etc/*.in) without
    imio.guichet's own filters and environment."""
    instance = Instance("formsupport", folder, port, PEER_BIN)
    for sub in ("etc", "var/filestorage", "var/blobstorage", "var/log", "var/cache"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "etc" / "site.zcml").write_text(
        (ROOT / "etc" / "site.zcml.in").read_text()
    )
    (folder / "etc" / "zope.conf").write_text(
        textwrap.dedent(
            f"""\
            %define INSTANCE {folder}
            %define CLIENTHOME $INSTANCE/var
            instancehome $INSTANCE
            clienthome $CLIENTHOME
            debug-mode off
            security-policy-implementation C
            verbose-security off
            default-zpublisher-encoding utf-8
            python-check-interval 1000
            <environment>
                zope_i18n_compile_mo_files true
                CHAMELEON_CACHE $CLIENTHOME/cache
                TZ Europe/Brussels
            </environment>
            <dos_protection>
                form-memory-limit 4MB
            </dos_protection>
            <zodb_db main>
                cache-size 30000
                <blobstorage>
                    blob-dir $CLIENTHOME/blobstorage
                    <filestorage>
                        path $CLIENTHOME/filestorage/Data.fs
                    </filestorage>
                </blobstorage>
                mount-point /
            </zodb_db>
            """
        )
    )
    (folder / "etc" / "zope.ini").write_text(
        textwrap.dedent(
            f"""\
            [app:zope]
            use = egg:Zope#main
            zope_conf = {folder}/etc/zope.conf

            [filter:translogger]
            use = egg:Paste#translogger
            setup_console_handler = False

            [pipeline:main]
            pipeline =
                translogger
                egg:Zope#httpexceptions
                zope

            [server:main]
            use = egg:waitress#main
            host = 127.0.0.1
            port = {port}
            threads = 4
            clear_untrusted_proxy_headers = false

            [loggers]
            keys = root, waitress, wsgi

            [handlers]
            keys = accesslog, eventlog

            [formatters]
            keys = generic, message

            [logger_root]
            level = INFO
            handlers = eventlog

            [logger_waitress]
            level = INFO
            handlers = eventlog
            qualname = waitress

            [logger_wsgi]
            level = INFO
            handlers = accesslog
            qualname = wsgi
            propagate = 0

            [handler_accesslog]
            class = FileHandler
            args = ('{folder}/var/log/access.log', 'a')
            level = INFO
            formatter = message

            [handler_eventlog]
            class = FileHandler
            args = ('{folder}/var/log/event.log', 'a')
            level = NOTSET
            formatter = generic

            [formatter_generic]
            format = %(asctime)s %(levelname)-7.7s [%(name)s] %(message)s

            [formatter_message]
            format = %(message)s
            """
        )
    )
    instance.setup_script = SCRIPTS / "formsupport_setup.py"
    instance.setup_config = {
        "smtp_port": smtp_port,
        "document_id": DOCUMENT_ID,
        "block": peer_block(mail),
        "payload": peer_payload({f.name: f.value for f in FIELDS})["data"],
    }
    return instance


ZODB_SECTION = re.compile(r"<zodb_db main>.*?</zodb_db>", re.S)


def relstorage_section(dsn: str) -> str:
    return textwrap.dedent(
        f"""\
        %import relstorage
        <zodb_db main>
            cache-size 30000
            <relstorage>
                blob-dir $CLIENTHOME/blobstorage
                keep-history false
                <postgresql>
                    dsn {dsn}
                </postgresql>
            </relstorage>
            mount-point /
        </zodb_db>"""
    )


def pg_database(base_dsn: str, name: str) -> str:
    """A new, empty database ``name`` (dropped first if it exists)."""
    import psycopg2

    connection = psycopg2.connect(f"{base_dsn} dbname=postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"{base_dsn} dbname={name}"


def drop_pg_database(base_dsn: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{base_dsn} dbname=postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    connection.close()


def build_guichet(
    name: str,
    folder: Path,
    port: int,
    smtp_port: int,
    dsn: str | None,
    *,
    webhook_url: str | None = None,
) -> Instance:
    """Ours: the Makefile's ``instance`` (the configuration of ``make
    start``), on RelStorage when ``dsn`` is given; the demo site and the
    benchmark's procedure come from ``bench/zconsole/guichet_setup.py``.

    ``-o .venv/.installed``: never let make reinstall the virtualenv from
    here (in a worktree, that would repoint its editable install)."""
    instance = Instance(name, folder, port, OUR_BIN)
    made = subprocess.run(
        [
            "make", "-s", "-C", str(ROOT), "-o", ".venv/.installed",
            f"INSTANCE={folder}", f"PORT={port}", "HOST=127.0.0.1", "instance",
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if made.returncode:
        raise InstanceError(
            f"make instance failed:\n{(made.stdout + made.stderr)[-LOG_TAIL:]}"
        )
    if dsn is not None:
        conf = folder / "etc" / "zope.conf"
        conf.write_text(ZODB_SECTION.sub(relstorage_section(dsn), conf.read_text()))
        instance.dsn = dsn
    instance.setup_script = SCRIPTS / "guichet_setup.py"
    instance.setup_config = {
        "served_at": f"http://127.0.0.1:{port}",
        "smtp_port": smtp_port,
        "webhook_url": webhook_url,
        "procedure_id": PROCEDURE_ID,
        "form_xml": FORM_XML,
        "payload": {f.name: f.value for f in FIELDS},
    }
    return instance


# -- the peers' virtualenv -------------------------------------------------


def peer_pins() -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "constraints.txt", PEER_CONSTRAINTS):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_peer_venv() -> None:
    """Build ``bench/.peers/venv`` unless it was built with these pins."""
    if PEER_STAMP.exists() and PEER_STAMP.read_text() == peer_pins():
        return
    print("Building the peers' virtualenv (bench/.peers/venv)...", file=sys.stderr)
    shutil.rmtree(PEERS / "venv", ignore_errors=True)
    PEERS.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEERS / "venv")], check=True)
    subprocess.run(
        [
            str(PEER_BIN / "pip"), "install", "-q",
            "-c", str(ROOT / "constraints.txt"), "-c", str(PEER_CONSTRAINTS),
            "Plone", "collective.volto.formsupport",
        ],
        check=True,
    )  # fmt: skip
    PEER_STAMP.write_text(peer_pins())


# -- driving requests ------------------------------------------------------


@dataclass
class Run:
    label: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    errors: Counter = field(default_factory=Counter)
    #: Bytes the database grew by during the run (None: not measured).
    grown: int | None = None
    #: On RelStorage: growth of the live states (sum of their lengths).
    grown_live: int | None = None
    #: CPU seconds the serving process spent (all threads), from before the
    #: run until its writes and e-mails settled (None: not measured).
    cpu: float | None = None

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def per_filing(self) -> float | None:
        return None if self.grown is None or not self.ok else self.grown / self.ok

    def cpu_per_filing(self) -> float | None:
        return None if self.cpu is None or not self.ok else self.cpu / self.ok


def drive(
    label: str,
    count: int,
    clients: int,
    one: Callable[[requests.Session], tuple[bool, str]],
    auth=None,
) -> Run:
    """``count`` requests from ``clients`` clients at once; ``one`` makes
    one request and says whether it succeeded (and its status)."""
    run = Run(label)

    def client(share: int) -> Run:
        mine = Run(label)
        http = session(auth)
        for _ in range(share):
            started = time.perf_counter()
            try:
                ok, status = one(http)
            except requests.RequestException as failure:
                ok, status = False, type(failure).__name__
            mine.latencies.append(time.perf_counter() - started)
            if ok:
                mine.ok += 1
            else:
                mine.errors[status] += 1
        return mine

    shares = [
        count // clients + (1 if i < count % clients else 0) for i in range(clients)
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(client, shares))
    run.seconds = time.perf_counter() - started
    for result in results:
        run.latencies += result.latencies
        run.ok += result.ok
        run.errors.update(result.errors)
    return run


class Side:
    """One add-on's filing over REST."""

    def __init__(self, name: str, instance: Instance, mails_per_filing: int):
        self.name = name
        self.instance = instance
        #: E-mails sent per filing, from ``sender`` (set up by the site).
        self.mails_per_filing = mails_per_filing
        #: Webhook events a filing sends to the sink's receiver.
        self.webhooks_per_filing = 0
        self.filed = 0  # successful filings, warm-up included

    def post(self, http: requests.Session) -> tuple[bool, str]:
        raise NotImplementedError

    def file(self, label: str, count: int, clients: int) -> Run:
        run = drive(label, count, clients, self.post)
        self.filed += run.ok
        return run


class Formsupport(Side):
    sender = "form@bench.invalid"

    def post(self, http):
        answer = http.post(
            f"{self.instance.url}/{DOCUMENT_ID}/@submit-form",
            json=peer_payload(answers()),
            timeout=REQUEST_TIMEOUT,
        )
        return answer.status_code == 200, str(answer.status_code)


class Guichet(Side):
    sender = "guichet@bench.invalid"

    def __init__(self, name: str, instance: Instance, stored: int):
        super().__init__(name, instance, mails_per_filing=1)
        self.stored_before = stored  # seeded, never filed over REST
        if instance.setup_config.get("webhook_url"):
            self.webhooks_per_filing = 1  # a back office subscribed

    @property
    def procedure(self) -> str:
        return f"{self.instance.url}/{PROCEDURES_PATH}/{PROCEDURE_ID}"

    def post(self, http):
        # Every feature on: an Idempotency-Key, as bench_load.py's clients.
        answer = http.post(
            f"{self.procedure}/@submissions",
            json={"data": answers()},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=REQUEST_TIMEOUT,
        )
        return answer.status_code == 201, str(answer.status_code)


def ceiling(instance: Instance, label: str, count: int, clients: int) -> Run:
    def get(http):
        answer = http.get(f"{instance.url}/@site", timeout=REQUEST_TIMEOUT)
        return answer.status_code == 200, str(answer.status_code)

    return drive(label, count, clients, get)


class Mail:
    """The e-mails every filing so far should have sent to the sink."""

    def __init__(self, sink: Sink):
        self.sink = sink
        self.sides: list[Side] = []

    def due(self) -> Counter:
        """E-mails due so far, by sender."""
        due = Counter()
        for side in self.sides:
            due[side.sender] += side.filed * side.mails_per_filing
            due[WEBHOOKS] += side.filed * side.webhooks_per_filing
        if not due[WEBHOOKS]:
            del due[WEBHOOKS]  # nobody subscribed (a sender due 0 stays shown)
        return due

    def missing(self) -> int:
        received = self.sink.received()
        return sum(max(0, n - received[sender]) for sender, n in self.due().items())

    def tally(self) -> dict[str, tuple[int, int]]:
        """Received and due, by sender."""
        received = self.sink.received()
        return {sender: (received[sender], n) for sender, n in self.due().items()}


def settle(instance: Instance, mail: Mail) -> tuple[int, bool]:
    """Wait until the sink has every e-mail due and the database has not
    grown for ``QUIET_SECONDS``; the database's size and whether every
    e-mail arrived."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while mail.missing() and time.monotonic() < deadline:
        time.sleep(0.2)
    arrived = not mail.missing()
    size, quiet_since = instance.storage_size(), time.monotonic()
    while (
        time.monotonic() - quiet_since < QUIET_SECONDS and time.monotonic() < deadline
    ):
        time.sleep(0.25)
        now = instance.storage_size()
        if now != size:
            size, quiet_since = now, time.monotonic()
    return size, arrived


def measured_filing(
    side: Side, mail: Mail, label: str, count: int, clients: int, *, problems: list
) -> Run:
    instance = side.instance
    before, _ = settle(instance, mail)
    live_before = instance.storage_size(live=True) if instance.dsn else None
    cpu_before = cpu_seconds(instance.process.pid)
    print(f"  {label}...", file=sys.stderr, flush=True)
    run = side.file(label, count, clients)
    after, arrived = settle(instance, mail)
    # What a filing costs the server whatever else the machine runs: sending
    # in the request (formsupport) or from the outbox after it (ours).
    run.cpu = cpu_seconds(instance.process.pid) - cpu_before
    if not arrived:
        problems.append(
            f"{label}: {mail.missing()} e-mails or webhook events never came"
        )
    run.grown = after - before
    if instance.dsn:
        run.grown_live = instance.storage_size(live=True) - live_before
    return run


# -- reading ---------------------------------------------------------------


@dataclass
class Timed:
    label: str
    seconds: list[float] = field(default_factory=list)
    rows: int = 0
    size: int = 0
    offered: bool = True

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def timed(fetch: Callable[[], requests.Response]) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    answer = fetch()
    answer.content  # noqa: B018 - the whole body, as a client would read it
    return time.perf_counter() - started, answer


def repeated(http: requests.Session, url: str, result: Timed):
    """GET ``url`` once cold, then up to ``NEWEST_REPEAT`` times timed
    into ``result`` (fewer once they took ``NEWEST_BUDGET`` seconds);
    yields each answer."""
    started = time.perf_counter()
    for attempt in range(NEWEST_REPEAT + 1):
        seconds, answer = timed(lambda: http.get(url, timeout=READ_TIMEOUT))
        if attempt:  # the first is the cold one
            result.seconds.append(seconds)
        yield answer
        if result.seconds and time.perf_counter() - started > NEWEST_BUDGET:
            return


def newest_formsupport(side: Side, expected: int, problems: list) -> Timed:
    http = session(ADMIN)
    url = (
        f"{side.instance.url}/{DOCUMENT_ID}/@form-data"
        f"?block_id={BLOCK_ID}&b_size={NEWEST}&b_start=0"
    )
    result = Timed(f"formsupport newest {NEWEST}")
    answer = list(repeated(http, url, result))[-1]
    body = answer.json()
    dates = [item["date"]["value"] for item in body.get("items", [])]
    if (
        answer.status_code != 200
        or len(dates) != NEWEST
        or body["items_total"] != expected
    ):
        problems.append(
            f"formsupport @form-data: {answer.status_code}, {len(dates)} items, "
            f"total {body.get('items_total')} (expected {expected})"
        )
    elif dates != sorted(dates, reverse=True):
        problems.append("formsupport @form-data: not newest first")
    return result


def newest_guichet(side: Guichet, expected: int, problems: list) -> Timed:
    http = session(ADMIN)
    url = f"{side.procedure}/@submissions?limit={NEWEST}&sort_order=descending"
    result = Timed(f"guichet newest {NEWEST}")
    for answer in repeated(http, url, result):
        if answer.status_code == 400:
            result.offered = False
            return result
    body = answer.json()
    created = [item["created"] for item in body.get("items", [])]
    if (
        answer.status_code != 200
        or len(created) != NEWEST
        or body["items_total"] != expected
    ):
        problems.append(
            f"guichet @submissions: {answer.status_code}, {len(created)} items, "
            f"total {body.get('items_total')} (expected {expected})"
        )
    elif created != sorted(created, reverse=True):
        problems.append("guichet @submissions?sort_order=descending: not newest first")
    return result


def csv_rows(text: str) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(text))) - 1  # the header


#: When both sides' exports took less than this many seconds, each is
#: timed twice more and its median kept (a fraction of a second is one
#: request's noise); otherwise both are timed once, cold, as staff export.
EXPORT_AGAIN_BELOW = 5.0


@dataclass(frozen=True)
class Export:
    label: str
    url: str
    count_rows: Callable[[requests.Response], int]
    expected: int


def export_once(export: Export, result: Timed, problems: list) -> None:
    """GET the export into ``result``; a wrong answer goes to ``problems``
    (once, however many times it is timed)."""
    seconds, answer = timed(
        lambda: session(ADMIN).get(export.url, timeout=READ_TIMEOUT)
    )
    result.seconds.append(seconds)
    result.size = len(answer.content)
    problem = None
    if answer.status_code != 200:
        problem = f"{export.label}: {answer.status_code}"
    else:
        result.rows = export.count_rows(answer)
        if result.rows != export.expected:
            problem = f"{export.label}: {result.rows} rows, {export.expected} stored"
    if problem is not None and problem not in problems:
        problems.append(problem)


def export_pair(peers: tuple[Export, Export], problems: list) -> tuple[Timed, Timed]:
    """Both sides of a comparison, timed alike (see EXPORT_AGAIN_BELOW)."""
    results = tuple(Timed(export.label) for export in peers)
    for export, result in zip(peers, results, strict=True):
        export_once(export, result, problems)
    if all(result.median < EXPORT_AGAIN_BELOW for result in results):
        for _again in range(2):
            for export, result in zip(peers, results, strict=True):
                export_once(export, result, problems)
    return results


def exports(
    peer: Side, ours: Guichet, peer_stored: int, our_stored: int, problems: list
) -> list[tuple[Timed, Timed]]:
    document = f"{peer.instance.url}/{DOCUMENT_ID}"
    csv_pair = (
        Export(
            "formsupport CSV",
            f"{document}/@form-data-export?block_id={BLOCK_ID}",
            lambda a: csv_rows(a.content.decode("utf-8")),
            peer_stored,
        ),
        Export(
            "guichet CSV",
            f"{ours.procedure}/@submissions-export?format=csv",
            lambda a: csv_rows(a.content.decode("utf-8-sig")),
            our_stored,
        ),
    )
    json_pair = (
        Export(
            "formsupport JSON",
            f"{document}/@form-data?block_id={BLOCK_ID}",
            lambda a: len(a.json()["items"]),
            peer_stored,
        ),
        Export(
            "guichet JSON Lines",
            f"{ours.procedure}/@submissions-export?format=jsonl",
            lambda a: len(a.content.splitlines()),
            our_stored,
        ),
    )
    return [export_pair(csv_pair, problems), export_pair(json_pair, problems)]


def stored_guichet(side: Guichet) -> int:
    answer = session(ADMIN).get(
        f"{side.procedure}/@submissions?limit=1", timeout=READ_TIMEOUT
    )
    return answer.json()["items_total"]


def stored_formsupport(side: Side) -> int:
    answer = session(ADMIN).get(
        f"{side.instance.url}/{DOCUMENT_ID}/@form-data?block_id={BLOCK_ID}&b_size=1&b_start=0",
        timeout=READ_TIMEOUT,
    )
    return answer.json()["items_total"]


def read_feed(side: Guichet, problems: list) -> Timed:
    """The whole change feed of the site, page by page."""
    http = session(ADMIN)
    site_total = http.get(
        f"{side.instance.url}/@submissions?limit=1", timeout=READ_TIMEOUT
    ).json()["items_total"]
    url, ids, result = (
        f"{side.instance.url}/@submissions?since=0&limit={FEED_LIMIT}",
        Counter(),
        Timed("feed"),
    )
    started = time.perf_counter()
    while url:
        page = http.get(url, timeout=READ_TIMEOUT).json()
        ids.update(item["id"] for item in page["items"])
        url = page["next"]
    result.seconds.append(time.perf_counter() - started)
    result.rows = sum(ids.values())
    if result.rows != site_total or len(ids) != result.rows:
        problems.append(
            f"feed: {result.rows} pulled ({len(ids)} distinct), {site_total} stored"
        )
    return result


# -- the whole run ---------------------------------------------------------


@dataclass
class Flatness:
    at_baseline: Run
    at_n: Run
    ceiling_baseline: Run
    ceiling_n: Run
    stored_n: int
    memory_warm: dict
    memory_end: dict
    memory_filings: Run | None
    feed: Timed
    export: Timed


@dataclass
class Results:
    filings: list[tuple[Run, Run, Run]] = field(default_factory=list)
    newest: list[tuple[int, Timed, Timed]] = field(default_factory=list)
    exports: list[tuple[int, list[tuple[Timed, Timed]]]] = field(default_factory=list)
    memory: dict = field(default_factory=dict)
    flatness: Flatness | None = None
    #: ERROR records of the event logs (and imio.guichet's warnings), by instance.
    logged: dict[str, Counter] = field(default_factory=dict)
    #: E-mails received by the sink, and due, by sender.
    mails: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: Ours, FileStorage: bytes written to Data.fs by class of object (with
    #: each record's header) since the warm-up, and the filings made.
    written: Counter = field(default_factory=Counter)
    #: The same records counted, and the transactions that wrote them.
    records: Counter = field(default_factory=Counter)
    transactions: int = 0
    written_filings: int = 0


def written_by_class(data_fs: Path, since: float) -> tuple[Counter, Counter, int]:
    """Bytes (each record with its 42 bytes of header) and records
    committed to ``data_fs`` after ``since`` (a time), by class of object,
    and how many transactions committed them."""
    written, records, transactions = Counter(), Counter(), 0
    for committed in FileIterator(str(data_fs)):
        if TimeStamp(committed.tid).timeTime() < since:
            continue
        transactions += 1
        for record in committed:
            if record.data:
                name = class_name(record.data)
                written[name] += len(record.data) + 42
                records[name] += 1
    return written, records, transactions


def note_written(
    results: Results, instance, ours, began: tuple[float, int], dsn
) -> None:
    """What ours wrote since ``began`` (a time, and the filings made then),
    on FileStorage (``dsn`` None)."""
    if dsn:
        return
    since, filed = began
    results.written, results.records, results.transactions = written_by_class(
        instance.data_fs, since
    )
    results.written_filings = ours.filed - filed


def compare_reads(peer: Side, ours: Guichet, results: Results) -> None:
    peer_stored, our_stored = stored_formsupport(peer), stored_guichet(ours)
    print(
        f"  newest {NEWEST} and exports ({peer_stored:,} / {our_stored:,} stored)...",
        file=sys.stderr,
        flush=True,
    )
    results.newest.append(
        (
            our_stored,
            newest_formsupport(peer, peer_stored, results.problems),
            newest_guichet(ours, our_stored, results.problems),
        )
    )
    results.exports.append(
        (our_stored, exports(peer, ours, peer_stored, our_stored, results.problems))
    )


def warm_up(side: Side, clients: int) -> None:
    run = side.file("warm-up", WARM_UP, clients)
    ceiling(side.instance, "warm-up", WARM_UP, clients)
    if run.errors:
        raise InstanceError(f"{side.name}: warm-up filings failed: {dict(run.errors)}")


def timed_filing(side: Guichet, mail: Mail, label: str, arguments, problems) -> Run:
    return measured_filing(
        side, mail, label, arguments.filings, arguments.clients, problems=problems
    )


def flatness(arguments, folder: Path, ports, mail: Mail, peer: Formsupport, *, results):
    """Ours alone on its own instance: filing at 1,000 stored, then at N."""
    dsn = None
    if arguments.storage == "postgresql":
        dsn = pg_database(arguments.pg_dsn, f"{arguments.pg_prefix}_flat")
    instance = build_guichet(
        "guichet (flatness)",
        folder / "flat",
        ports[3],
        mail.sink.port,
        dsn,
        webhook_url=mail.sink.webhook_url if arguments.webhooks else None,
    )
    try:
        print(f"Flatness: seeding {BASELINE_STORED:,}...", file=sys.stderr, flush=True)
        ours = Guichet("guichet (flatness)", instance, 0)
        ours.stored_before = instance.setup(seed_to=BASELINE_STORED)["stored"]
        mail.sides.append(ours)
        instance.start()
        warm_up(ours, arguments.clients)
        label = f"at {BASELINE_STORED:,}"
        at_baseline = timed_filing(
            ours, mail, f"guichet {label}", arguments, results.problems
        )
        ceiling_baseline = ceiling(
            instance, f"ceiling {label}", arguments.filings, arguments.clients
        )
        instance.stop()
        print(f"Flatness: seeding up to {arguments.stored:,}...", file=sys.stderr)
        stored = instance.setup(seed_to=arguments.stored)["stored"]
        ours.stored_before = stored - ours.filed
        instance.start()
        results.flatness = at_n(
            arguments,
            ours,
            mail,
            peer,
            results,
            baseline=(at_baseline, ceiling_baseline),
        )
    finally:
        instance.stop()
        results.logged[instance.name] = logged_errors(instance)
        if dsn:
            drop_pg_database(arguments.pg_dsn, f"{arguments.pg_prefix}_flat")


def at_n(arguments, ours, mail, peer, results, *, baseline: tuple[Run, Run]):
    """The flatness run at N: filing, reads compared with formsupport (seeded
    to as many), then the memory after more filings, the feed and an export."""
    instance, clients = ours.instance, arguments.clients
    warm_up(ours, clients)
    memory_warm = instance.memory()
    label = f"at {stored_guichet(ours):,}"
    filing = timed_filing(ours, mail, f"guichet {label}", arguments, results.problems)
    top = ceiling(instance, f"ceiling {label}", arguments.filings, clients)
    stored_n = stored_guichet(ours)
    peer.instance.stop()
    print(f"Flatness: seeding formsupport up to {stored_n:,}...", file=sys.stderr)
    peer.instance.setup(seed_to=stored_n)
    peer.instance.start()
    compare_reads(peer, ours, results)
    more = None
    if arguments.memory_filings:
        print(f"  {arguments.memory_filings:,} more filings...", file=sys.stderr)
        more = ours.file("memory", arguments.memory_filings, clients)
    print("  the whole feed and an export...", file=sys.stderr, flush=True)
    feed = read_feed(ours, results.problems)
    stored = stored_guichet(ours)
    settle(instance, mail)  # the outbox emptied too
    results.mails = mail.tally()
    csv_export = Timed("guichet CSV (memory)")
    export_once(
        Export(
            csv_export.label,
            f"{ours.procedure}/@submissions-export?format=csv",
            lambda answer: csv_rows(answer.content.decode("utf-8-sig")),
            stored,
        ),
        csv_export,
        results.problems,
    )
    if stored != ours.stored_before + ours.filed:
        results.problems.append(
            f"flatness: {stored} stored, "
            f"{ours.stored_before} seeded + {ours.filed} filed"
        )
    return Flatness(
        at_baseline=baseline[0],
        at_n=filing,
        ceiling_baseline=baseline[1],
        ceiling_n=top,
        stored_n=stored_n,
        memory_warm=memory_warm,
        memory_end=instance.memory(),
        memory_filings=more,
        feed=feed,
        export=csv_export,
    )


def run(arguments) -> Results:
    ensure_peer_venv()
    results = Results()
    folder = Path(tempfile.mkdtemp(prefix="guichet-peers-"))
    ports = (
        [arguments.ports + i for i in range(5)]
        if arguments.ports
        else [free_port() for _ in range(5)]
    )
    instances: list[Instance] = []
    dsn = sink = None
    try:
        sink = Sink(ports[0], folder, ports[4])
        mail = Mail(sink)
        print("Building formsupport's instance...", file=sys.stderr, flush=True)
        peer_instance = build_peer(
            folder / "formsupport", ports[1], sink.port, arguments.peer_mail
        )
        instances.append(peer_instance)
        peer_instance.setup()
        print("Building ours...", file=sys.stderr, flush=True)
        if arguments.storage == "postgresql":
            dsn = pg_database(arguments.pg_dsn, f"{arguments.pg_prefix}_main")
        our_instance = build_guichet(
            "guichet",
            folder / "guichet",
            ports[2],
            sink.port,
            dsn,
            webhook_url=sink.webhook_url if arguments.webhooks else None,
        )
        instances.append(our_instance)
        stored = our_instance.setup()["stored"]
        peer = Formsupport(
            "formsupport",
            peer_instance,
            1 if arguments.peer_mail == "acknowledgement" else 0,
        )
        ours = Guichet("guichet", our_instance, stored)
        mail.sides += [peer, ours]
        peer_instance.start()
        our_instance.start()
        print("Warming up...", file=sys.stderr, flush=True)
        for side in (peer, ours):
            warm_up(side, arguments.clients)
        results.memory["warm"] = {
            "formsupport": peer_instance.memory(),
            "guichet": our_instance.memory(),
        }
        began = (time.time(), ours.filed)
        for round_ in range(1, ROUNDS + 1):
            results.filings.append(
                (
                    measured_filing(
                        peer,
                        mail,
                        f"formsupport {round_}",
                        arguments.filings,
                        arguments.clients,
                        problems=results.problems,
                    ),
                    measured_filing(
                        ours,
                        mail,
                        f"guichet {round_}",
                        arguments.filings,
                        arguments.clients,
                        problems=results.problems,
                    ),
                    ceiling(
                        our_instance,
                        f"ceiling {round_} (GET @site)",
                        arguments.filings,
                        arguments.clients,
                    ),
                )
            )
        if stored_formsupport(peer) != peer.filed:
            results.problems.append(
                f"formsupport stored {stored_formsupport(peer)}, {peer.filed} filed"
            )
        if stored_guichet(ours) != ours.stored_before + ours.filed:
            results.problems.append(
                f"guichet stored {stored_guichet(ours)}, {ours.filed} filed"
            )
        compare_reads(peer, ours, results)
        settle(our_instance, mail)
        results.mails = mail.tally()
        results.memory["end"] = {
            "formsupport": peer_instance.memory(),
            "guichet": our_instance.memory(),
        }
        our_instance.stop()  # the flatness run has its own instance
        note_written(results, our_instance, ours, began, dsn)
        if arguments.stored:
            flatness(arguments, folder, ports, mail, peer, results=results)
    finally:
        for instance in instances:
            instance.stop()
            results.logged[instance.name] = logged_errors(instance)
        if sink is not None:
            sink.stop()
        if dsn:
            drop_pg_database(arguments.pg_dsn, f"{arguments.pg_prefix}_main")
        shutil.rmtree(folder, ignore_errors=True)
    return results


# -- the report ------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def total(runs: list[Run]) -> Run:
    whole = Run(runs[0].label.rsplit(" ", 1)[0])
    for run_ in runs:
        whole.seconds += run_.seconds
        whole.latencies += run_.latencies
        whole.ok += run_.ok
        whole.errors.update(run_.errors)
        if run_.grown is not None:
            whole.grown = (whole.grown or 0) + run_.grown
        if run_.grown_live is not None:
            whole.grown_live = (whole.grown_live or 0) + run_.grown_live
        if run_.cpu is not None:
            whole.cpu = (whole.cpu or 0) + run_.cpu
    return whole


def kib(value: float | None) -> str:
    return "-" if value is None else f"{value / KIB:.1f} KiB"


def print_runs(runs: list[Run], storage: str) -> None:
    grown = "object_state/filing" if storage == "postgresql" else "Data.fs/filing"
    print(
        f"{'run':<28}{'done':>7}{'/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
        f"{'CPU ms':>8}  {grown:<22}errors"
    )
    for run_ in runs:
        per = run_.per_filing()
        growth = kib(per)
        if run_.grown_live is not None and run_.ok:
            growth += f" (live {run_.grown_live / run_.ok / KIB:.1f})"
        if run_.label.startswith("ceiling") or run_.label.startswith("memory"):
            growth = ""
        print(
            f"{run_.label:<28}{run_.ok:>7}{run_.rate:>9.1f}"
            f"{run_.percentile(0.5) * 1000:>8.0f}{run_.percentile(0.95) * 1000:>8.0f}"
            f"{max(run_.latencies) * 1000:>8.0f}{cpu_ms(run_.cpu_per_filing()):>8}  "
            f"{growth:<22}{dict(run_.errors) or 'none'}"
        )


HEADER = (
    "measure",
    "formsupport",
    "guichet",
    "vs formsupport",
    "/ ceiling",
    "target",
    "",
)


def cpu_ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:.1f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def latency(run_: Run) -> str:
    return f"{run_.percentile(0.5) * 1000:.0f} / {run_.percentile(0.95) * 1000:.0f}"


def filing_rows(peer: Run, ours: Run, top: Run, storage: str) -> list[tuple]:
    ratio, our_bytes = ours.rate / peer.rate, ours.per_filing()
    where = "object_state" if storage == "postgresql" else "Data.fs"
    rows = [
        ("filing over REST (/s)", f"{peer.rate:.1f}", f"{ours.rate:.1f}",
         f"{ratio:.2f}x", f"{ours.rate / top.rate:.2f}",
         f">= {TARGET_FILING:.0f}x formsupport", verdict(ratio >= TARGET_FILING)),
        ("  p50 / p95 (ms)", latency(peer), latency(ours), "", "", "", ""),
        ("  errors", str(peer.errors.total()), str(ours.errors.total()),
         "", "", "", ""),
        ("  CPU ms per filing (server)", cpu_ms(peer.cpu_per_filing()),
         cpu_ms(ours.cpu_per_filing()),
         _cpu_ratio(peer, ours) if storage != "postgresql" else "", "", "", ""),
        ("ceiling GET @site (/s)", "", f"{top.rate:.1f}", "", "1.00", "", ""),
        (f"bytes per filing ({where})", kib(peer.per_filing()), kib(our_bytes),
         f"{our_bytes / peer.per_filing():.2f}x", "",
         f"<= {TARGET_BYTES // KIB} KiB", verdict(our_bytes <= TARGET_BYTES)),
    ]  # fmt: skip
    if ours.grown_live is not None:
        live = kib(ours.grown_live / ours.ok)
        rows.append(("  live states (sum of lengths)", "", live, "", "", "", ""))
    return rows


def _cpu_ratio(peer: Run, ours: Run) -> str:
    """How many of ours the CPU of one of formsupport's would pay for (on
    a busy machine the rates say more about the rest of its work). Not on
    RelStorage: PostgreSQL's share of ours runs in processes not counted."""
    if not peer.cpu_per_filing() or not ours.cpu_per_filing():
        return ""
    return f"{peer.cpu_per_filing() / ours.cpu_per_filing():.2f}x"


def read_rows(results: Results) -> list[tuple]:
    rows = []
    for stored, peer_read, our_read in results.newest:
        ours, ratio = "not offered", ""
        if our_read.offered:
            ours = ms(our_read.median)
            ratio = f"{peer_read.median / our_read.median:.1f}x faster"
        rows.append(
            (f"newest {NEWEST} of {stored:,}", ms(peer_read.median), ours, ratio)
            + ("", "", "")
        )
    for stored, pairs in results.exports:
        for peer_export, our_export in pairs:
            kind = "CSV" if "CSV" in peer_export.label else "JSON"
            speedup = peer_export.median / our_export.median
            rows.append(
                (f"export {stored:,}, {kind} (s)", f"{peer_export.median:.2f}",
                 f"{our_export.median:.2f}", f"{speedup:.1f}x faster", "",
                 f">= {TARGET_EXPORT:.0f}x formsupport",
                 verdict(speedup >= TARGET_EXPORT))
            )  # fmt: skip
    return rows


def flatness_rows(flat: Flatness) -> list[tuple]:
    ratio = flat.at_n.rate / flat.at_baseline.rate
    growth = flat.memory_end["VmRSS"] - flat.memory_warm["VmRSS"]
    return [
        (f"filing at {BASELINE_STORED:,} stored (/s)", "",
         f"{flat.at_baseline.rate:.1f}", "",
         f"{flat.at_baseline.rate / flat.ceiling_baseline.rate:.2f}", "", ""),
        (f"filing {flat.at_n.label.removeprefix('guichet ')} stored (/s)", "",
         f"{flat.at_n.rate:.1f}",
         f"{ratio:.2f}x at {BASELINE_STORED:,}",
         f"{flat.at_n.rate / flat.ceiling_n.rate:.2f}",
         f">= {TARGET_FLAT}x at {BASELINE_STORED:,}", verdict(ratio >= TARGET_FLAT)),
        ("RSS growth (MB)", "", f"{growth / MIB:+.0f}", "", "",
         f"<= +{TARGET_MEMORY // MIB} MB", verdict(growth <= TARGET_MEMORY)),
    ]  # fmt: skip


def print_table(rows: list[tuple]) -> None:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    for row in [HEADER, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def report_flatness(flat: Flatness, arguments) -> None:
    print()
    print(
        f"Flatness: ours alone, seeded straight into the store, "
        f"{arguments.clients} clients"
    )
    runs = [flat.at_baseline, flat.ceiling_baseline, flat.at_n, flat.ceiling_n]
    print_runs(
        [*runs, *([flat.memory_filings] if flat.memory_filings else [])],
        arguments.storage,
    )
    filed = flat.at_n.ok + (flat.memory_filings.ok if flat.memory_filings else 0)
    warm, end = flat.memory_warm, flat.memory_end
    print(
        f"Memory of ours (VmRSS): {warm['VmRSS'] / MIB:.0f} MB after warm-up "
        f"{flat.at_n.label.removeprefix('guichet ')} stored; "
        f"{end['VmRSS'] / MIB:.0f} MB after "
        f"{filed:,} filings, the whole feed ({flat.feed.rows:,} in "
        f"{flat.feed.median:.1f} s) and a CSV export ({flat.export.rows:,} in "
        f"{flat.export.median:.1f} s); peak {end['VmHWM'] / MIB:.0f} MB"
    )


def report(results: Results, arguments) -> None:
    peer = total([trio[0] for trio in results.filings])
    ours = total([trio[1] for trio in results.filings])
    top = total([trio[2] for trio in results.filings])
    print()
    print(
        f"Filing over REST: {arguments.clients} clients, {arguments.filings:,} per "
        f"run, interleaved; formsupport's e-mail: {arguments.peer_mail}; "
        f"ours on {arguments.storage}"
    )
    print_runs([run_ for trio in results.filings for run_ in trio], arguments.storage)
    rows = filing_rows(peer, ours, top, arguments.storage) + read_rows(results)
    if results.flatness is not None:
        rows += flatness_rows(results.flatness)
    print()
    print_table(rows)
    if results.flatness is not None:
        report_flatness(results.flatness, arguments)
    warm, end = results.memory["warm"], results.memory["end"]
    print(
        "Memory (VmRSS) of the compared processes, after warm-up -> at the end: "
        + ", ".join(
            f"{name} {warm[name]['VmRSS'] / MIB:.0f} -> "
            f"{end[name]['VmRSS'] / MIB:.0f} MB"
            for name in warm
        )
    )
    if results.written_filings:
        filings = results.written_filings
        print(
            f"What ours wrote per filing, by class (Data.fs, since the warm-up, "
            f"{filings:,} filings; {results.transactions / filings:.2f} "
            f"transactions and {results.records.total() / filings:.1f} "
            "records per filing):"
        )
        for name, size in results.written.most_common(15):
            print(
                f"  {name:28} {size / filings:8,.0f} B"
                f"  {results.records[name] / filings:6.2f} records"
            )
    for sender, (got, due) in results.mails.items():
        extra = f", {got - due:,} sent twice or more" if got > due else ""
        what = "Webhook events" if sender == WEBHOOKS else f"E-mails from {sender}"
        print(f"{what}: {got:,} received, {due:,} due{extra}")
    for name, errors in results.logged.items():
        for message, count in errors.most_common(5):
            print(f"Logged by {name}: {count} x {message}")
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average at the end: {load_average} on {os.cpu_count()} CPUs")
    print(
        "Check: every filing stored once; counts, listings and exports right"
        if not results.problems
        else "CHECK FAILED:\n  " + "\n  ".join(results.problems)
    )


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--filings", type=int, default=2000, help="filings per timed run (default 2000)"
    )
    parser.add_argument(
        "--clients", type=int, default=8, help="concurrent clients (default 8)"
    )
    parser.add_argument(
        "--stored",
        type=int,
        default=0,
        help="flatness run up to N stored (default: none)",
    )
    parser.add_argument(
        "--memory-filings",
        type=int,
        default=None,
        help="filings before the memory is read at N (default: --stored)",
    )
    parser.add_argument(
        "--storage",
        choices=("filestorage", "postgresql"),
        default="filestorage",
        help="ours only",
    )
    parser.add_argument(
        "--webhooks",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a back office subscribed to ours (every feature on; default on)",
    )
    parser.add_argument(
        "--peer-mail",
        choices=("acknowledgement", "off"),
        default="acknowledgement",
        help="formsupport e-mails the citizen, as ours does (default), or not",
    )
    parser.add_argument("--pg-dsn", default="host=127.0.0.1 port=5432 user=postgres")
    parser.add_argument(
        "--pg-prefix", default="benchpeers", help="prefix of the throwaway databases"
    )
    parser.add_argument(
        "--ports",
        type=int,
        default=0,
        help="first of 5 ports to use (default: free ones)",
    )
    arguments = parser.parse_args(argv)
    if arguments.stored and arguments.stored <= BASELINE_STORED:
        parser.error(f"--stored must be more than {BASELINE_STORED:,}")
    if arguments.memory_filings is None:
        arguments.memory_filings = arguments.stored
    return arguments


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    results = run(arguments)
    report(results, arguments)
    return 1 if results.problems else 0


if __name__ == "__main__":
    sys.exit(main())
