"""PATCH {site}/@submissions/{id}: move a submission along its lifecycle,
or assign it, or write to its citizen.

Body: ``{"state": "...", "message": "for the citizen", "note": "internal",
"files": [file objects for the citizen]}``; without ``state``, a message
(required) and its files for the citizen, the state unchanged; or
``{"assignee": "user or group id"}`` (``null``: to nobody), alone.
The ``If-Match`` header must carry the ETag of the version the caller
read, so that a change made meanwhile by someone else is never overwritten.
"""

from imio.guichet.errors import InvalidInput
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.submissions.base import message_and_files
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
        body = json_object(
            self.request, {"state", "message", "note", "files", "assignee"}
        )
        seen_etag = self.request.getHeader("If-Match")
        if "assignee" in body:
            if set(body) - {"assignee"}:
                raise InvalidInput("Send the assignee alone: one change at a time.")
            submission = staff.assign(
                self.caller, self.submission_id, body["assignee"], seen_etag=seen_etag
            )
            return self.changed(submission)
        message, files = message_and_files(self.request, frozenset({"state", "note"}))
        if "state" in body:
            submission = staff.change_state(
                self.caller,
                self.submission_id,
                body.get("state"),
                seen_etag=seen_etag,
                message=message,
                note=body.get("note") or "",
                files=files,
            )
        elif "note" in body:
            raise InvalidInput('A "note" goes with a change of "state".')
        else:
            submission = staff.write(
                self.caller,
                self.submission_id,
                message,
                seen_etag=seen_etag,
                files=files,
            )
        return self.changed(submission)

    def changed(self, submission) -> dict:
        self.request.response.setHeader("ETag", etag(submission))
        procedures = procedure_summaries([submission.procedure_uid])
        return serialize_submission(submission, procedures)
