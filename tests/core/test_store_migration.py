"""Upgrade step 1004: the submission store keyed by integers.

A store made before (string keys everywhere) is rebuilt from the same
submission objects, untouched: ids, references, every listing and filter,
"My requests", the acknowledgement and state indexes, the idempotency
records still within their window, and the change feed, whose cursors
given out before the upgrade still resume where they did.
"""

from base64 import urlsafe_b64encode
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.stored import make_submission
from imio.guichet.storage import EPOCH
from imio.guichet.storage import ShardedMap
from imio.guichet.submissions import api as submissions_api
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.storage import STORE_KEY
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.upgrades.v1004 import has_integer_keys
from imio.guichet.upgrades.v1004 import rebuild_store
from plone.keyring.keyring import Keyring
from zope.annotation.interfaces import IAnnotations

import pytest
import transaction


def old_store(submissions, requests) -> SubmissionStore:
    """A store as versions before 1004 left it (the parts the upgrade reads:
    submissions by id, idempotency records, tracking keys)."""
    store = SubmissionStore.__new__(SubmissionStore)
    store._submissions = ShardedMap()  # id -> Submission
    for submission in submissions:
        store._submissions[submission.id] = submission
    store._idempotency = ShardedMap()
    for scope, record in requests.items():
        store._idempotency[scope] = record
    store.tracking_keys = Keyring()
    store.tracking_keys.fill()
    return store


def cursor_of(micros_and_id: str) -> str:
    return urlsafe_b64encode(micros_and_id.encode()).decode().rstrip("=")


@pytest.fixture
def upgraded(functional_portal):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    subs = [
        make_submission(
            start + timedelta(minutes=n),
            procedure_uid=f"p{n % 2}",
            legacy=True,
            submitter="jeanne" if n % 3 == 0 else None,
        )
        for n in range(12)
    ]
    subs[4].state = "received"
    subs[5].acknowledgement = {"actor": "office"}
    now = datetime.now(UTC)
    requests = {
        "p0:fresh": {
            "id": subs[0].id,
            "fingerprint": "f",
            "submitter": None,
            "draft": None,
            "date": now,
        },
        "p0:stale": {
            "id": subs[2].id,
            "fingerprint": "f",
            "submitter": None,
            "draft": None,
            "date": now - timedelta(days=3),
        },
    }
    annotations = IAnnotations(functional_portal)
    annotations[STORE_KEY] = old_store(subs, requests)
    transaction.commit()
    serials = {s.id: s._p_serial for s in subs}
    tracking = annotations[STORE_KEY].tracking_keys
    assert rebuild_store(functional_portal) == 12
    transaction.commit()
    yield subs, serials, tracking
    annotations.pop(STORE_KEY, None)
    transaction.commit()


def test_every_submission_is_found_as_before(upgraded):
    subs, serials, tracking = upgraded
    store = get_store()
    assert has_integer_keys(store)
    assert store.tracking_keys is tracking  # links already sent still open
    for submission in subs:
        assert store.get(submission.id) is submission
        assert store.by_reference(submission.reference) is submission
        # Untouched: the feed's tids, so back offices' cursors, stay.
        assert submission._p_serial == serials[submission.id]
    assert rebuild_store() == 0  # once only


def test_listings_filters_and_order(upgraded):
    subs, _serials, _tracking = upgraded
    store = get_store()
    keys = list(store.iter_keys(None, None, None))
    assert [store.by_key(k) for k in keys] == subs
    assert [store.by_key(k) for k in store.iter_keys(["p1"], None, None)] == subs[1::2]
    assert [store.by_key(k) for k in store.iter_keys(None, "received", None)] == [
        subs[4]
    ]
    unacknowledged = store.iter_keys(None, None, None, unacknowledged=True)
    assert subs[5] not in [store.by_key(k) for k in unacknowledged]
    assert store.count() == 12 and store.count(unacknowledged=True) == 11
    mine = [store.by_key(k) for k in store.submitted_by("jeanne")]
    assert mine == subs[::3]
    newest = [
        store.by_key(k) for k in store.iter_keys(None, None, None, descending=True)
    ]
    assert newest == subs[::-1]


def test_a_cursor_given_before_resumes_where_it_did(upgraded):
    subs, _serials, _tracking = upgraded
    micros = (subs[6].created - EPOCH) // timedelta(microseconds=1)
    page = submissions_api.list_submissions(
        cursor=cursor_of(f"{micros:017d}:{subs[6].id}"), limit=100
    )
    assert page.items == subs[7:]


def test_the_feed_keeps_its_order_and_its_cursors(upgraded):
    subs, serials, _tracking = upgraded
    page = submissions_api.feed_submissions(limit=100)
    assert page.items == subs  # all filed by one commit, in key order
    tid = int.from_bytes(serials[subs[3].id], "big")
    before = submissions_api.feed_submissions(
        since=cursor_of(f"{tid:016x}:{subs[3].id}"), limit=100
    )
    assert before.items == subs[4:]


def test_idempotency_records_within_their_window_are_kept(upgraded):
    subs, _serials, _tracking = upgraded
    store = get_store()
    found, record = store.remembered_request("p0:fresh")
    assert found is subs[0] and record["fingerprint"] == "f"
    assert store.remembered_request("p0:stale") is None
