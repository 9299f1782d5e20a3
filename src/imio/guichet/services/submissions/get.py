"""GET @submissions (site or procedure), GET {site}/@submissions/{id} and
GET {site}/@submissions/{id}/@attachments/{name}.

Back-office endpoints: only users with "imio.guichet: Read submissions"
on a procedure (or on the site, for all of them) get anything (the rules
are the use cases', :mod:`imio.guichet.usecases.staff`). A file is also
for the citizen of the request: the logged-in account that filed it, or
whoever sends its tracking secret in ``X-Tracking-Secret``
(:mod:`imio.guichet.usecases.citizen`).
"""

from imio.guichet.errors import NotFound
from imio.guichet.services.methods import ANY
from imio.guichet.services.submissions.base import SubmissionService
from imio.guichet.services.submissions.citizen import TRACKING_SECRET_HEADER
from imio.guichet.submissions.attachments import content_disposition
from imio.guichet.submissions.attachments import stream
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.query import ListingQuery
from imio.guichet.submissions.representation import serialize_change
from imio.guichet.submissions.representation import serialize_submission
from imio.guichet.urls import procedure_summaries
from imio.guichet.usecases import citizen
from imio.guichet.usecases import staff
from plone.protect.interfaces import IDisableCSRFProtection
from urllib.parse import urlencode
from zope.interface import alsoProvides


class SubmissionsGet(SubmissionService):
    paths = ((), (ANY,), (ANY, "@attachments", ANY))

    #: The file a download answers with, instead of JSON.
    body = None

    def render(self):
        answer = super().render()
        return answer if self.body is None else self.body

    def reply(self):
        # Reads write nothing of ours (the audit record goes to the journal)
        # but an API token's last use, at most hourly (tokens/plugin.py):
        # plone.protect would abort it.
        alsoProvides(self.request, IDisableCSRFProtection)
        if len(self.path) == 3 and self.path[1] == "@attachments":
            return self.reply_attachment(self.path[2])
        if len(self.path) > 1:
            raise NotFound("No such resource.")
        if self.path:
            return self.reply_item()
        return self.reply_listing()

    def reply_attachment(self, name: str):
        """Stream a file of the submission, to whoever may read it."""
        secret = self.request.getHeader(TRACKING_SECRET_HEADER)
        if secret is not None or citizen.is_own_request(
            self.caller, self.submission_id
        ):
            attachment = citizen.download_attachment(
                self.caller, self.submission_id, name, secret=secret
            )
        else:
            attachment = staff.download_attachment(
                self.caller, self.submission_id, name, within=self.within
            )
        response = self.request.response
        response.setHeader("Content-Type", attachment.content_type)
        response.setHeader("Content-Length", str(attachment.size))
        response.setHeader(
            "Content-Disposition", content_disposition(attachment.filename)
        )
        self.body = stream(attachment)
        return self.reply_no_content(200)

    def reply_item(self):
        submission = staff.read_submission(
            self.caller, self.submission_id, within=self.within
        )
        self.request.response.setHeader("ETag", etag(submission))
        procedures = procedure_summaries([submission.procedure_uid])
        return serialize_submission(submission, procedures)

    def reply_listing(self):
        form = self.request.form
        query = ListingQuery.parse(form)
        page = staff.list_submissions(
            self.caller, query, within=self.within, audited_query=dict(form)
        )
        cursor_parameter = "since" if query.is_feed else "cursor"
        procedures = procedure_summaries(s.procedure_uid for s in page.items)
        base_url = f"{self.context.absolute_url()}/@submissions"
        others = {k: v for k, v in form.items() if k != cursor_parameter}
        following = {**others, cursor_parameter: page.next_cursor}
        return {
            "@id": f"{base_url}?{urlencode(form)}" if form else base_url,
            "items_total": page.total,
            "items": [serialize_change(s, procedures, full=False) for s in page.items],
            "next": (
                f"{base_url}?{urlencode(following)}" if page.next_cursor else None
            ),
            # Where to resume later, even from the last page.
            "cursor": page.resume_cursor,
        }
