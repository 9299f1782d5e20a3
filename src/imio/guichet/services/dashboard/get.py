"""GET @guichet-dashboard (site or procedure): the dashboard's figures, as
JSON, or as CSV with ``format=csv``.

For staff who may read the submissions of the procedure (on the site: the
procedures they may read, all of them with the permission on the site),
checked by :func:`imio.guichet.usecases.dashboard.read_dashboard`.
"""

from imio.guichet.content.translations import canonical_uid
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.services.base import GuichetService
from imio.guichet.usecases import dashboard
from plone.base.interfaces import IPloneSiteRoot
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class DashboardGet(GuichetService):
    #: The CSV file, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def reply(self):
        # A read (the audit record goes to the journal); see submissions/get.py.
        alsoProvides(self.request, IDisableCSRFProtection)
        within = None
        if not IPloneSiteRoot.providedBy(self.context):
            within = canonical_uid(self.context)
        kind = self.request.form.get("format")
        if kind == "csv":
            self.body = dashboard.dashboard_csv(self.caller, within=within).encode()
            response = self.request.response
            response.setHeader("Content-Type", "text/csv; charset=utf-8")
            response.setHeader(
                "Content-Disposition", 'attachment; filename="guichet-dashboard.csv"'
            )
            return self.reply_no_content(200)
        if kind is not None:
            raise InvalidQuery(
                "format is csv (or none, for JSON).",
                fields=[FieldError("format", "unknown_format", "format is csv.")],
            )
        read = dashboard.read_dashboard(self.caller, within=within)
        return {
            "@id": f"{self.context.absolute_url()}/@guichet-dashboard",
            "procedures": read.procedures,
            **read.figures.as_json(),
        }
