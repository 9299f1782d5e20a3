"""Throwaway instances, served as their own processes.

The real-browser tests (``tests/fixtures/live_site.py``) and the load benchmark
(``bench/bench_load.py``) need the same thing: the demo site of
``make start`` in a real Zope, reached over HTTP. :func:`served_instance`
builds it in a temporary folder (``make demo`` with ``INSTANCE``, ``PORT``
and ``HOST`` set: FileStorage and blobs, the threads of ``etc/zope.ini.in``),
serves it with ``runwsgi``, and removes it afterwards.

The operations tests (``tests/live/test_operations.py``) follow the
commands of docs/deployment.md instead: :func:`run_make` runs a target for
an instance folder (``make backup``, ``make restore``…) and
:func:`started_instance` runs ``make start`` (or ``make serve``) with the
Makefile's variables (``STORAGE=postgresql PGDATABASE=…``), as an operator
types it.

It drives the Makefile of a source checkout, so it works from one only
(like ``make test``), never from an installed distribution.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import os
import requests
import shutil
import signal
import socket
import subprocess
import tempfile
import time


#: The checkout: src/imio/guichet/testing_instance.py -> the repository.
ROOT = Path(__file__).resolve().parents[3]
#: Never reinstall the virtualenv the tests run from (``make`` would, in a
#: fresh checkout whose setup.py is newer than the venv's sentinel).
MAKE = ("make", "-s", "-C", str(ROOT), "-o", ".venv/.installed")
RUNWSGI = ROOT / ".venv" / "bin" / "runwsgi"
#: What the end of a failed build's or server's output shows.
LOG_TAIL = 3000


class InstanceError(RuntimeError):
    """The throwaway instance could not be built or did not start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class ServedInstance:
    """A running throwaway instance: its site's URL, its folder (``etc``
    holds the generated configuration, ``var/log`` the logs) and the
    process id of its server (``runwsgi``, whose memory is read in
    ``/proc``; for :func:`started_instance`, the ``make start`` running
    it)."""

    url: str
    folder: Path
    pid: int


def run_make(target: str, folder: Path, **variables) -> str:
    """Run ``make <target>`` for the instance in ``folder`` (``INSTANCE``)
    with the Makefile's ``variables``; return its output, or raise
    :class:`InstanceError` with the end of it."""
    if not (ROOT / "Makefile").exists():
        raise InstanceError(f"no Makefile in {ROOT}: a source checkout is needed")
    settings = [f"{name}={value}" for name, value in variables.items()]
    done = subprocess.run(
        [*MAKE, target, f"INSTANCE={folder}", *settings],
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode:
        raise InstanceError(f"make {target} failed:\n{output[-LOG_TAIL:]}")
    return output


@contextmanager
def started_instance(
    folder: Path, target: str = "start", start_timeout: float = 300, **variables
) -> Iterator[ServedInstance]:
    """``make start INSTANCE=folder PORT=… HOST=127.0.0.1`` (or ``make
    serve``: ``target``) and the other ``variables``, until the site
    answers; stopped on exit (the folder and its data are kept). Its output
    is in ``folder/make-<target>.log``. ``start_timeout`` covers what
    ``make`` does first (``make start`` creates the demo site)."""
    port = variables.pop("PORT", None) or free_port()
    settings = [f"{name}={value}" for name, value in variables.items()]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"make-{target}.log", "w+") as log:
        server = subprocess.Popen(
            [*MAKE, target, f"INSTANCE={folder}", f"PORT={port}", "HOST=127.0.0.1"]
            + settings,
            stdout=log,
            stderr=subprocess.STDOUT,
            # make and the runwsgi it runs, stopped together.
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}/Plone"
            _wait_for(url, start_timeout, log, server)
            yield ServedInstance(url=url, folder=folder, pid=server.pid)
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)


@contextmanager
def demo_instance(
    prefix: str = "guichet-", start_timeout: float = 120, port: int | None = None
) -> Iterator[str]:
    """Build and serve an instance with the demo site; yield the site's URL
    (see :func:`served_instance`)."""
    with served_instance(prefix, start_timeout, port) as served:
        yield served.url


@contextmanager
def served_instance(
    prefix: str = "guichet-",
    start_timeout: float = 120,
    port: int | None = None,
    **variables,
) -> Iterator[ServedInstance]:
    """Build and serve an instance with the demo site, on ``port`` (a free
    one by default); ``variables`` are more of the Makefile's (e.g.
    ``OIDC_DEMO_PORT``, where the demo site finds its identity provider).

    Raises :class:`InstanceError` (with the end of the output) when the
    build fails or the site does not answer within ``start_timeout``
    seconds. The server is stopped and its folder removed on exit.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        port = port or free_port()
        run_make("demo", folder, PORT=port, HOST="127.0.0.1", **variables)
        with open(folder / "server.log", "w+") as log:
            server = subprocess.Popen(
                [str(RUNWSGI), str(folder / "etc" / "zope.ini")],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                url = f"http://127.0.0.1:{port}/Plone"
                _wait_for(url, start_timeout, log)
                yield ServedInstance(url=url, folder=folder, pid=server.pid)
            finally:
                server.terminate()
                server.wait(30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: How long the tests' demo identity provider lets a code be exchanged: a
#: login exchanges it at once; the expired-code test waits longer.
TEST_CODE_LIFETIME = 8.0


@contextmanager
def identity_provider(
    port: int | None = None,
    code_lifetime: float = TEST_CODE_LIFETIME,
    start_timeout: float = 60,
) -> Iterator[str]:
    """The demonstration identity provider (imio.guichet.demo.provider) as
    its own process on loopback, until it answers its discovery document;
    yields its issuer URL. Stopped on exit."""
    port = port or free_port()
    issuer = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "python"),
                "-m",
                "imio.guichet.demo.provider",
                "--port",
                str(port),
                "--code-lifetime",
                str(code_lifetime),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(
                f"{issuer}/.well-known/openid-configuration", start_timeout, log, server
            )
            yield issuer
        finally:
            server.terminate()
            server.wait(30)


def _wait_for(url: str, timeout: float, log, server=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (server is None or server.poll() is None):
        try:
            if requests.get(url, timeout=30).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    log.seek(0)
    output = log.read()[-LOG_TAIL:]  # the folder is removed: show the log now
    raise InstanceError(
        f"the demo instance did not start in {timeout:.0f} s:\n{output}"
    )


@contextmanager
def population_register(
    port: int | None = None, start_timeout: float = 60
) -> Iterator[str]:
    """The demonstration population register (imio.guichet.demo.register)
    as its own process on loopback, until it answers; yields its URL.
    Stopped on exit."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "python"),
                "-m",
                "imio.guichet.demo.register",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            # A demo person's record: the register is up.
            _wait_for(f"{url}/persons/85031412302", start_timeout, log, server)
            yield url
        finally:
            server.terminate()
            server.wait(30)
