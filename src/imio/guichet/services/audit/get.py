"""GET {site}/@guichet-audit: the audit trail, for Site Administrators.

JSON pages (``after``, ``limit``), or the whole trail as CSV
(``format=csv``), streamed in batches so that memory stays flat.
"""

from imio.guichet.services.errors import error
from imio.guichet.services.streaming import spooled
from imio.guichet.submissions.api import decode_cursor
from imio.guichet.submissions.api import encode_cursor
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import InvalidQuery
from itertools import islice
from plone.restapi.services import Service
from urllib.parse import urlencode

import csv
import io
import json
import re


AUDIT_KEY = re.compile(r"^\d{17}:[0-9a-f]{32}$")
MAX_LIMIT = 500
CSV_COLUMNS = ("date", "actor", "action", "submissions", "details")
CSV_BATCH = 500


def audit_keys(after: str | None):
    store = get_store()
    audit = store._audit if store is not None else None
    return (audit, iter(()) if audit is None else audit.keys(after))


def audit_page(after: str | None, limit: int) -> tuple[int, list[dict], str | None]:
    """The number of records, the ``limit`` records after key ``after``, and
    the cursor of the next page (None on the last one). Shared by this
    service and the Site Administrators' page."""
    audit, keys = audit_keys(after)
    keys = list(islice(keys, limit + 1))
    more = len(keys) > limit
    keys = keys[:limit]
    records = [{"id": key, **audit.get(key)} for key in keys]
    return (
        0 if audit is None else len(audit),
        records,
        encode_cursor(keys[-1]) if more else None,
    )


class AuditGet(Service):
    def render(self):
        if self.request.form.get("format") == "csv":
            self.check_permission()
            return self.stream_csv()
        return super().render()

    def reply(self):
        form = self.request.form
        try:
            limit = int(form.get("limit") or 100)
            after = decode_cursor(form["after"], AUDIT_KEY) if "after" in form else None
            if not 1 <= limit <= MAX_LIMIT:
                raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}")
        except (ValueError, TypeError) as exc:
            return error(self.request, 400, f"Invalid parameters: {exc}")
        total, records, cursor = audit_page(after, limit)
        url = f"{self.context.absolute_url()}/@guichet-audit"
        return {
            "@id": url,
            "items_total": total,
            "items": records,
            "next": (
                f"{url}?{urlencode({'limit': limit, 'after': cursor})}"
                if cursor
                else None
            ),
        }

    def stream_csv(self):
        response = self.request.response
        response.setHeader("Content-Type", "text/csv; charset=utf-8")
        response.setHeader(
            "Content-Disposition", 'attachment; filename="guichet-audit.csv"'
        )
        return spooled(write_audit_csv)


def write_audit_csv(write) -> None:
    """The whole trail as CSV, batch by batch."""
    audit, keys = audit_keys(None)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    while True:
        batch = list(islice(keys, CSV_BATCH))
        for key in batch:
            record = audit.get(key)
            writer.writerow(
                (
                    record["date"],
                    record["actor"] or "",
                    record["action"],
                    " ".join(record["submissions"]),
                    json.dumps(record["details"], ensure_ascii=False),
                )
            )
        write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < CSV_BATCH:
            return
        # Records already written need not stay in memory.
        audit._p_jar.cacheGC()
