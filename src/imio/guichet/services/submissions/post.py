"""POST {procedure}/@submissions: file a submission as JSON."""

from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import PayloadTooLarge
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.model import is_file_field
from imio.guichet.forms.uploads import FORM_BODY_BYTES
from imio.guichet.forms.uploads import max_body_size
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.services.base import GuichetService
from imio.guichet.services.drafts import DRAFT_SECRET_HEADER
from imio.guichet.services.submissions.base import json_object
from imio.guichet.submissions.query import whole_number
from imio.guichet.urls import submission_url
from imio.guichet.usecases.filing import Answers
from imio.guichet.usecases.filing import file_answers
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides
from zope.schema import getFieldsInOrder


def max_body_bytes(procedure) -> int:
    """The largest body a submission of ``procedure`` may need: the
    fields, and every file its form may take, in base64."""
    try:
        schema = IOnlineForm(procedure).get_form_schema()
    except InvalidFormSchema:
        return FORM_BODY_BYTES  # refused anyway, with a 503
    file_fields = [f for _n, f in getFieldsInOrder(schema) if is_file_field(f)]
    limits = upload_limits(procedure)
    files = min(len(file_fields), limits.max_files)
    return max_body_size(limits, files)


class SubmissionsPost(GuichetService):
    """Body: ``{"data": {...}}``, the form's fields; or ``{"draft_id": ...}``
    to file a draft (its owner, or with ``X-Draft-Secret``), with ``data``
    when the answers changed since it was saved (files are never kept in
    drafts)."""

    def reply(self):
        # As every plone.restapi write: a JSON body cannot be sent across
        # sites by a plain HTML form, and the session cookie is SameSite.
        # plone.protect checks authenticated writes only; marking the
        # request costs an anonymous filing 4 % of its CPU (a new interface
        # declaration for the request, bench/README.md).
        if not self.caller.is_anonymous:
            alsoProvides(self.request, IDisableCSRFProtection)
        filed = file_answers(
            self.caller,
            self.context,
            self.parse,  # read once the anonymous protection let us in
            idempotency_key=self.request.getHeader("Idempotency-Key"),
            draft_secret=self.request.getHeader(DRAFT_SECRET_HEADER),
        )
        return self.filed(filed.submission, filed.replayed)

    def parse(self) -> Answers:
        """The ``data`` and ``draft_id`` of the JSON body."""
        declared = self.request.get_header("Content-Length") or "0"
        limit = max_body_bytes(self.context)
        length = whole_number(declared)
        too_large = length is None or length > limit
        if too_large or len(self.request.get("BODY") or b"") > limit:
            raise PayloadTooLarge()
        body = json_object(self.request, {"data", "draft_id"})
        data, draft_id = body.get("data"), body.get("draft_id")
        if draft_id is not None and not isinstance(draft_id, str):
            raise InvalidInput('"draft_id" must be the id of a draft.')
        if not isinstance(data, dict) and not (draft_id and data is None):
            raise InvalidInput(
                'The body must be {"data": {...}}, the form\'s fields in "data".'
            )
        return Answers(data, draft_id)

    def filed(self, submission, replayed: bool) -> dict:
        url = submission_url(submission)
        if replayed:
            self.request.response.setHeader("Idempotent-Replayed", "true")
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", url)
        return {
            "@id": url,
            "id": submission.id,
            "reference": submission.reference,
            "state": submission.state,
            "created": submission.created.isoformat(),
        }
