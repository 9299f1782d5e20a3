"""GET {procedure}/@submissions-export: a procedure's submissions as a file.

``format=csv`` (default; one column per field of the current form),
``jsonl`` (one submission per line, as the API shows it) or ``xlsx``;
filtered by ``state`` and by creation day (``from``, ``to``, YYYY-MM-DD,
both included, the same bounds as the listings). Streamed in batches:
memory stays flat whatever the number of submissions (see
imio.guichet.submissions.export).
"""

from imio.guichet.channels.streaming import spooled
from imio.guichet.services.base import GuichetService
from imio.guichet.submissions.export import CONTENT_TYPES
from imio.guichet.submissions.query import ExportQuery
from imio.guichet.usecases import staff
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class SubmissionsExport(GuichetService):
    #: The file, instead of JSON.
    body = None

    def reply(self):
        # Reads write nothing of ours (the audit record goes to the journal)
        # but an API token's last use, at most hourly (see submissions/get.py).
        alsoProvides(self.request, IDisableCSRFProtection)
        staff.check_export(self.caller, self.context)
        form = self.request.form
        query = ExportQuery.parse(form)
        body = spooled(
            lambda write: staff.export_submissions(
                self.caller, self.context, query, write
            )
        )
        response = self.request.response
        response.setHeader("Content-Type", CONTENT_TYPES[query.kind])
        response.setHeader(
            "Content-Disposition",
            f'attachment; filename="{self.context.getId()}.{query.kind}"',
        )
        self.body = body
        return self.reply_no_content(200)

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body
