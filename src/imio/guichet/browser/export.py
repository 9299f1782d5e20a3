"""``@@guichet-export``: the staff pages' export of submissions, the file
that ``GET {procedure}/@submissions-export`` gives to the API.

The same use case (:func:`imio.guichet.usecases.staff.export_submissions`:
the permission, the filters of ``ExportQuery``, the audit record), streamed
the same way. On a procedure it exports that procedure; on the site, the
procedure of the listing's ``procedure`` filter. The "Demandes" listing
links to it with its current filters.
"""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.display import single
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.browser.errors import set_answer_status
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.channels.streaming import spooled
from imio.guichet.errors import FieldError
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidQuery
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.export import CONTENT_TYPES
from imio.guichet.submissions.query import ExportQuery
from imio.guichet.usecases import staff
from plone.base.interfaces import IPloneSiteRoot
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile


EXPORT_VIEW = "@@guichet-export"

NO_PROCEDURE = _("error_export_procedure", default="Choose the procedure to export.")


class ExportView(CallerOfRequest, BrowserView):
    """A procedure's submissions as a file (``format``: csv, xlsx, jsonl),
    filtered by ``state``, ``from`` and ``to`` as the API's export."""

    refused = ViewPageTemplateFile("templates/export_refused.pt")
    errors: list[FieldError]

    @cached_property
    def on_site(self) -> bool:
        return IPloneSiteRoot.providedBy(self.context)

    def __call__(self):
        # On the site, "procedure" chooses what to export: not a filter.
        form = {
            name: value
            for name, value in self.request.form.items()
            if not (self.on_site and name == "procedure")
        }
        try:
            procedure = self.procedure()
            staff.check_export(self.caller, procedure)
            query = ExportQuery.parse(form)
            body = spooled(
                lambda write: staff.export_submissions(
                    self.caller, procedure, query, write
                )
            )
        except GuichetError as refused:
            raise_for_page(refused)
            set_answer_status(self.request, refused)
            self.errors = refused.fields or [
                FieldError("", refused.code, refused.message)
            ]
            self.message = refused.message
            return self.refused()
        response = self.request.response
        response.setHeader("Content-Type", CONTENT_TYPES[query.kind])
        response.setHeader(
            "Content-Disposition",
            f'attachment; filename="{procedure.getId()}.{query.kind}"',
        )
        return body

    def procedure(self):
        """The procedure exported: the context, or on the site the one of
        the ``procedure`` parameter."""
        if not self.on_site:
            return self.context
        uid = single(self.request.form, "procedure")
        procedure = find_procedure(uid) if uid else None
        if procedure is None:
            raise InvalidQuery(
                NO_PROCEDURE,
                fields=[FieldError("procedure", "procedure_required", NO_PROCEDURE)],
            )
        return procedure

    def listing_url(self) -> str:
        return f"{self.context.absolute_url()}/@@guichet-requests"
