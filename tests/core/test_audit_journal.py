"""The journal of reads (imio.guichet.audit.journal): files written by real
processes and read back by others, day files and their retention, several
writers merged in order, cursors found by bisection."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.audit import journal as journal_module
from imio.guichet.audit.journal import _start as bisection_start
from imio.guichet.audit.journal import Journal
from imio.guichet.audit.keys import RECORD_KEY
from pathlib import Path

import imio.guichet
import json
import os
import pytest
import subprocess
import sys


SOURCES = str(Path(imio.guichet.__file__).resolve().parents[2])

#: A process that writes ``count`` records with its own Journal object, as
#: an instance does, then exits.
WRITER = """
import sys
from imio.guichet.audit.journal import _start as bisection_start
from imio.guichet.audit import journal as journal_module
from imio.guichet.audit.journal import Journal

folder, host, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
journal = Journal(folder, host=host)
for n in range(count):
    journal.append(
        {"actor": host, "action": "read", "submissions": [f"{n:032x}"],
         "details": {"n": n}}
    )
"""

#: A process that prints every record of the journal, one JSON per line.
READER = """
import json, sys
from imio.guichet.audit.journal import _start as bisection_start
from imio.guichet.audit import journal as journal_module
from imio.guichet.audit.journal import Journal

for record in Journal(sys.argv[1]).entries():
    print(json.dumps(record))
"""


def python(script: str, *args, wait: bool = True):
    command = [sys.executable, "-c", script, *map(str, args)]
    environment = {**os.environ, "PYTHONPATH": SOURCES}
    if not wait:
        return subprocess.Popen(command, env=environment)
    done = subprocess.run(
        command, env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def entry(n: int, actor: str = "office") -> dict:
    return {
        "actor": actor,
        "action": "read",
        "submissions": [f"{n:032x}"],
        "details": {"n": n},
    }


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_records_outlive_the_process_that_wrote_them(tmp_path):
    folder = tmp_path / "site"
    python(WRITER, folder, "web1", 3)
    # Another process (this one) reads them back.
    records = list(Journal(folder).entries())
    assert [r["details"]["n"] for r in records] == [0, 1, 2]
    assert all(RECORD_KEY.match(r["id"]) for r in records)
    assert [set(r) for r in records] == [
        {"id", "date", "actor", "action", "submissions", "details"}
    ] * 3
    # This process writes; a new one reads both.
    Journal(folder, host="web2").append(entry(3, "web2"))
    printed = [json.loads(line) for line in python(READER, folder).splitlines()]
    assert [(r["actor"], r["details"]["n"]) for r in printed] == [
        ("web1", 0),
        ("web1", 1),
        ("web1", 2),
        ("web2", 3),
    ]
    # One file per process and day, named after its host and process id.
    names = sorted(path.name for path in folder.iterdir())
    today = datetime.now(UTC).date().isoformat()
    assert len(names) == 2
    assert names[1] == f"{today}_web2_{os.getpid()}.jsonl"
    assert names[0].startswith(f"{today}_web1_")


def test_two_instances_writing_at_once_are_merged_in_order(tmp_path):
    folder = tmp_path / "site"
    writers = [python(WRITER, folder, f"web{n}", 200, wait=False) for n in (1, 2)]
    assert [writer.wait(120) for writer in writers] == [0, 0]
    records = list(Journal(folder).entries())
    assert len(records) == 400
    keys = [r["id"] for r in records]
    assert keys == sorted(keys) and len(set(keys)) == 400
    for host in ("web1", "web2"):
        mine = [r["details"]["n"] for r in records if r["actor"] == host]
        assert mine == list(range(200))
    # Each file holds one writer's whole lines, and nothing else.
    for path in folder.iterdir():
        actors = {json.loads(line)["actor"] for line in path.read_text().splitlines()}
        assert len(actors) == 1 and actors.pop() in path.name


def test_two_journal_objects_merged_in_time_order(tmp_path):
    clock = Clock(datetime(2026, 5, 1, 9, tzinfo=UTC))
    one = Journal(tmp_path, host="web1", clock=clock)
    two = Journal(tmp_path, host="web2", clock=clock)
    for n in range(6):
        clock.now += timedelta(seconds=1)
        (one if n % 2 else two).append(entry(n))
    assert [r["details"]["n"] for r in Journal(tmp_path).entries()] == list(range(6))


def test_day_files_and_their_retention(tmp_path):
    clock = Clock(datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC))
    journal = Journal(tmp_path, retention_days=2, clock=clock, host="web1")
    other = Journal(tmp_path, retention_days=0, clock=clock, host="web2")
    journal.append(entry(1))
    other.append(entry(2))
    clock.now += timedelta(seconds=1)  # midnight: a new day, a new file
    journal.append(entry(3))

    def days():
        return sorted({day.isoformat() for day, _path in journal.files()})

    assert days() == ["2026-03-01", "2026-03-02"]
    clock.now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    journal.append(entry(4))
    assert days() == ["2026-03-01", "2026-03-02", "2026-03-03"]  # 2 days back
    clock.now = datetime(2026, 3, 4, 0, 0, 1, tzinfo=UTC)
    journal.append(entry(5))
    # Older than 2 days: March 1st, whoever wrote it (web2 too).
    assert days() == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert [r["details"]["n"] for r in journal.entries()] == [3, 4, 5]
    # A journal that keeps everything deletes nothing.
    clock.now = datetime(2027, 1, 1, tzinfo=UTC)
    other.append(entry(6))
    assert len(days()) == 4
    # The records carry the date of their key, in UTC.
    last = list(journal.entries())[-1]
    assert last["date"] == "2027-01-01T00:00:00+00:00"


def test_a_clock_going_back_never_reorders_a_file(tmp_path):
    clock = Clock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    journal = Journal(tmp_path, clock=clock, host="web1")
    journal.append(entry(1))
    clock.now -= timedelta(seconds=30)  # NTP steps the clock back
    journal.append(entry(2))
    # A later process with the same id (restarted) resumes after the file's
    # last key, whatever its clock says.
    again = Journal(tmp_path, clock=clock, host="web1")
    again.append(entry(3))
    records = list(journal.entries())
    assert [r["details"]["n"] for r in records] == [1, 2, 3]
    keys = [r["id"] for r in records]
    assert keys == sorted(keys)


def test_a_torn_line_is_ended_and_skipped(tmp_path):
    clock = Clock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    journal = Journal(tmp_path, clock=clock, host="web1")
    journal.append(entry(1))
    journal.close()
    [(_day, path)] = journal.files()
    with open(path, "ab") as file:  # a crash in the middle of a write
        file.write(b'{"id":"0000')
    # Not yet ended: a reader does not take it for a record.
    assert [r["details"]["n"] for r in journal.entries()] == [1]
    clock.now += timedelta(seconds=1)
    journal.append(entry(2))
    assert [r["details"]["n"] for r in journal.entries()] == [1, 2]
    assert path.read_bytes().count(b"\n") == 3


def test_a_cursor_is_found_by_bisection(tmp_path):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    clock = Clock(start)
    one = Journal(tmp_path, clock=clock, host="web1")
    two = Journal(tmp_path, clock=clock, host="web2")
    padding = "x" * 1000  # 600 records of 1 KB: several bisection steps
    for n in range(600):
        clock.now = start + timedelta(seconds=n * 250)
        (one if n % 3 else two).append({**entry(n), "details": {"n": n, "p": padding}})
    records = list(one.entries())
    assert [r["details"]["n"] for r in records] == list(range(600))
    assert len({r["date"][:10] for r in records}) == 2  # over two days
    for position in (0, 1, 234, 344, 345, 346, 598, 599):
        after = records[position]["id"]
        assert list(one.entries(after)) == records[position + 1 :]
    assert list(one.entries("0" * 17 + ":" + "0" * 32)) == records
    # The cursor's file is entered near the cursor (record 300 of 345 that
    # day), not read from its start.
    middle = records[300]
    for day, path in one.files():
        if day.isoformat() != middle["date"][:10]:
            continue
        with open(path, "rb") as file:
            offset = bisection_start(file, middle["id"])
            assert offset > file.seek(0, os.SEEK_END) / 2
            file.seek(offset)
            assert json.loads(file.readline())["id"] <= middle["id"]


def test_lines_that_are_no_records_are_skipped(tmp_path):
    journal = Journal(tmp_path, host="web1")
    journal.append(entry(1))
    journal.close()
    [(_day, path)] = journal.files()
    with open(path, "ab") as file:
        file.write(b"not json\n[1, 2]\n" + b'{"id": "forged"}\n')
    journal.append(entry(2))
    assert [r["details"]["n"] for r in journal.entries()] == [1, 2]
    (tmp_path / "notes.txt").write_text("not a day file")
    assert len(journal.files()) == 1


def test_no_folder_no_records(tmp_path):
    assert list(Journal(tmp_path / "nothing yet").entries()) == []
    assert not (tmp_path / "nothing yet").exists()  # reading creates nothing


def test_files_are_not_for_everyone(tmp_path):
    journal = Journal(tmp_path / "site", host="web1")
    journal.append(entry(1))
    [(_day, path)] = journal.files()
    # Nothing for others (the umask may take more away).
    assert path.stat().st_mode & 0o137 == 0
    assert (tmp_path / "site").stat().st_mode & 0o027 == 0


def test_bad_retention_refused(tmp_path):
    with pytest.raises(ValueError):
        Journal(tmp_path, retention_days=-1)


def test_records_are_filed_under_their_utc_day(tmp_path):
    journal = Journal(tmp_path, host="web1")
    journal.append(entry(1), datetime.fromisoformat("2026-07-01T01:15:00+02:00"))
    assert [day for day, _path in journal.files()] == [date(2026, 6, 30)]
    [record] = journal.entries()
    assert record["date"] == "2026-06-30T23:15:00+00:00"


@pytest.mark.parametrize("block", [64 * 1024, 300, 7])
def test_newest_first_with_cursors(tmp_path, monkeypatch, block):
    """Read backwards (the page's newest first): every record once, in
    reverse key order, over days and files, whatever the size of the
    blocks read; a cursor ends each file at the right line; a line still
    being written is no record."""
    monkeypatch.setattr(journal_module, "_BACKWARD_BLOCK", block)
    start = datetime(2026, 3, 1, 22, tzinfo=UTC)
    writers = [Journal(tmp_path, host=name) for name in ("a", "b")]
    for n in range(60):
        writers[n % 2].append(
            {"actor": "x", "action": "read", "submissions": [], "details": {"n": n}},
            start + timedelta(minutes=7 * n),  # over two UTC days
        )
    forwards = list(Journal(tmp_path).entries())
    assert len(forwards) == 60
    assert len({path.name[:10] for path in tmp_path.iterdir()}) == 2
    assert list(Journal(tmp_path).entries_before()) == forwards[::-1]
    for index in (0, 1, 29, 30, 59):
        cursor = forwards[index]["id"]
        before = list(Journal(tmp_path).entries_before(cursor))
        assert before == forwards[:index][::-1]
    # A line being written at the end of a file is left out.
    newest = max(tmp_path.iterdir())
    with open(newest, "ab") as file:
        file.write(b'{"id": "0000')
    assert list(Journal(tmp_path).entries_before()) == forwards[::-1]
