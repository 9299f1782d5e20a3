"""POST {site}/@submissions/{id}/@reply and @withdraw: what a citizen does
with a request filed, as the pages "Mes démarches" and the tracking link
let them do it (the same use cases, the same rules).

``{id}`` is the request's id, or its reference (as a tracking link gives
it). Allowed to the citizen who filed it logged in, or to whoever sends its
tracking secret in ``X-Tracking-Secret`` (never in the URL); anyone else,
staff included, gets 404, as for an unknown request. The ``If-Match``
header carries the ETag of the version the citizen read.
"""

from imio.guichet.errors import InvalidInput
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.ack import SubmissionAcknowledge
from imio.guichet.services.submissions.base import json_object
from imio.guichet.submissions.handling import etag
from imio.guichet.urls import submission_url
from imio.guichet.usecases import citizen
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


#: The header that carries a request's tracking secret.
TRACKING_SECRET_HEADER = "X-Tracking-Secret"


class SubmissionActions(SubmissionAcknowledge):
    """``POST @submissions/{id}/@ack`` (back offices), ``@reply`` and
    ``@withdraw`` (the citizen)."""

    paths = ((ANY, "@ack"), (ANY, "@reply"), (ANY, "@withdraw"))

    def reply(self):
        action = self.path[1] if len(self.path) == 2 else None
        if action == "@reply":
            return self.citizen_reply()
        if action == "@withdraw":
            return self.citizen_withdraw()
        return super().reply()

    def request_of_citizen(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        return citizen.citizen_request(
            self.caller,
            self.submission_id,
            self.request.getHeader(TRACKING_SECRET_HEADER),
        )

    def citizen_reply(self) -> dict:
        """Body: ``{"message": "...", "files": [file objects]}``."""
        submission = self.request_of_citizen()
        body = json_object(self.request, {"message", "files"})
        message, files = body.get("message", ""), body.get("files", [])
        if not isinstance(message, str):
            raise InvalidInput('"message" must be text.')
        if not isinstance(files, list):
            raise InvalidInput('"files" must be a list of file objects.')
        citizen.answer(
            self.caller,
            submission,
            message,
            seen_etag=self.request.getHeader("If-Match"),
            files=files,
        )
        return self.changed(submission)

    def citizen_withdraw(self) -> dict:
        submission = self.request_of_citizen()
        json_object(self.request, set())  # no body, or an empty object
        citizen.withdraw(
            self.caller, submission, seen_etag=self.request.getHeader("If-Match")
        )
        return self.changed(submission)

    def changed(self, submission) -> dict:
        self.request.response.setHeader("ETag", etag(submission))
        return {
            "@id": submission_url(submission),
            "id": submission.id,
            "reference": submission.reference,
            "state": submission.state,
        }
