"""POST {site}/@submissions/{id}/@ack: a back office took the submission.

Body (optional): ``{"external_reference": "its id in the back office"}``.
Idempotent: a retry answers the first acknowledgement, unchanged.
"""

from imio.guichet.errors import NotFound
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.submissions.base import SubmissionService
from imio.guichet.submissions.handling import etag
from imio.guichet.urls import submission_url
from imio.guichet.usecases import staff
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class SubmissionAcknowledge(SubmissionService):
    paths = ((ANY, "@ack"),)

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        if len(self.path) != 2 or self.path[1] != "@ack":
            raise NotFound("No such action.")
        body = json_object(self.request, {"external_reference"})
        submission, acknowledgement = staff.acknowledge(
            self.caller,
            self.submission_id,
            external_reference=body.get("external_reference") or "",
        )
        self.request.response.setHeader("ETag", etag(submission))
        return {"@id": submission_url(submission), "acknowledgement": acknowledgement}
