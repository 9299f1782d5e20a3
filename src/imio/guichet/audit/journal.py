"""The journal of reads: append-only JSON Lines files, outside the database.

Every listing or feed page, reading, download and export by staff is in
the audit trail. Kept in the ZODB, each read was a commit: reading 11,000
submissions added 10 MB to Data.fs, and concurrent reads conflicted on the
log's trees. A read changes nothing else, so it is written here instead
and never commits; changes (acknowledge, change of state, tokens,
webhooks…) stay in the database's log, in the change's own transaction
(:mod:`imio.guichet.audit.store`).

Layout: a folder (one per site), holding one file per process and per UTC
day, ``<YYYY-MM-DD>_<host>_<pid>.jsonl``. No two processes ever write one
file, so records never interleave; several instances of one site (on one
RelStorage database) share the folder, each with its own files, and every
reader sees all of them. A record is one line of JSON, written by a single
``os.write`` on an ``O_APPEND`` descriptor under the process's lock, then
flushed to the disk (``fdatasync``): once :meth:`Journal.append` returns,
the record survives a crash of the process or of the machine. A process's
keys never go back, even when its clock does, so each file is in key order:
readers merge the files of a day lazily (``heapq.merge``), and find a page
cursor in a file by bisection, without reading it all.

Rotation: a day's files are not written after that day. When a writer
opens the file of a new day (its first record of the day), it deletes the
files of the days before the retention (``retention_days``; 0 keeps them
all), whoever wrote them.

Why no library: what is needed is an append, an fsync and a sorted merge,
a hundred lines of the standard library. ``logging``'s rotating handlers
rename one shared file (unsafe with several processes, no fsync, nothing
to read back); SQLite needs one writer at a time over a file that
instances on several hosts would share (its locking is unreliable on
network file systems); a log shipper or database is another service to
run.
"""

from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.audit.keys import micros_of_key
from imio.guichet.audit.keys import micros_since_epoch
from imio.guichet.audit.keys import RECORD_KEY
from imio.guichet.audit.keys import record_key
from imio.guichet.audit.keys import time_of
from operator import itemgetter
from pathlib import Path

import heapq
import json
import logging
import os
import re
import socket
import threading


logger = logging.getLogger(__name__)

#: Days a day's files are kept (a year and a bit: last year's trail can
#: still be asked about in the first weeks of the next).
DEFAULT_RETENTION_DAYS = 400

_FILE_NAME = re.compile(r"\A(\d{4}-\d{2}-\d{2})_([A-Za-z0-9-]+)_(\d+)\.jsonl\Z")
#: A bisection stops when the part of the file left is this small: reading
#: it line by line is then cheaper than seeking.
_BISECT_SPAN = 64 * 1024
#: What is read at a time when a file is read backwards (newest first).
_BACKWARD_BLOCK = 64 * 1024
#: How much of the end of a file is read, when a process resumes it, to
#: find its last key (a record is a few hundred bytes; a listing page of
#: 500 submissions, 20 KB).
_TAIL = 1024 * 1024


def utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """The journal kept in ``folder``, as written and read by this process.

    ``clock`` (aware datetimes) dates the records appended without a date,
    and decides which day files are past the retention; ``host`` names
    this process's files (default: the machine's name).
    """

    def __init__(
        self,
        folder: Path | str,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], datetime] = utc_now,
        host: str | None = None,
    ):
        if retention_days < 0:
            raise ValueError(f"retention_days must be 0 or more, not {retention_days}")
        self.folder = Path(folder)
        self.retention_days = retention_days
        self.clock = clock
        self.host = re.sub(r"[^A-Za-z0-9-]", "-", host or socket.gethostname())
        self._lock = threading.Lock()
        self._fd: int | None = None
        #: (day, process id) of the open file.
        self._open_as: tuple[date, int] | None = None
        self._last_micros = 0

    # -- writing ------------------------------------------------------------

    def append(self, record: Mapping, when: datetime | None = None) -> dict:
        """Write ``record`` (``actor``, ``action``, ``submissions``,
        ``details``), dated ``when`` (default: now), durably; return it as
        stored, with its ``id`` (key) and ``date``. Raises ``OSError`` when
        it could not be written."""
        with self._lock:
            micros = micros_since_epoch(when or self.clock())
            while True:
                # Keys never go back in a file, even when the clock does.
                micros = max(micros, self._last_micros + 1)
                descriptor = self._descriptor(time_of(micros).date())
                if micros > self._last_micros:  # (opening may have resumed)
                    break
            moment = time_of(micros)
            stored = {"id": record_key(micros), "date": moment.isoformat()}
            stored.update((k, v) for k, v in record.items() if k not in stored)
            # ASCII JSON: no raw line end can get into a line.
            line = (json.dumps(stored, separators=(",", ":")) + "\n").encode()
            try:
                written = os.write(descriptor, line)
                if written != len(line):
                    raise OSError(f"{written} of {len(line)} bytes written")
                _sync(descriptor)
            except OSError:
                # The next append opens the file again and ends a torn line.
                self._close()
                raise
            self._last_micros = micros
            return stored

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        # (In a forked process, the descriptor is its own copy: closing it
        # leaves the parent's open.)
        descriptor, self._fd, self._open_as = self._fd, None, None
        if descriptor is not None:
            os.close(descriptor)

    def _descriptor(self, day: date) -> int:
        pid = os.getpid()
        if self._fd is not None and self._open_as == (day, pid):
            return self._fd
        # A new day, or a forked process (a child writes its own file).
        self._close()
        self.folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        path = self.folder / f"{day.isoformat()}_{self.host}_{pid}.jsonl"
        created = not path.exists()
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(path, flags, 0o640)
        try:
            self._resume(descriptor)
            if created:  # the file's name must survive a crash too
                _sync_folder(self.folder)
        except OSError:
            os.close(descriptor)
            raise
        self._fd, self._open_as = descriptor, (day, pid)
        self._drop_expired(day)
        return descriptor

    def _resume(self, descriptor: int) -> None:
        """Continue a file an earlier process of the same id wrote: end its
        last line if it was torn, and write keys after its last one."""
        size = os.fstat(descriptor).st_size
        if not size:
            return
        tail = os.pread(descriptor, min(size, _TAIL), max(0, size - _TAIL))
        if not tail.endswith(b"\n"):
            os.write(descriptor, b"\n")
            _sync(descriptor)
        for line in reversed(tail.split(b"\n")):
            record = parse_line(line)
            if record is not None:
                self._last_micros = max(self._last_micros, micros_of_key(record["id"]))
                return

    def _drop_expired(self, today: date) -> None:
        if not self.retention_days:
            return
        self.drop_before(today - timedelta(days=self.retention_days))

    def drop_before(self, oldest_kept: date) -> int:
        """Delete the day files of the days before ``oldest_kept`` (the
        daily purge, with the control panel's retention); return how many."""
        dropped = 0
        for day, path in self.files():
            if day >= oldest_kept:
                continue
            try:
                path.unlink()
            except FileNotFoundError:  # another instance was first
                continue
            except OSError:
                logger.warning("Could not delete the expired %s", path, exc_info=True)
                continue
            dropped += 1
            logger.info("Deleted %s (older than %s)", path, oldest_kept)
        return dropped

    # -- reading ------------------------------------------------------------

    def files(self) -> list[tuple[date, Path]]:
        """The journal's files, with their day (in no useful order)."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            match = _FILE_NAME.match(name)
            if match is not None:
                found.append((date.fromisoformat(match[1]), self.folder / name))
        return found

    def entries(self, after: str | None = None) -> Iterator[dict]:
        """The records in key order, strictly after the key ``after``
        (None: from the first); lazy: files are opened as they are reached,
        and the cursor's file is entered by bisection."""
        by_day = defaultdict(list)
        for day, path in self.files():
            by_day[day].append(path)
        first_day = time_of(micros_of_key(after)).date() if after else None
        for day in sorted(by_day):
            if first_day is not None and day < first_day:
                continue
            bound = after if day == first_day else None
            yield from heapq.merge(
                *(_read(path, bound) for path in by_day[day]), key=itemgetter("id")
            )

    def entries_before(self, before: str | None = None) -> Iterator[dict]:
        """The records in reverse key order (newest first), strictly before
        the key ``before`` (None: from the last); lazy, as :meth:`entries`:
        each file is read backwards by blocks, from the cursor found by
        bisection."""
        by_day = defaultdict(list)
        for day, path in self.files():
            by_day[day].append(path)
        last_day = time_of(micros_of_key(before)).date() if before else None
        for day in sorted(by_day, reverse=True):
            if last_day is not None and day > last_day:
                continue
            bound = before if day == last_day else None
            yield from heapq.merge(
                *(_read_backwards(path, bound) for path in by_day[day]),
                key=itemgetter("id"),
                reverse=True,
            )


def parse_line(line: bytes) -> dict | None:
    """The record of a line, or None when it is not one (torn, edited)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    key = record.get("id")
    if not isinstance(key, str) or not RECORD_KEY.match(key):
        return None
    return record


def _read(path: Path, after: str | None) -> Iterator[dict]:
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed by the generator
    except FileNotFoundError:  # deleted since listed: past the retention
        return
    with file:
        if after is not None:
            file.seek(_start(file, after))
        for line in iter(file.readline, b""):
            if not line.endswith(b"\n"):
                return  # still being written: not a record yet
            record = parse_line(line)
            if record is None:
                if line.strip():
                    logger.warning("Skipped a line that is no record in %s", path)
                continue
            if after is None or record["id"] > after:
                yield record


def _read_backwards(path: Path, before: str | None) -> Iterator[dict]:
    """The records of ``path`` strictly before ``before``, last first."""
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed by the generator
    except FileNotFoundError:  # deleted since listed: past the retention
        return
    with file:
        end = file.seek(0, os.SEEK_END) if before is None else _end(file, before)
        buffer, position = b"", end
        # What follows the last line end is still being written: no record.
        tail_dropped = False
        while position > 0:
            size = min(_BACKWARD_BLOCK, position)
            position -= size
            file.seek(position)
            buffer = file.read(size) + buffer
            lines = buffer.split(b"\n")
            buffer = lines.pop(0)  # its start may be in the block before
            if lines and not tail_dropped:
                lines.pop()
                tail_dropped = True
            for line in reversed(lines):
                yield from _record_before(line, before, path)
        if tail_dropped:  # the file's first line
            yield from _record_before(buffer, before, path)


def _record_before(line: bytes, before: str | None, path: Path) -> Iterator[dict]:
    record = parse_line(line)
    if record is None:
        if line.strip():
            logger.warning("Skipped a line that is no record in %s", path)
        return
    if before is None or record["id"] < before:
        yield record


def _end(file, before: str) -> int:
    """The offset of the end of the last line whose key is before
    ``before`` (the lines are in key order)."""
    file.seek(_start(file, before))
    end = file.tell()
    for line in iter(file.readline, b""):
        if not line.endswith(b"\n"):
            break
        record = parse_line(line)
        if record is not None and record["id"] >= before:
            break
        end = file.tell()
    return end


def _start(file, after: str) -> int:
    """An offset of a line start in ``file`` before which every line's key
    is at most ``after`` (the lines are in key order)."""
    low, high = 0, file.seek(0, os.SEEK_END)
    while high - low > _BISECT_SPAN:
        middle = (low + high) // 2
        file.seek(middle)
        file.readline()  # the end of the line ``middle`` falls in
        key = start = None
        while file.tell() < high:
            start = file.tell()
            line = file.readline()
            if not line.endswith(b"\n"):
                break
            record = parse_line(line)
            if record is not None:
                key = record["id"]
                break
        if key is not None and key <= after:
            low = start
        else:
            high = middle
    return low


def _sync(descriptor: int) -> None:
    # fdatasync writes the data and the file's new size, not its times.
    getattr(os, "fdatasync", os.fsync)(descriptor)


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
