"""POST {site}/@submissions/{id}/@reply, @message and @withdraw: what a
citizen does with a request filed, as the pages "Mes démarches" and the tracking link
let them do it (the same use cases, the same rules).

``{id}`` is the request's id, or its reference (as a tracking link gives
it). Allowed to the citizen who filed it logged in, or to whoever sends its
tracking secret in ``X-Tracking-Secret`` (never in the URL); anyone else,
staff included, gets 404, as for an unknown request. The ``If-Match``
header carries the ETag of the version the citizen read.
"""

from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.ack import SubmissionAcknowledge
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.submissions.base import message_and_files
from imio.guichet.submissions.handling import etag
from imio.guichet.urls import submission_url
from imio.guichet.usecases import citizen
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


#: The header that carries a request's tracking secret.
TRACKING_SECRET_HEADER = "X-Tracking-Secret"


class SubmissionActions(SubmissionAcknowledge):
    """``POST @submissions/{id}/@ack`` (back offices), ``@reply``,
    ``@message`` and ``@withdraw`` (the citizen)."""

    paths = ((ANY, "@ack"), (ANY, "@reply"), (ANY, "@message"), (ANY, "@withdraw"))

    def reply(self):
        action = self.path[1] if len(self.path) == 2 else None
        if action == "@reply":
            return self.citizen_reply()
        if action == "@message":
            return self.citizen_message()
        if action == "@withdraw":
            return self.citizen_withdraw()
        return super().reply()

    def secret(self) -> str | None:
        return self.request.getHeader(TRACKING_SECRET_HEADER)

    def citizen_message(self) -> dict:
        """A message to the service, at any time while the request is open."""
        return self.send_text(citizen.write)

    def citizen_reply(self) -> dict:
        """The answer to what the service asked (the request goes back to
        "in progress")."""
        return self.send_text(citizen.answer)

    def send_text(self, use_case) -> dict:
        """Call ``use_case`` (an answer or a message) with the body
        ``{"message": "...", "files": [file objects]}``."""
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        message, files = message_and_files(self.request)
        submission = use_case(
            self.caller,
            self.submission_id,
            message,
            secret=self.secret(),
            seen_etag=self.request.getHeader("If-Match"),
            files=files,
        )
        return self.changed(submission)

    def citizen_withdraw(self) -> dict:
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        json_object(self.request, set())  # no body, or an empty object
        submission = citizen.withdraw(
            self.caller,
            self.submission_id,
            secret=self.secret(),
            seen_etag=self.request.getHeader("If-Match"),
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
