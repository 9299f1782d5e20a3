"""The citizens' rights on Classic UI pages: a citizen's download of their
own data (``@@my-data``, linked from "Mes démarches"), and the staff's
page that finds one person's requests (``@@guichet-person``), with its
exports. The use cases (``usecases/rights.py``) decide and audit; these
views parse, call and present."""

from imio.guichet import _
from imio.guichet.browser.display import single
from imio.guichet.browser.display import state_label
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.browser.errors import show_on_page
from imio.guichet.browser.requests import request_url
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.channels.streaming import spooled
from imio.guichet.errors import GuichetError
from imio.guichet.forms.display import format_datetime
from imio.guichet.rights.person import PersonQuery
from imio.guichet.urls import procedure_summaries
from imio.guichet.usecases import retention
from imio.guichet.usecases import rights
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView

import json


MY_DATA_VIEW = "@@my-data"
PERSON_VIEW = "@@guichet-person"
EXPORT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


class MyDataView(CallerOfRequest, BrowserView):
    """``?format=json`` (default) or ``pdf``: the citizen's own data, as a
    download."""

    def __call__(self):
        kind = single(self.request.form, "format") or "json"
        response = self.request.response
        try:
            if kind == "pdf":
                body = rights.my_data_pdf(self.caller)
                response.setHeader("Content-Type", "application/pdf")
            else:
                site_url = self.context.absolute_url()
                data = rights.my_data(self.caller, site_url=site_url)
                body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
                response.setHeader("Content-Type", "application/json; charset=utf-8")
                kind = "json"
        except GuichetError as refused:
            raise_for_page(refused)
            raise
        response.setHeader(
            "Content-Disposition", f'attachment; filename="mes-donnees.{kind}"'
        )
        response.setHeader("Content-Length", str(len(body)))
        return body


class PersonView(CallerOfRequest, BrowserView):
    """Find one person's requests by national register number or e-mail
    (POST: the value never goes into a URL), list them, export them."""

    found = None
    person = None

    def __call__(self):
        self.errors = {}
        self.error_codes = {}
        if self.request.method != "POST":
            return self.index()
        CheckAuthenticator(self.request)
        form = self.request.form
        kind = single(form, "export")
        try:
            query = PersonQuery.parse(form)
            if kind:
                return self.export(query, kind)
            self.found = rights.find_person(self.caller, query)
            self.person = query.audited()
        except GuichetError as refused:
            show_on_page(self, refused)
        return self.index()

    def export(self, query: PersonQuery, kind: str):
        site_url = self.context.absolute_url()
        body = spooled(
            lambda write: rights.export_person(
                self.caller, query, kind, write, site_url=site_url
            )
        )
        response = self.request.response
        response.setHeader("Content-Type", EXPORT_TYPES[kind])
        response.setHeader(
            "Content-Disposition", f'attachment; filename="personne.{kind}"'
        )
        return body

    # -- for the template ---------------------------------------------------

    def action_url(self) -> str:
        return f"{self.context.absolute_url()}/{PERSON_VIEW}"

    def typed(self, name: str) -> str:
        """What was typed, to search or export again."""
        return single(self.request.form, name)

    def rows(self) -> list[dict]:
        found = self.found or []
        summaries = procedure_summaries(s.procedure_uid for s in found)
        return [
            {
                "reference": submission.reference,
                "url": request_url(submission),
                "procedure": summaries.get(submission.procedure_uid, {}).get(
                    "title", ""
                ),
                "created": format_datetime(submission.created, self.caller.language),
                "state_label": state_label(submission.state),
                "submitter": submission.submitter or "",
                "id": submission.id,
            }
            for submission in found
        ]

    def erasure_actions(self) -> list[dict]:
        """For each request found that the caller may erase, the way to its
        page's erasure form (anonymise or delete, with a reason and a
        confirmation: one request at a time, each decision its own)."""
        return [
            {
                "name": "erase",
                "title": _(
                    "link_erase_request",
                    default="Anonymise or delete ${reference}",
                    mapping={"reference": submission.reference},
                ),
                "url": f"{request_url(submission)}#request-erase-form",
            }
            for submission in self.found or []
            if retention.may_erase(self.caller, submission)
        ]

    def searched_label(self):
        person = self.person or {}
        return " · ".join(
            value for value in (person.get("nrn"), person.get("email")) if value
        ) or _("label_person_nobody", default="nobody")
