"""A throwaway demo instance, served as its own process.

The real-browser tests (``tests/fixtures/live_site.py``) and the load benchmark
(``bench/bench_load.py``) need the same thing: the demo site of
``make start`` in a real Zope, reached over HTTP. This builds it in a
temporary folder (``make demo`` with ``INSTANCE``, ``PORT`` and ``HOST``
set: FileStorage and blobs, the threads of ``etc/zope.ini.in``), serves it
with ``runwsgi``, and removes it afterwards.

It drives the Makefile of a source checkout, so it works from one only
(like ``make test``), never from an installed distribution.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import shutil
import socket
import subprocess
import tempfile
import time


#: The checkout: src/imio/guichet/testing_instance.py -> the repository.
ROOT = Path(__file__).resolve().parents[3]
MAKE = ("make", "-s", "-C", str(ROOT))
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
    server's process id (its memory is read in ``/proc``)."""

    url: str
    folder: Path
    pid: int


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
    prefix: str = "guichet-", start_timeout: float = 120, port: int | None = None
) -> Iterator[ServedInstance]:
    """Build and serve an instance with the demo site, on ``port`` (a free
    one by default).

    Raises :class:`InstanceError` (with the end of the output) when the
    build fails or the site does not answer within ``start_timeout``
    seconds. The server is stopped and its folder removed on exit.
    """
    if not (ROOT / "Makefile").exists():
        raise InstanceError(f"no Makefile in {ROOT}: a source checkout is needed")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        port = port or free_port()
        built = subprocess.run(
            [*MAKE, f"INSTANCE={folder}", f"PORT={port}", "HOST=127.0.0.1", "demo"],
            capture_output=True,
            text=True,
            check=False,
        )
        if built.returncode:
            output = (built.stdout + built.stderr)[-LOG_TAIL:]
            raise InstanceError(f"make demo failed:\n{output}")
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


def _wait_for(url: str, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
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
