"""GET {site}/@guichet-audit: the audit trail, for Site Administrators.

JSON pages (``after``, ``limit``), or every record selected as CSV
(``format=csv``), streamed in batches so that memory stays flat. Filters
(``actor``, ``action``, ``reference``, ``from``, ``to``) and the order
(``sort_order``) are those of the Site Administrators' page, parsed by the
same :class:`~imio.guichet.usecases.audit.AuditQuery`. No
``items_total``: the reads are in the journal's files, which would have to
be counted line by line for every page (see imio.guichet.audit.api.page).
"""

from imio.guichet.channels.streaming import spooled
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.services.base import GuichetService
from imio.guichet.usecases import audit
from imio.guichet.usecases.audit import AUDIT_PARAMETERS
from imio.guichet.usecases.audit import AuditQuery
from urllib.parse import urlencode


class AuditGet(GuichetService):
    #: The CSV file, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def reply(self):
        form = dict(self.request.form)
        kind = form.pop("format", None)
        if kind == "csv":
            return self.reply_csv(form)
        if kind is not None:
            raise InvalidQuery(
                "format is csv (or none, for JSON).",
                fields=[FieldError("format", "unknown_format", "format is csv.")],
            )
        query = AuditQuery.parse(form)
        records, cursor = audit.audit_page(self.caller, query)
        url = f"{self.context.absolute_url()}/@guichet-audit"
        parameters = {**query.parameters(), "limit": str(query.limit)}
        return {
            "@id": url,
            "items": records,
            "next": (
                f"{url}?{urlencode({**parameters, 'after': cursor})}"
                if cursor
                else None
            ),
        }

    def reply_csv(self, form):
        # A whole selection: no page of it.
        known = [name for name in AUDIT_PARAMETERS if name not in ("after", "limit")]
        query = AuditQuery.parse(form, known)
        self.body = spooled(lambda write: audit.export_audit(self.caller, write, query))
        response = self.request.response
        response.setHeader("Content-Type", "text/csv; charset=utf-8")
        response.setHeader(
            "Content-Disposition", 'attachment; filename="guichet-audit.csv"'
        )
        return self.reply_no_content(200)
