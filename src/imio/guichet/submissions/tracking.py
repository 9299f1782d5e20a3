"""Secret tracking links for citizens who applied without an account.

The secret is an HMAC of the submission id under the current key of the
store's tracking keyring (:class:`plone.keyring.keyring.Keyring`), so it is
never stored per submission and can be recomputed for every e-mail
(confirmation, state changes) without a database write. Knowing a reference
alone reveals nothing: the secret is needed too.

The key can be rotated (:func:`rotate_tracking_key`, after a leak for
instance): new links are signed with the new key, while the links already
sent keep working as long as their key is still in the ring (plone.keyring
keeps the previous keys: a link dies after the ring's size of rotations).
"""

from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.urls import public_site_url
from urllib.parse import urlencode

import base64
import hashlib
import hmac


#: The view (on the site root) that shows a submission to whoever holds its
#: tracking link.
TRACKING_VIEW = "@@track-request"


def _secret_under(key: str, submission: Submission) -> str:
    digest = hmac.new(key.encode(), submission.id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def tracking_secret(store: SubmissionStore, submission: Submission) -> str:
    """The secret of ``submission``'s tracking link (URL-safe, 22 chars),
    under the ring's current key."""
    return _secret_under(store.tracking_keys.current, submission)


def check_tracking_secret(
    store: SubmissionStore, submission: Submission, secret: str | None
) -> bool:
    """Whether ``secret`` opens ``submission`` under any key still in the
    ring (constant-time comparisons, every key tried)."""
    if not secret:
        return False
    matches = [
        hmac.compare_digest(_secret_under(key, submission), secret)
        for key in store.tracking_keys
        if key
    ]
    return any(matches)


def rotate_tracking_key(store: SubmissionStore) -> None:
    """Sign new links with a new key; the oldest key leaves the ring, and
    the links it signed stop working."""
    store.tracking_keys.rotate()


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
