"""Writing and reading the audit trail."""

from base64 import urlsafe_b64decode
from base64 import urlsafe_b64encode
from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime
from datetime import UTC
from imio.guichet import _
from imio.guichet.audit.store import get_audit_log
from imio.guichet.audit.store import RECORD_KEY
from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.caller import SCRIPT
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.spreadsheets import csv_row
from itertools import islice

import csv
import io
import json


#: What can be recorded.
ACTIONS = (
    "read",
    "list",
    "acknowledge",
    "change_state",
    "export",
    "download",
    # Who gave or took machine access (they concern no submission).
    "create_token",
    "revoke_token",
    "subscribe_webhook",
    "update_webhook",
    "unsubscribe_webhook",
    "retry_failed_mail",
)
#: Actions recorded only when they showed some submission.
READS = ("read", "list", "download")

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
    """Record that ``actor`` (a user id, None: anonymous) did ``action``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")  # a bug, not a refusal
    ids = list(submission_ids)
    if not ids and action in READS:  # an empty page showed nothing
        return
    now = now or datetime.now(UTC)
    get_audit_log(create=True).add(
        {
            "date": now.isoformat(),
            "actor": actor,
            "action": action,
            "submissions": ids,
            "details": dict(details or {}),
        },
        now,
    )


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


def page(after: str | None, limit: int) -> tuple[int, list[dict], str | None]:
    """The number of records, the ``limit`` records after key ``after``, and
    the cursor of the next page (None on the last one)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    log = get_audit_log()
    if log is None:
        return 0, [], None
    keys = list(islice(log.keys(after), limit + 1))
    more = len(keys) > limit
    keys = keys[:limit]
    records = [{"id": key, **log.get(key)} for key in keys]
    return len(log), records, encode_audit_cursor(keys[-1]) if more else None


def write_csv(write: Callable[[bytes], object]) -> None:
    """The whole trail as CSV to ``write``, batch by batch (memory stays
    flat whatever its length)."""
    log = get_audit_log()
    keys = iter(()) if log is None else log.keys(None)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    while True:
        batch = list(islice(keys, CSV_BATCH))
        for key in batch:
            entry = log.get(key)
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
        # Records already written need not stay in memory.
        log._p_jar.cacheGC()
