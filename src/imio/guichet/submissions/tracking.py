"""Secret tracking links for citizens who applied without an account.

The secret is an HMAC of the submission id under a random key kept with the
site's submissions, so it is never stored per submission and can be
recomputed for every e-mail (confirmation, state changes) without a database
write. Knowing a reference alone reveals nothing: the secret is needed too.
"""

from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.urls import public_site_url
from urllib.parse import urlencode

import base64
import hashlib
import hmac
import secrets


#: The view (on the site root) that shows a submission to whoever holds its
#: tracking link.
TRACKING_VIEW = "@@track-request"


def _tracking_key(store: SubmissionStore) -> bytes:
    if store.tracking_key is None:
        # Made once per site, by the first submission's transaction.
        store.tracking_key = secrets.token_bytes(32)
    return store.tracking_key


def tracking_secret(store: SubmissionStore, submission: Submission) -> str:
    """The secret of ``submission``'s tracking link (URL-safe, 22 chars)."""
    digest = hmac.new(
        _tracking_key(store), submission.id.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def check_tracking_secret(
    store: SubmissionStore, submission: Submission, secret: str | None
) -> bool:
    """Whether ``secret`` opens ``submission`` (constant-time comparison)."""
    if not secret or store.tracking_key is None:
        return False
    return hmac.compare_digest(tracking_secret(store, submission), secret)


def tracking_url(store: SubmissionStore, submission: Submission) -> str:
    """The citizen's link to follow ``submission`` without logging in."""
    query = urlencode(
        {
            "reference": submission.reference,
            "secret": tracking_secret(store, submission),
        }
    )
    # Sent away (e-mails, the receipt): the site's public URL.
    return f"{public_site_url()}/{TRACKING_VIEW}?{query}"
