"""PATCH {site}/@submissions/{id}: move a submission along its lifecycle.

Body: ``{"state": "...", "message": "for the citizen", "note": "internal"}``.
The ``If-Match`` header must carry the ETag of the version the caller
read, so that a change made meanwhile by someone else is never overwritten.
"""

from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.submissions.base import SubmissionService
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.representation import serialize_submission
from imio.guichet.urls import procedure_summaries
from imio.guichet.usecases import staff
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class SubmissionPatch(SubmissionService):
    paths = ((ANY,),)

    def reply(self):
        # Authenticated by header or token, not by a cookie a forged page
        # would send along (see post.py).
        alsoProvides(self.request, IDisableCSRFProtection)
        body = json_object(self.request, {"state", "message", "note"})
        submission = staff.change_state(
            self.caller,
            self.submission_id,
            body.get("state"),
            seen_etag=self.request.getHeader("If-Match"),
            message=body.get("message") or "",
            note=body.get("note") or "",
        )
        self.request.response.setHeader("ETag", etag(submission))
        procedures = procedure_summaries([submission.procedure_uid])
        return serialize_submission(submission, procedures)
