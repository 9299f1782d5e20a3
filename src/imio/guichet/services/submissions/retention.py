"""POST {site}/@submissions/{id}/@erase and @hold: staff anonymise or
delete one request now, or put it under a legal hold (or lift it), with a
reason (the rules are :mod:`imio.guichet.usecases.retention`'s).

- ``@erase``: ``{"action": "anonymise" | "delete", "reason": "...",
  "confirm": true}``;
  answers the anonymised request's summary, or, deleted, its tombstone.
- ``@hold``: ``{"hold": true | false, "reason": "..."}``.
"""

from imio.guichet.errors import InvalidInput
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import json_object
from imio.guichet.services.submissions.citizen import SubmissionActions
from imio.guichet.submissions.handling import etag
from imio.guichet.urls import submission_url
from imio.guichet.usecases import retention
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


class SubmissionRetentionActions(SubmissionActions):
    """The actions of :class:`SubmissionActions`, and ``@erase`` and
    ``@hold`` (staff)."""

    paths = (*SubmissionActions.paths, (ANY, "@erase"), (ANY, "@hold"))

    def reply(self):
        action = self.path[1] if len(self.path) == 2 else None
        if action == "@erase":
            return self.erase()
        if action == "@hold":
            return self.hold()
        return super().reply()

    def erase(self) -> dict:
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        body = json_object(self.request, {"action", "reason", "confirm"})
        how = body.get("action")
        submission = retention.erase(
            self.caller,
            self.submission_id,
            how,
            body.get("reason"),
            confirmed=body.get("confirm"),
        )
        deleted = how == "delete"
        if not deleted:
            self.request.response.setHeader("ETag", etag(submission))
        return {
            "@id": submission_url(submission),
            "id": submission.id,
            "reference": submission.reference,
            "anonymised": not deleted,
            "deleted": deleted,
        }

    def hold(self) -> dict:
        alsoProvides(self.request, IDisableCSRFProtection)  # see post.py
        body = json_object(self.request, {"hold", "reason"})
        hold = body.get("hold", True)
        if not isinstance(hold, bool):
            raise InvalidInput('"hold" must be true or false.')
        use_case = retention.place_hold if hold else retention.release_hold
        submission = use_case(self.caller, self.submission_id, body.get("reason"))
        self.request.response.setHeader("ETag", etag(submission))
        return {
            "@id": submission_url(submission),
            "id": submission.id,
            "reference": submission.reference,
            "legal_hold": submission.legal_hold,
        }
