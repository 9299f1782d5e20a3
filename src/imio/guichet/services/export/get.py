"""GET {procedure}/@submissions-export: a procedure's submissions as a file.

``format=csv`` (one column per field of the current form) or ``format=jsonl``
(one submission per line, as the API shows it), filtered by ``state`` and
by creation day (``from``, ``to``, YYYY-MM-DD, both included). Streamed in
batches, so that memory stays flat whatever the number of submissions.
"""

from datetime import date
from imio.guichet.services.errors import access_denied
from imio.guichet.services.errors import error
from imio.guichet.services.submissions.serialization import procedure_summaries
from imio.guichet.services.submissions.serialization import serialize_submission
from imio.guichet.submissions.access import may_read_submissions_of
from imio.guichet.submissions.api import audit_access
from imio.guichet.submissions.api import iter_submissions
from imio.guichet.submissions.states import STATES
from itertools import islice
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.services import Service
from zope.interface import alsoProvides
from zope.schema import getFieldNames

import csv
import io
import json


BATCH = 500
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
}
FIXED_COLUMNS = (
    "id",
    "reference",
    "created",
    "state",
    "submitter",
    "acknowledged_by",
    "external_reference",
    "schema_version",
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


class SubmissionsExport(Service):
    def render(self):
        self.check_permission()
        alsoProvides(self.request, IDisableCSRFProtection)  # the audit record
        answer = self.refusal()
        if answer is not None:
            self.request.response.setHeader("Content-Type", "application/json")
            return json.dumps(answer)
        form = self.request.form
        submissions = iter_submissions(
            api.content.get_uuid(self.context),
            state=form.get("state") or None,
            created_from=self.day("from"),
            created_to=self.day("to"),
        )
        kind = form.get("format", "csv")
        content_type, extension = FORMATS[kind]
        response = self.request.response
        response.setHeader("Content-Type", content_type)
        response.setHeader(
            "Content-Disposition",
            f'attachment; filename="{self.context.getId()}.{extension}"',
        )
        count = (
            self.stream_csv(submissions)
            if kind == "csv"
            else self.stream_jsonl(submissions)
        )
        audit_access("export", [], {"format": kind, "count": count, **dict(form)})
        return ""

    def refusal(self) -> dict | None:
        if api.user.is_anonymous() or not may_read_submissions_of(self.context):
            return access_denied(self.request)
        form = self.request.form
        if set(form) - {"format", "state", "from", "to"}:
            return error(self.request, 400, "Use format, state, from and to only.")
        if form.get("format", "csv") not in FORMATS:
            return error(self.request, 400, "format is csv or jsonl.")
        if form.get("state") and form["state"] not in STATES:
            return error(self.request, 400, f"Unknown state {form['state']!r}.")
        try:
            self.day("from"), self.day("to")
        except (ValueError, TypeError) as exc:
            return error(self.request, 400, f"Invalid day: {exc}")
        return None

    def day(self, name: str) -> date | None:
        value = self.request.form.get(name)
        return date.fromisoformat(value) if value else None

    def batches(self, submissions):
        while batch := list(islice(submissions, BATCH)):
            yield batch
            # What was written need not stay in memory.
            self.context._p_jar.cacheGC()

    def stream_csv(self, submissions) -> int:
        fields = getFieldNames(self.context.get_form_schema())
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(FIXED_COLUMNS + tuple(fields))
        count = 0
        for batch in self.batches(submissions):
            for submission in batch:
                ack = submission.acknowledgement or {}
                writer.writerow(
                    [
                        submission.id,
                        submission.reference,
                        submission.created.isoformat(),
                        submission.state,
                        submission.submitter or "",
                        ack.get("actor") or "",
                        ack.get("external_reference") or "",
                        submission.schema_version,
                    ]
                    + [_cell(submission.data.get(name)) for name in fields]
                )
            count += len(batch)
            self.flush(buffer)
        self.flush(buffer)
        return count

    def stream_jsonl(self, submissions) -> int:
        procedures = procedure_summaries([api.content.get_uuid(self.context)])
        buffer = io.StringIO()
        count = 0
        for batch in self.batches(submissions):
            for submission in batch:
                line = serialize_submission(submission, procedures, full=False)
                buffer.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += len(batch)
            self.flush(buffer)
        return count

    def flush(self, buffer: io.StringIO) -> None:
        self.request.response.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
