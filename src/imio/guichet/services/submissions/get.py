"""GET @submissions (site or procedure), GET {site}/@submissions/{id} and
GET {site}/@submissions/{id}/@attachments/{name}.

Back-office endpoints: only users with "imio.guichet: Read submissions"
on a procedure (or on the site, for all of them) get anything.
"""

from imio.guichet.services.errors import access_denied
from imio.guichet.services.errors import error
from imio.guichet.services.submissions.base import SubmissionService
from imio.guichet.services.submissions.serialization import procedure_summaries
from imio.guichet.services.submissions.serialization import serialize_submission
from imio.guichet.submissions.access import may_read_submission
from imio.guichet.submissions.access import may_read_submissions_of
from imio.guichet.submissions.access import readable_procedure_uids
from imio.guichet.submissions.api import audit_access
from imio.guichet.submissions.api import DEFAULT_PAGE_SIZE
from imio.guichet.submissions.api import feed_submissions
from imio.guichet.submissions.api import InvalidQuery
from imio.guichet.submissions.api import list_submissions
from imio.guichet.submissions.attachments import content_disposition
from imio.guichet.submissions.attachments import find_attachment
from imio.guichet.submissions.attachments import stream
from imio.guichet.submissions.handling import etag
from plone import api
from plone.base.interfaces import IPloneSiteRoot
from plone.protect.interfaces import IDisableCSRFProtection
from urllib.parse import urlencode
from zope.interface import alsoProvides


LISTING_PARAMETERS = {"procedure", "state", "cursor", "limit", "acknowledged", "since"}
FEED_PARAMETERS = {"procedure", "since", "limit"}


class SubmissionsGet(SubmissionService):
    max_path = 3  # {id}/@attachments/{name}

    #: The file a download answers with, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def reply(self):
        # Reading writes the audit trail: not a forgeable state change.
        alsoProvides(self.request, IDisableCSRFProtection)
        if api.user.is_anonymous():
            return access_denied(self.request)
        if len(self.path) == 3 and self.path[1] == "@attachments":
            return self.reply_attachment(self.path[2])
        if len(self.path) > 1:
            return error(self.request, 404, "No such resource.")
        if self.path:
            return self.reply_item()
        return self.reply_listing()

    def reply_attachment(self, name: str):
        """Stream a file of the submission, to whoever may read it."""
        submission = self.find_submission()
        if isinstance(submission, dict):
            return submission
        if not may_read_submission(submission):
            return access_denied(self.request)
        attachment = find_attachment(submission, name)
        if attachment is None:
            return error(self.request, 404, "No such attachment.")
        audit_access("download", [submission], {"attachment": name})
        response = self.request.response
        response.setHeader("Content-Type", attachment.content_type)
        response.setHeader("Content-Length", str(attachment.size))
        response.setHeader(
            "Content-Disposition", content_disposition(attachment.filename)
        )
        response.setHeader("X-Content-Type-Options", "nosniff")
        response.setHeader("Cache-Control", "private, no-store")
        self.body = stream(attachment)
        return self.reply_no_content(200)

    def reply_item(self):
        submission = self.find_submission()
        if isinstance(submission, dict):  # an error answer
            return submission
        if not may_read_submission(submission):
            return access_denied(self.request)
        audit_access("read", [submission])
        self.request.response.setHeader("ETag", etag(submission))
        procedures = procedure_summaries([submission.procedure_uid])
        return serialize_submission(submission, procedures)

    def reply_listing(self):
        form = self.request.form
        unknown = sorted(set(form) - LISTING_PARAMETERS)
        if unknown:
            return error(self.request, 400, f"Unknown parameters: {', '.join(unknown)}")
        if not all(isinstance(value, str) for value in form.values()):
            return error(self.request, 400, "Each parameter may be given once.")
        uids = self.procedure_filter(form.get("procedure"))
        if isinstance(uids, dict):  # an error answer
            return uids
        if form.get("acknowledged") not in (None, "false"):
            return error(self.request, 400, "Only acknowledged=false is supported.")
        if "since" in form:
            if set(form) - FEED_PARAMETERS:
                return error(self.request, 400, "since combines with limit only.")
            try:
                page = feed_submissions(
                    procedure_uids=uids,
                    since=form["since"],
                    limit=int(form.get("limit") or DEFAULT_PAGE_SIZE),
                )
            except (InvalidQuery, ValueError) as exc:
                return error(self.request, 400, f"Invalid feed parameters: {exc}")
            return self.page_answer(page, form, "since")
        try:
            page = list_submissions(
                procedure_uids=uids,
                state=form.get("state") or None,
                cursor=form.get("cursor") or None,
                limit=int(form.get("limit") or DEFAULT_PAGE_SIZE),
                unacknowledged=form.get("acknowledged") == "false",
            )
        except (InvalidQuery, ValueError) as exc:
            return error(self.request, 400, f"Invalid listing parameters: {exc}")
        return self.page_answer(page, form, "cursor")

    def page_answer(self, page, form, cursor_parameter: str) -> dict:
        audit_access("list", page.items, {"query": dict(form)})
        procedures = procedure_summaries(s.procedure_uid for s in page.items)
        base_url = f"{self.context.absolute_url()}/@submissions"
        query = {k: v for k, v in form.items() if k != cursor_parameter}
        return {
            "@id": f"{base_url}?{urlencode(form)}" if form else base_url,
            "items_total": page.total,
            "items": [
                serialize_submission(s, procedures, full=False) for s in page.items
            ],
            "next": (
                f"{base_url}?{urlencode({**query, cursor_parameter: page.next_cursor})}"
                if page.next_cursor
                else None
            ),
            # Where to resume later, even from the last page.
            "cursor": page.resume_cursor,
        }

    def procedure_filter(self, requested_uid):
        """The procedures to list (None: all), or an error answer."""
        if not IPloneSiteRoot.providedBy(self.context):
            if requested_uid and requested_uid != api.content.get_uuid(self.context):
                return error(
                    self.request, 400, "Use the procedure parameter on the site."
                )
            if not may_read_submissions_of(self.context):
                return access_denied(self.request)
            return [api.content.get_uuid(self.context)]
        readable = readable_procedure_uids()
        if requested_uid:
            if readable is not None and requested_uid not in readable:
                return access_denied(self.request)
            return [requested_uid]
        if readable is not None and not readable:
            return access_denied(self.request)
        return readable
