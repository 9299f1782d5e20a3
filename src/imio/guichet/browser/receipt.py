"""The PDF receipt (``@@receipt`` on the site root), and the links to it.

The receipt is for whoever holds the request's tracking secret, for the
logged-in citizen who filed it, and for staff who may read it (an access
written to the audit trail). Anyone else gets a plain 404, the same for an
unknown reference and a wrong secret.
"""

from imio.guichet.browser.display import single
from imio.guichet.caller import HTML
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import NotFound as GuichetNotFound
from imio.guichet.notifications.messages import citizen_link
from imio.guichet.privacy.notice import concise_notice
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.attachments import content_disposition
from imio.guichet.submissions.receipt import issuer_of
from imio.guichet.submissions.receipt import receipt_filename
from imio.guichet.submissions.receipt import receipt_pdf
from imio.guichet.submissions.storage import Submission
from imio.guichet.urls import public_url_of
from imio.guichet.usecases.citizen import open_receipt
from plone import api
from Products.Five.browser import BrowserView
from urllib.parse import urlencode
from zExceptions import NotFound


RECEIPT_VIEW = "@@receipt"


def receipt_url(submission: Submission, secret: str | None = None) -> str:
    """Where to download the receipt (with the tracking secret, if any)."""
    query = {"reference": submission.reference}
    if secret:
        query["secret"] = secret
    return f"{api.portal.get().absolute_url()}/{RECEIPT_VIEW}?{urlencode(query)}"


class ReceiptView(BrowserView):
    """``?reference=&secret=``: the PDF receipt, as a download."""

    def __call__(self):
        form = self.request.form
        caller = caller_from_request(self.request, HTML)
        try:
            access = open_receipt(
                caller, single(form, "reference"), single(form, "secret")
            )
        except GuichetNotFound:
            raise NotFound() from None  # no hint whether it exists
        submission, procedure = access.submission, access.procedure
        citizen = access.by_citizen
        store = get_store()
        pdf = receipt_pdf(
            submission,
            procedure,
            issuer=issuer_of(procedure),
            # The citizen's way back; not handed to staff (it would let
            # them act as the citizen).
            tracking_url=citizen_link(store, submission) if citizen else None,
            privacy=(
                # In the receipt's language, the submission's.
                concise_notice(procedure, public_url_of(procedure), submission.language)
                if procedure is not None
                else None
            ),
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
