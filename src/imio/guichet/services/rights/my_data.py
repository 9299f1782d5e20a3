"""GET {site}/@my-data: everything held about the logged-in citizen's
requests and drafts (GDPR art. 15), as JSON; ``?format=pdf`` for the PDF.
Exactly theirs: see imio.guichet.rights.own."""

from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidQuery
from imio.guichet.services.base import GuichetService
from imio.guichet.usecases import rights


class MyDataGet(GuichetService):
    #: The PDF, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def reply(self):
        kind = self.request.form.get("format")
        if kind not in (None, "json", "pdf"):
            said = "format is json or pdf."
            raise InvalidQuery(
                said, fields=[FieldError("format", "unknown_format", said)]
            )
        if kind == "pdf":
            self.body = rights.my_data_pdf(self.caller)
            response = self.request.response
            response.setHeader("Content-Type", "application/pdf")
            response.setHeader(
                "Content-Disposition", 'attachment; filename="mes-donnees.pdf"'
            )
            return self.reply_no_content(200)
        site_url = self.context.absolute_url()
        data = rights.my_data(self.caller, site_url=site_url)
        return {"@id": f"{site_url}/@my-data", **data}
