"""POST {site}/@submissions-bulk: move several submissions to one state,
with one message, or assign them to one person or group, as the staff's
listing does with the requests chosen.

Body: ``{"state": "...", "message": "for the citizen", "note": "internal",
"submissions": [{"id": "...", "etag": "<ETag read>"}, ...]}`` (1 to 100),
or ``{"assignee": "<user or group id, or null>", "submissions": [...]}``.
Each submission is checked, changed and audited on its own by the same use
case as ``PATCH @submissions/{id}``
(:func:`imio.guichet.usecases.staff.change_states`,
:func:`~imio.guichet.usecases.staff.assign_many`): the answer (200)
says, for each one in the order given, whether it changed (``moved``, and
its new ETag) or why not, in the shape of the error ``PATCH`` would have
answered.
"""

from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidInput
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import refusal_body
from imio.guichet.services.submissions.base import json_object
from imio.guichet.submissions.api import get_submission
from imio.guichet.submissions.handling import etag
from imio.guichet.usecases import staff
from plone.protect.interfaces import IDisableCSRFProtection
from zope.interface import alsoProvides


def _chosen(body: dict) -> list[tuple[str, str | None]]:
    items = body.get("submissions")
    faulty = FieldError(
        "submissions",
        "invalid_submissions",
        '"submissions" must be a list of {"id", "etag"} objects.',
    )
    if not isinstance(items, list):
        raise InvalidInput(faulty.message, fields=[faulty])
    chosen = []
    for item in items:
        if (
            not isinstance(item, dict)
            or set(item) - {"id", "etag"}
            or not isinstance(item.get("id"), str)
            or not isinstance(item.get("etag", ""), str)
        ):
            raise InvalidInput(faulty.message, fields=[faulty])
        chosen.append((item["id"], item.get("etag") or None))
    return chosen


class SubmissionsBulk(GuichetService):
    def reply(self):
        # Authenticated by header or token, not by a cookie (see post.py).
        alsoProvides(self.request, IDisableCSRFProtection)
        body = json_object(
            self.request, {"state", "message", "note", "submissions", "assignee"}
        )
        for name in ("state", "message", "note"):
            if not isinstance(body.get(name, ""), str):
                raise InvalidInput(f'"{name}" must be text.')
        if "assignee" in body:
            if set(body) & {"state", "message", "note"}:
                raise InvalidInput('Send "state" or "assignee", not both.')
            outcomes = staff.assign_many(self.caller, _chosen(body), body["assignee"])
        else:
            outcomes = staff.change_states(
                self.caller,
                _chosen(body),
                body.get("state") or "",
                message=body.get("message") or "",
                note=body.get("note") or "",
            )
        items = []
        for outcome in outcomes:
            item = {"id": outcome.submission_id, "reference": outcome.reference}
            if outcome.moved:
                moved = get_submission(outcome.submission_id)
                item.update(moved=True, etag=etag(moved))
            else:
                item.update(
                    moved=False,
                    status=outcome.refused.status,
                    error=refusal_body(self.request, outcome.refused),
                )
            items.append(item)
        return {
            "items": items,
            "moved": sum(1 for outcome in outcomes if outcome.moved),
            "refused": sum(1 for outcome in outcomes if not outcome.moved),
        }
