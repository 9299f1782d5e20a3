"""GET {site}/@guichet-audit: the audit trail, for Site Administrators.

JSON pages (``after``, ``limit``), or the whole trail as CSV
(``format=csv``), streamed in batches so that memory stays flat. No
``items_total``: the reads are in the journal's files, which would have to
be counted line by line for every page (see imio.guichet.audit.api.page).
"""

from imio.guichet.channels.streaming import spooled
from imio.guichet.errors import InvalidQuery
from imio.guichet.services.base import GuichetService
from imio.guichet.submissions.query import whole_number
from imio.guichet.usecases import audit
from urllib.parse import urlencode


DEFAULT_LIMIT = 100


class AuditGet(GuichetService):
    #: The CSV file, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def reply(self):
        form = self.request.form
        if form.get("format") == "csv":
            return self.reply_csv()
        limit = form.get("limit") or str(DEFAULT_LIMIT)
        if whole_number(limit) is None:
            raise InvalidQuery(f"limit must be a number, not {limit!r}")
        records, cursor = audit.audit_page(
            self.caller, form.get("after"), whole_number(limit)
        )
        url = f"{self.context.absolute_url()}/@guichet-audit"
        return {
            "@id": url,
            "items": records,
            "next": (
                f"{url}?{urlencode({'limit': limit, 'after': cursor})}"
                if cursor
                else None
            ),
        }

    def reply_csv(self):
        self.body = spooled(lambda write: audit.export_audit(self.caller, write))
        response = self.request.response
        response.setHeader("Content-Type", "text/csv; charset=utf-8")
        response.setHeader(
            "Content-Disposition", 'attachment; filename="guichet-audit.csv"'
        )
        return self.reply_no_content(200)
