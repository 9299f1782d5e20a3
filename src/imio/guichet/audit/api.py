"""Writing and reading the audit trail: changes in the database, reads in
the journal (see :mod:`imio.guichet.audit.store`), read back as one trail
in time order."""

from base64 import urlsafe_b64decode
from base64 import urlsafe_b64encode
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from datetime import UTC
from imio.guichet import _
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
)
#: Actions recorded only when they showed some submission.
READS = ("read", "list", "download")
#: Actions that change nothing: written to the journal, not the database
#: (an export is a read).
JOURNALED = (*READS, "export")

logger = logging.getLogger(__name__)

#: Records of one page, at most.
MAX_PAGE_SIZE = 500
CSV_COLUMNS = ("date", "actor", "action", "submissions", "details")
CSV_BATCH = 500


def record(
    caller: Caller,
    action: str,
    submissions: Iterable = (),
    details: dict | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Record that ``caller`` did ``action`` on these submissions (objects
    with an ``id``). What staff do through the pages is marked ``ui``, and
    through a maintenance script ``by: "command line"``."""
    details = dict(details or {})
    if caller.channel == HTML:
        details["ui"] = True
    if caller.channel == SCRIPT:
        details["by"] = "command line"
    record_as(
        caller.user_id,
        action,
        [submission.id for submission in submissions],
        details,
        now=now,
    )


def record_as(
    actor: str | None,
    action: str,
    submission_ids: Iterable[str],
    details: dict | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Record that ``actor`` (a user id, None: anonymous) did ``action``.

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


def iter_records(after: str | None = None) -> Iterator[dict]:
    """The records (with their ``id``) strictly after key ``after``, in
    time order: the database's changes and the journal's reads merged,
    lazily."""
    log = get_audit_log()
    changes = (
        ({"id": key, **log.get(key)} for key in log.keys(after))
        if log is not None
        else iter(())
    )
    reads = site_journal().entries(after)
    return heapq.merge(changes, reads, key=itemgetter("id"))


def page(after: str | None, limit: int) -> tuple[list[dict], str | None]:
    """The ``limit`` records after key ``after``, and the cursor of the
    next page (None on the last one).

    No total: the journal's records would have to be counted line by line,
    in every file kept (a year of reads), for each page."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    records = list(islice(iter_records(after), limit + 1))
    more = len(records) > limit
    records = records[:limit]
    return records, encode_audit_cursor(records[-1]["id"]) if more else None


def write_csv(write: Callable[[bytes], object]) -> None:
    """The whole trail as CSV to ``write``, batch by batch (memory stays
    flat whatever its length)."""
    log = get_audit_log()
    records = iter_records(None)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    while True:
        batch = list(islice(records, CSV_BATCH))
        for entry in batch:
            writer.writerow(
                csv_row(
                    (
                        entry["date"],
                        entry["actor"] or "",
                        entry["action"],
                        " ".join(entry["submissions"]),
                        json.dumps(entry["details"], ensure_ascii=False),
                    )
                )
            )
        write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < CSV_BATCH:
            return
        if log is not None and log._p_jar is not None:
            # Records already written need not stay in memory.
            log._p_jar.cacheGC()
