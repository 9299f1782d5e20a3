"""PATCH {site}/@submissions/{id}: move a submission along its lifecycle.

Body: ``{"state": "...", "message": "for the citizen", "note": "internal"}``.
The ``If-Match`` header must carry the ETag of the version the caller
read, so that a change made meanwhile by someone else is never overwritten.
"""

from imio.guichet.services.errors import access_denied
from imio.guichet.services.errors import error
from imio.guichet.services.submissions.base import read_json_object
from imio.guichet.services.submissions.base import SubmissionService
from imio.guichet.services.submissions.serialization import procedure_summaries
from imio.guichet.services.submissions.serialization import serialize_submission
from imio.guichet.submissions.access import may_manage_submission
from imio.guichet.submissions.api import audit_access
from imio.guichet.submissions.api import current_submitter
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import StaleVersion
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.lifecycle import MessageRequired
from imio.guichet.submissions.lifecycle import TransitionNotAllowed
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class SubmissionPatch(SubmissionService):
    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        if api.user.is_anonymous():
            return access_denied(self.request)
        submission = self.find_submission()
        if isinstance(submission, dict):
            return submission
        if not may_manage_submission(submission):
            return access_denied(self.request)
        seen = self.request.getHeader("If-Match")
        if not seen:
            return error(self.request, 428, "Send If-Match with the ETag you read.")
        body = read_json_object(self.request, {"state", "message", "note"})
        if "error" in body:
            return body
        if not isinstance(body.get("state"), str):
            return error(self.request, 400, 'The body needs a "state".')
        before = submission.state
        try:
            update_state(
                submission,
                body["state"],
                seen_etag=seen,
                user_id=current_submitter(),
                public_message=str(body.get("message") or ""),
                internal_note=str(body.get("note") or ""),
            )
        except StaleVersion as stale:
            return error(self.request, 412, f"The submission changed: {stale}.")
        except TransitionNotAllowed as refused:
            return error(self.request, 409, str(refused))
        except MessageRequired as refused:
            return error(self.request, 400, str(refused))
        audit_access(
            "change_state", [submission], {"from": before, "to": body["state"]}
        )
        self.request.response.setHeader("ETag", etag(submission))
        procedures = procedure_summaries([submission.procedure_uid])
        return serialize_submission(submission, procedures)
