"""GET {procedure}/@submissions-export: a procedure's submissions as a file.

``format=csv`` (default; one column per field of the current form),
``jsonl`` (one submission per line, as the API shows it) or ``xlsx``;
filtered by ``state`` and by creation day (``from``, ``to``, YYYY-MM-DD,
both included). Streamed in batches: memory stays flat whatever the number
of submissions (see imio.guichet.submissions.export).
"""

from datetime import date
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.services.errors import access_denied
from imio.guichet.services.errors import error
from imio.guichet.services.streaming import spooled
from imio.guichet.services.submissions.serialization import procedure_summaries
from imio.guichet.services.submissions.serialization import serialize_submission
from imio.guichet.submissions.access import may_read_submissions_of
from imio.guichet.submissions.api import audit_access
from imio.guichet.submissions.api import iter_submissions
from imio.guichet.submissions.export import CONTENT_TYPES
from imio.guichet.submissions.export import write_csv
from imio.guichet.submissions.export import write_jsonl
from imio.guichet.submissions.export import write_xlsx
from imio.guichet.submissions.states import STATES
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.services import Service
from zope.interface import alsoProvides
from zope.schema import getFieldNames

import json


def write_export(kind: str, write, procedure, submissions) -> int:
    """Write ``submissions`` of ``procedure`` as ``kind`` (csv, jsonl or
    xlsx) to ``write``, batch by batch; return how many were written.

    Shared by this service and scripts/export_submissions.py.
    """

    def drop_cache(batch) -> None:
        # Written: turn them back into ghosts, so that the connection cache
        # does not fill up with 30,000 full submissions (its usual size).
        for submission in batch:
            submission._p_deactivate()
        if procedure._p_jar is not None:
            procedure._p_jar.cacheGC()

    if kind == "jsonl":
        procedures = procedure_summaries([api.content.get_uuid(procedure)])

        def serialize(submission):
            return serialize_submission(submission, procedures, full=False)

        return write_jsonl(write, submissions, serialize, drop_cache)
    writer = write_csv if kind == "csv" else write_xlsx
    fields = getFieldNames(IOnlineForm(procedure).get_form_schema())
    return writer(write, submissions, fields, drop_cache)


class SubmissionsExport(Service):
    def render(self):
        self.check_permission()
        alsoProvides(self.request, IDisableCSRFProtection)  # the audit record
        refused = self.refusal()
        if refused is not None:
            self.request.response.setHeader("Content-Type", "application/json")
            return json.dumps(refused)
        form = self.request.form
        kind = form.get("format", "csv")
        uid = api.content.get_uuid(self.context)
        submissions = iter_submissions(
            uid,
            state=form.get("state") or None,
            created_from=self.day("from"),
            created_to=self.day("to"),
        )
        response = self.request.response
        response.setHeader("Content-Type", CONTENT_TYPES[kind])
        response.setHeader(
            "Content-Disposition",
            f'attachment; filename="{self.context.getId()}.{kind}"',
        )
        counted = []
        body = spooled(
            lambda write: counted.append(
                write_export(kind, write, self.context, submissions)
            )
        )
        audit_access("export", [], {"count": counted[0], **dict(form)})
        return body

    def refusal(self) -> dict | None:
        if api.user.is_anonymous() or not may_read_submissions_of(self.context):
            return access_denied(self.request)
        form = self.request.form
        if set(form) - {"format", "state", "from", "to"}:
            return error(self.request, 400, "Use format, state, from and to only.")
        if form.get("format", "csv") not in CONTENT_TYPES:
            return error(self.request, 400, "format is csv, jsonl or xlsx.")
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
