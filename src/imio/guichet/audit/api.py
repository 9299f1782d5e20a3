"""Writing and reading the audit trail: changes in the database, reads in
the journal (see :mod:`imio.guichet.audit.store`), read back as one trail
in time order."""

from base64 import urlsafe_b64decode
from base64 import urlsafe_b64encode
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet import _
from imio.guichet.audit.keys import micros_since_epoch
from imio.guichet.audit.store import get_audit_log
from imio.guichet.audit.store import RECORD_KEY
from imio.guichet.audit.store import site_journal
from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.caller import SCRIPT
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.errors import Unavailable
from imio.guichet.spreadsheets import csv_row
from itertools import islice
from itertools import takewhile
from operator import itemgetter

import csv
import heapq
import io
import json
import logging


#: What can be recorded.
ACTIONS = (
    "read",
    "list",
    "acknowledge",
    "change_state",
    "assign",
    # Staff's message to the citizen (the state unchanged).
    "message",
    "export",
    "download",
    # The figures of a dashboard (no request named).
    "dashboard",
    # Who gave or took machine access (they concern no submission).
    "create_token",
    "revoke_token",
    "subscribe_webhook",
    "update_webhook",
    "unsubscribe_webhook",
    "retry_failed_mail",
    # Procedure models (they concern no submission).
    "publish_model",
    "create_from_model",
    "update_from_model",
    "withdraw_model",
    # A procedure's e-mails as its webmasters write them (no submission).
    "edit_mail_template",
    "reset_mail_template",
    # The citizens' rights: who looked for whom (masked) and exported it.
    "lookup_person",
    "export_person",
    # Retention: one request anonymised or deleted by staff, a legal hold
    # placed or lifted, a purge run (counts only).
    "erase",
    "legal_hold",
    "release_hold",
    "retention_purge",
    # A procedure's form: its working copy published or dropped.
    "publish_form",
    "discard_form_changes",
    # Its texts translated into a language (the fields stay the same).
    "translate_form",
)
#: Actions recorded only when they showed some submission.
READS = ("read", "list", "download")
#: Actions that change nothing: written to the journal, not the database
#: (an export is a read).
JOURNALED = (*READS, "export", "lookup_person", "export_person", "dashboard")

logger = logging.getLogger(__name__)

#: Records of one page, at most.
MAX_PAGE_SIZE = 500
#: The columns of the trail as stored (``references`` came last, later).
CSV_COLUMNS = ("date", "actor", "action", "submissions", "details", "references")
CSV_BATCH = 500


def record(
    caller: Caller,
    action: str,
    submissions: Iterable = (),
    details: dict | None = None,
    *,
    now: datetime | None = None,
    references: Iterable[str] | None = None,
) -> None:
    """Record that ``caller`` did ``action`` on these submissions (objects
    with an ``id`` and a ``reference``; ``references``: those of rows that
    are not named otherwise, an export's). What staff do through the pages
    is marked ``ui``, and through a maintenance script ``by: "command
    line"``."""
    details = dict(details or {})
    if caller.channel == HTML:
        details["ui"] = True
    if caller.channel == SCRIPT:
        details["by"] = "command line"
    submissions = list(submissions)
    record_as(
        caller.user_id,
        action,
        [submission.id for submission in submissions],
        details,
        now=now,
        references=(
            [getattr(submission, "reference", None) for submission in submissions]
            if references is None
            else references
        ),
    )


def record_as(
    actor: str | None,
    action: str,
    submission_ids: Iterable[str],
    details: dict | None = None,
    *,
    now: datetime | None = None,
    references: Iterable[str] = (),
) -> None:
    """Record that ``actor`` (a user id, None: anonymous) did ``action``.

    ``references`` are those of the submissions (in their order), kept so
    that the trail can say which requests without opening each of them;
    an export, which names no submission, keeps the references of the
    rows it wrote (8 characters each: compact even for a large export).

    A read (``JOURNALED``) is written to the journal now, durably, and
    never commits; :class:`Unavailable` if it cannot be, so that nothing is
    shown unrecorded. A change is added to the database's log, committed
    with the change's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")  # a bug, not a refusal
    ids = list(submission_ids)
    if not ids and action in READS:  # an empty page showed nothing
        return
    entry = {
        "actor": actor,
        "action": action,
        "submissions": ids,
        "details": dict(details or {}),
    }
    references = [reference for reference in references if reference]
    if references:
        entry["references"] = references
    if action in JOURNALED:
        journal = site_journal()
        try:
            journal.append(entry, now)
        except OSError as error:
            # Nothing is shown that the trail does not hold.
            logger.exception("Could not write the audit journal %s", journal.folder)
            raise Unavailable(
                _(
                    "error_audit_unavailable",
                    default="The audit trail cannot be written now: nothing "
                    "was shown. Try again later.",
                )
            ) from error
        return
    now = now or datetime.now(UTC)
    get_audit_log(create=True).add({"date": now.isoformat(), **entry}, now)


def encode_audit_cursor(key: str) -> str:
    return urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_audit_cursor(cursor: str) -> str:
    """The record key a page cursor stands for; :class:`InvalidQuery` if
    forged."""
    try:
        key = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (TypeError, ValueError, UnicodeDecodeError):  # not text, not base64
        key = ""
    if not RECORD_KEY.match(key):
        raise InvalidQuery(
            f"{cursor!r} is not a cursor of the audit trail",
            fields=[
                FieldError(
                    "after",
                    "invalid_cursor",
                    _(
                        "error_invalid_audit_cursor",
                        default="This page link is not valid.",
                    ),
                )
            ],
        )
    return key


@dataclass(frozen=True)
class Selection:
    """Which records of the trail: by whom (``actor``, a user id), what
    (``action``), about which request (``submission_id``, or its
    ``reference``: an export names its rows by reference), and when
    (``start`` included, ``end`` excluded, aware datetimes)."""

    actor: str | None = None
    action: str | None = None
    submission_id: str | None = None
    reference: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def matches(self, entry: dict) -> bool:
        if self.actor is not None and entry.get("actor") != self.actor:
            return False
        if self.action is not None and entry.get("action") != self.action:
            return False
        if self.submission_id is not None or self.reference is not None:
            ids = entry.get("submissions") or ()
            references = entry.get("references") or ()
            if self.submission_id not in ids and self.reference not in references:
                return False
        return True

    @property
    def start_bound(self) -> str | None:
        """A key just before every record of ``start``'s microsecond."""
        return None if self.start is None else _time_bound(self.start)

    @property
    def end_bound(self) -> str | None:
        """A key just before every record of ``end``'s microsecond."""
        return None if self.end is None else _time_bound(self.end)


EVERYTHING = Selection()


def _time_bound(when: datetime) -> str:
    # ":" sorts before the random hex digits: below every key of that µs.
    return f"{micros_since_epoch(when):017d}:"


def iter_records(
    after: str | None = None,
    *,
    descending: bool = False,
    selection: Selection = EVERYTHING,
) -> Iterator[dict]:
    """The records (with their ``id``) that ``selection`` keeps, after the
    key ``after`` in the order asked (time order, or newest first when
    ``descending``): the database's changes and the journal's reads merged,
    lazily. The period narrows what is read; the other filters are checked
    record by record."""
    log = get_audit_log()
    journal = site_journal()
    if descending:
        before = _lowest(after, selection.end_bound)
        keys = log.keys_before(before) if log is not None else iter(())
        changes = ({"id": key, **log.get(key)} for key in keys)
        reads = journal.entries_before(before)
        merged = heapq.merge(changes, reads, key=itemgetter("id"), reverse=True)
        bound = selection.start_bound
        in_period = (
            takewhile(lambda entry: entry["id"] > bound, merged)
            if bound is not None
            else merged
        )
    else:
        after = _highest(after, selection.start_bound)
        keys = log.keys(after) if log is not None else iter(())
        changes = ({"id": key, **log.get(key)} for key in keys)
        merged = heapq.merge(changes, journal.entries(after), key=itemgetter("id"))
        bound = selection.end_bound
        in_period = (
            takewhile(lambda entry: entry["id"] < bound, merged)
            if bound is not None
            else merged
        )
    if selection == EVERYTHING:
        return in_period
    return (entry for entry in in_period if selection.matches(entry))


def _lowest(*keys: str | None) -> str | None:
    present = [key for key in keys if key is not None]
    return min(present) if present else None


def _highest(*keys: str | None) -> str | None:
    present = [key for key in keys if key is not None]
    return max(present) if present else None


def page(
    after: str | None,
    limit: int,
    *,
    descending: bool = False,
    selection: Selection = EVERYTHING,
) -> tuple[list[dict], str | None]:
    """The ``limit`` records after key ``after`` (in the order asked) that
    ``selection`` keeps, and the cursor of the next page (None on the last
    one).

    No total: the journal's records would have to be counted line by line,
    in every file kept (a year of reads), for each page."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    records = list(
        islice(
            iter_records(after, descending=descending, selection=selection),
            limit + 1,
        )
    )
    more = len(records) > limit
    records = records[:limit]
    return records, encode_audit_cursor(records[-1]["id"]) if more else None


def raw_row(entry: dict) -> tuple:
    """A record as a row of :data:`CSV_COLUMNS`, as stored."""
    return (
        entry["date"],
        entry["actor"] or "",
        entry["action"],
        " ".join(entry["submissions"]),
        json.dumps(entry["details"], ensure_ascii=False),
        " ".join(entry.get("references") or ()),
    )


def write_csv(
    write: Callable[[bytes], object],
    *,
    descending: bool = False,
    selection: Selection = EVERYTHING,
    header: Iterable[str] = CSV_COLUMNS,
    row: Callable[[Iterable[dict]], Iterable[tuple]] | None = None,
) -> None:
    """The records ``selection`` keeps as CSV to ``write``, batch by batch
    (memory stays flat whatever their number). ``row`` turns a batch of
    records into rows (default: :func:`raw_row`, under ``header``)."""
    log = get_audit_log()
    records = iter_records(None, descending=descending, selection=selection)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    while True:
        batch = list(islice(records, CSV_BATCH))
        rows = row(batch) if row is not None else map(raw_row, batch)
        for values in rows:
            writer.writerow(csv_row(values))
        write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < CSV_BATCH:
            return
        if log is not None and log._p_jar is not None:
            # Records already written need not stay in memory.
            log._p_jar.cacheGC()
