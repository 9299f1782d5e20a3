"""POST {procedure}/@submissions: file a submission as JSON."""

from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.model import is_file_field
from imio.guichet.forms.uploads import FORM_BODY_BYTES
from imio.guichet.forms.uploads import max_body_size
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.services.errors import error
from imio.guichet.services.submissions.base import read_json_object
from imio.guichet.services.submissions.serialization import submission_url
from imio.guichet.submissions.api import current_submitter
from imio.guichet.submissions.api import IdempotencyKeyReused
from imio.guichet.submissions.api import InvalidData
from imio.guichet.submissions.api import InvalidIdempotencyKey
from imio.guichet.submissions.api import LoginRequired
from imio.guichet.submissions.api import ProcedureClosed
from imio.guichet.submissions.api import submit_once
from imio.guichet.submissions.protection import check_anonymous_rate
from imio.guichet.submissions.protection import count_anonymous_submission
from imio.guichet.submissions.protection import TooManySubmissions
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.services import Service
from zope.i18n import translate
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


#: Why a submission may be refused, and the HTTP status that says it.
STATUS_OF_REFUSAL = {
    InvalidData: 400,
    InvalidIdempotencyKey: 400,
    LoginRequired: 401,
    ProcedureClosed: 403,
    IdempotencyKeyReused: 409,
    TooManySubmissions: 429,
    InvalidFormSchema: 503,
}
REFUSALS = tuple(STATUS_OF_REFUSAL)


def refusal(request, refused: Exception) -> dict:
    """The JSON error answer for a refused submission."""
    status = STATUS_OF_REFUSAL[type(refused)]
    if isinstance(refused, TooManySubmissions):
        request.response.setHeader("Retry-After", str(refused.retry_after))
    if isinstance(refused, InvalidData):
        errors = [
            {
                "field": e.field,
                "code": e.code,
                "message": translate(e.message, context=request),
            }
            for e in refused.errors
        ]
        return error(request, status, "The submission is not valid.", errors=errors)
    if isinstance(refused, InvalidFormSchema):
        return error(request, status, "This procedure's form is unavailable.")
    return error(request, status, getattr(refused, "message", str(refused)))


class SubmissionsPost(Service):
    def reply(self):
        # As every plone.restapi write: a JSON body cannot be sent across
        # sites by a plain HTML form, and the session cookie is SameSite.
        alsoProvides(self.request, IDisableCSRFProtection)
        submitter = current_submitter()
        client = self.request.getClientAddr() or "unknown"
        try:
            if submitter is None:  # before the body is even parsed
                check_anonymous_rate(client)
            data = self.data()
            submission, replayed = submit_once(
                self.context,
                data,
                idempotency_key=self.request.getHeader("Idempotency-Key"),
                submitter=submitter,
                language=api.portal.get_current_language(),
            )
        except BadBody as bad:
            return bad.answer
        except REFUSALS as refused:
            return refusal(self.request, refused)
        if submitter is None and not replayed:
            count_anonymous_submission(client)
        return self.filed(submission, replayed)

    def data(self) -> dict:
        """The ``data`` object of the JSON body; :class:`BadBody` if none."""
        declared = self.request.get_header("Content-Length") or "0"
        limit = max_body_bytes(self.context)
        too_large = not declared.isdigit() or int(declared) > limit
        if too_large or len(self.request.get("BODY") or b"") > limit:
            raise BadBody(error(self.request, 413, "The request body is too large."))
        body = read_json_object(self.request, {"data"})
        if "error" in body:
            raise BadBody(body)
        if not isinstance(body.get("data"), dict):
            message = 'The body must be {"data": {...}}, the form\'s fields in "data".'
            raise BadBody(error(self.request, 400, message))
        return body["data"]

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


class BadBody(ValueError):
    """The request's body is not a submission: ``answer`` says why (its
    status is set on the response)."""

    def __init__(self, answer: dict):
        super().__init__(answer["error"]["message"])
        self.answer = answer
