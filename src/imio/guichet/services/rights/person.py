"""POST {site}/@guichet-person: the requests of one person, for staff with
*imio.guichet: Answer data subject requests* (among the procedures they
may read).

The body (JSON) names the person: ``{"nrn": "85.07.30-033.28"}`` (any
formatting) and/or ``{"email": "…"}`` (any letter case); a POST so that
the number or the address is never in a URL, hence in no access log.
Without ``format``: the requests found, as JSON (a lookup); with
``"format": "json"`` or ``"csv"``: the export file. Both audited with the
person masked.
"""

from imio.guichet.channels.streaming import spooled
from imio.guichet.errors import InvalidInput
from imio.guichet.rights.person import PersonQuery
from imio.guichet.services.base import GuichetService
from imio.guichet.services.base import read_json_body
from imio.guichet.submissions.representation import serialize_submission
from imio.guichet.urls import procedure_summaries
from imio.guichet.usecases import rights


CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


class PersonPost(GuichetService):
    #: The export file, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def reply(self):
        body = read_json_body(self.request)
        if not isinstance(body, dict) or set(body) - {"nrn", "email", "format"}:
            raise InvalidInput(
                'Send an object with "nrn" and/or "email" (and "format").'
            )
        query = PersonQuery.parse(body)
        site_url = self.context.absolute_url()
        kind = body.get("format")
        if kind is not None:
            return self.reply_export(query, kind, site_url)
        found = rights.find_person(self.caller, query)
        procedures = procedure_summaries(s.procedure_uid for s in found)
        return {
            "@id": f"{site_url}/@guichet-person",
            "person": query.audited(),
            "items_total": len(found),
            "items": [
                serialize_submission(s, procedures, site_url=site_url) for s in found
            ],
        }

    def reply_export(self, query, kind, site_url):
        self.body = spooled(
            lambda write: rights.export_person(
                self.caller, query, kind, write, site_url=site_url
            )
        )
        response = self.request.response
        response.setHeader("Content-Type", CONTENT_TYPES[kind])
        response.setHeader(
            "Content-Disposition", f'attachment; filename="personne.{kind}"'
        )
        return self.reply_no_content(200)
