"""The PDF receipt (``@@receipt`` on the site root), and the links to it.

The receipt is for whoever holds the request's tracking secret, for the
logged-in citizen who filed it, and for staff who may read it (an access
written to the audit trail). Anyone else gets a plain 404, the same for an
unknown reference and a wrong secret.
"""

from imio.guichet.browser.display import single
from imio.guichet.notifications.messages import citizen_link
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.access import may_read_submission
from imio.guichet.submissions.api import audit_access
from imio.guichet.submissions.api import current_submitter
from imio.guichet.submissions.api import find_by_reference
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.attachments import content_disposition
from imio.guichet.submissions.receipt import receipt_pdf
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.tracking import check_tracking_secret
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zExceptions import NotFound
from zope.interface import alsoProvides


RECEIPT_VIEW = "@@receipt"


def is_submitter(submission: Submission) -> bool:
    """Whether the logged-in user filed ``submission``."""
    return submission.submitter is not None and (
        submission.submitter == current_submitter()
    )


def receipt_url(submission: Submission, secret: str | None = None) -> str:
    """Where to download the receipt (with the tracking secret, if any)."""
    query = {"reference": submission.reference}
    if secret:
        query["secret"] = secret
    return f"{api.portal.get().absolute_url()}/{RECEIPT_VIEW}?{urlencode(query)}"


def receipt_filename(submission: Submission) -> str:
    return f"accuse-de-reception-{submission.reference}.pdf"


class ReceiptView(BrowserView):
    """``?reference=&secret=``: the PDF receipt, as a download."""

    def __call__(self):
        form = self.request.form
        submission = find_by_reference(single(form, "reference"))
        if submission is None:
            raise NotFound()
        store = get_store()
        citizen = is_submitter(submission) or check_tracking_secret(
            store, submission, single(form, "secret")
        )
        if not citizen:
            if not may_read_submission(submission):
                raise NotFound()  # no hint whether it exists
            # Staff reading a request: accountable, like its page.
            alsoProvides(self.request, IDisableCSRFProtection)
            audit_access("read", [submission], {"ui": True, "receipt": True})
        procedure = find_procedure(submission.procedure_uid)
        pdf = receipt_pdf(
            submission,
            procedure,
            site_title=api.portal.get().Title(),
            # The citizen's way back; not handed to staff (it would let
            # them act as the citizen).
            tracking_url=citizen_link(store, submission) if citizen else None,
        )
        response = self.request.response
        response.setHeader("Content-Type", "application/pdf")
        response.setHeader(
            "Content-Disposition", content_disposition(receipt_filename(submission))
        )
        response.setHeader("Content-Length", str(len(pdf)))
        response.setHeader("Cache-Control", "private, no-store")
        response.setHeader("X-Content-Type-Options", "nosniff")
        return pdf
