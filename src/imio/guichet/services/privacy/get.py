"""GET {site}/@guichet-register: the register of processing activities
(GDPR art. 30), for Site Administrators.

JSON (``items``: one activity per procedure with an online form), or CSV
with ``format=csv`` or ``Accept: text/csv``; cells that a spreadsheet
would run as formulas are neutralised (spreadsheets.py).
"""

from imio.guichet.channels.streaming import spooled
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.services.base import GuichetService
from imio.guichet.usecases import privacy


class RegisterGet(GuichetService):
    #: The CSV file, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def wants_csv(self) -> bool:
        kind = self.request.form.get("format")
        if kind == "csv":
            return True
        if kind not in (None, "json"):
            raise InvalidQuery(
                "format is csv or json.",
                fields=[
                    FieldError("format", "unknown_format", "format is csv or json.")
                ],
            )
        accept = self.request.getHeader("Accept") or ""
        return kind is None and accept.split(",")[0].strip().startswith("text/csv")

    def reply(self):
        if self.wants_csv():
            caller = self.caller
            self.body = spooled(lambda write: privacy.export_register(caller, write))
            response = self.request.response
            response.setHeader("Content-Type", "text/csv; charset=utf-8")
            response.setHeader(
                "Content-Disposition",
                'attachment; filename="register-of-processing-activities.csv"',
            )
            return self.reply_no_content(200)
        items = privacy.processing_register(self.caller)
        return {
            "@id": f"{self.context.absolute_url()}/@guichet-register",
            "items": items,
            "items_total": len(items),
        }
