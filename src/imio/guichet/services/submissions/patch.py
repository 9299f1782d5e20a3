"""PATCH {site}/@submissions/{id}: move a submission along its lifecycle,
or assign it.

Body: ``{"state": "...", "message": "for the citizen", "note": "internal"}``,
or ``{"assignee": "user or group id"}`` (``null``: to nobody); one change
at a time.
The ``If-Match`` header must carry the ETag of the version the caller
read, so that a change made meanwhile by someone else is never overwritten.
"""

from imio.guichet.errors import InvalidInput
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
        body = json_object(self.request, {"state", "message", "note", "assignee"})
        if "assignee" in body:
            if set(body) - {"assignee"}:
                raise InvalidInput("Send the assignee alone: one change at a time.")
            submission = staff.assign(
                self.caller,
                self.submission_id,
                body["assignee"],
                seen_etag=self.request.getHeader("If-Match"),
            )
            return self.changed(submission)
        submission = staff.change_state(
            self.caller,
            self.submission_id,
            body.get("state"),
            seen_etag=self.request.getHeader("If-Match"),
            message=body.get("message") or "",
            note=body.get("note") or "",
        )
        return self.changed(submission)

    def changed(self, submission) -> dict:
        self.request.response.setHeader("ETag", etag(submission))
        procedures = procedure_summaries([submission.procedure_uid])
        return serialize_submission(submission, procedures)
