"""Tracking links: a secret per submission, recomputable, never guessable."""

from fixtures.stored import make_submission
from fixtures.stored import START
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.submissions.tracking import check_tracking_secret
from imio.guichet.submissions.tracking import rotate_tracking_key
from imio.guichet.submissions.tracking import tracking_secret
from imio.guichet.submissions.tracking import tracking_url
from urllib.parse import parse_qs
from urllib.parse import urlparse


def test_secret_is_stable_and_checked():
    store = SubmissionStore()
    submission = make_submission(START)
    secret = tracking_secret(store, submission)
    assert tracking_secret(store, submission) == secret
    assert len(secret) == 22
    assert check_tracking_secret(store, submission, secret)


def test_wrong_or_missing_secret_is_refused():
    store = SubmissionStore()
    first, second = make_submission(START), make_submission(START)
    secret = tracking_secret(store, first)
    assert not check_tracking_secret(store, second, secret)
    other = "A" if secret[5] != "A" else "B"
    assert not check_tracking_secret(store, first, secret[:5] + other + secret[6:])
    assert not check_tracking_secret(store, first, "")
    assert not check_tracking_secret(store, first, None)


def test_secret_depends_on_the_site_key():
    submission = make_submission(START)
    assert tracking_secret(SubmissionStore(), submission) != tracking_secret(
        SubmissionStore(), submission
    )


def test_no_secret_opens_anything_before_a_key_exists():
    assert not check_tracking_secret(
        SubmissionStore(), make_submission(START), "A" * 22
    )


def test_url_carries_reference_and_secret(portal):
    store = SubmissionStore()
    submission = make_submission(START)
    url = urlparse(tracking_url(store, submission))
    assert url.path == "/plone/@@track-request"
    assert parse_qs(url.query) == {
        "reference": [submission.reference],
        "secret": [tracking_secret(store, submission)],
    }


def test_links_sent_survive_a_rotation_until_their_key_leaves_the_ring():
    store = SubmissionStore()
    submission = make_submission(START)
    sent = tracking_secret(store, submission)
    rotate_tracking_key(store)
    renewed = tracking_secret(store, submission)
    assert renewed != sent  # new links are signed with the new key
    assert check_tracking_secret(store, submission, sent)
    assert check_tracking_secret(store, submission, renewed)
    # plone.keyring keeps as many keys as the ring has places: once the key
    # that signed a link is rotated out, the link no longer opens anything.
    for _rotation in range(len(store.tracking_keys) - 1):
        rotate_tracking_key(store)
    assert not check_tracking_secret(store, submission, sent)
    assert check_tracking_secret(store, submission, tracking_secret(store, submission))


def test_malformed_secrets_are_wrong_secrets():
    store = SubmissionStore()
    submission = make_submission(START)
    for malformed in ("été", "é" * 22, "\udce9", ["a", "b"], b"x"):
        assert not check_tracking_secret(store, submission, malformed)
