"""1004: the submission store keyed by integers (issue #11).

Stores made before keep every index under ``"<µs>:<id>"`` strings, the
idempotency records as dicts, and the feed's entries as strings: 31 to 49
KiB written per filing. This step builds the new store from the same
submission objects, which it does not change: their commit serials stay, so
that back offices' feed cursors (``<tid>:<id>``) still point where they did
and nothing is delivered twice. Their ids do not start with their keys:
``_other_ids`` maps them. Idempotency records still within their window are
kept as they were, for the retries of requests made before the upgrade.
"""

from BTrees.OOBTree import OOBTree
from datetime import datetime
from datetime import UTC
from imio.guichet.storage import IntToObject
from imio.guichet.storage import text_hash
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import IDEMPOTENCY_WINDOW
from imio.guichet.submissions.feed import ChangeLog
from imio.guichet.submissions.feed import committed_change
from imio.guichet.submissions.storage import derived_key
from imio.guichet.submissions.storage import STORE_KEY
from imio.guichet.submissions.storage import SubmissionStore
from plone import api
from zope.annotation.interfaces import IAnnotations

import logging
import transaction


logger = logging.getLogger(__name__)

BATCH = 1000


def integer_keys(setup_tool=None) -> None:
    rebuild_store()


def has_integer_keys(store: SubmissionStore) -> bool:
    return isinstance(store._submissions._shards[0], IntToObject)


def rebuild_store(site=None) -> int:
    """Replace a store made before keys by one with integer keys (no-op
    for a store that has them); return how many submissions moved."""
    site = site if site is not None else api.portal.get()
    old = get_store()
    if old is None or has_integer_keys(old):
        return 0
    new = SubmissionStore()
    new.tracking_keys = old.tracking_keys
    moved = 0
    for shard in old._submissions._shards:
        for submission in shard.values():
            key = derived_key(submission.created, submission.id)
            while key in new._submissions:
                key += 1
            new._submissions[key] = submission
            new._other_ids[submission.id] = key
            new._references[text_hash(submission.reference)] = key
            new._index_new(submission, key)
            _log_settled(new, submission, key)
            moved += 1
            if moved % BATCH == 0:
                transaction.savepoint(optimistic=True)
    new._earlier_requests = _recent_requests(old)
    IAnnotations(site)[STORE_KEY] = new
    logger.info("Moved %d submissions to the store with integer keys", moved)
    return moved


def _log_settled(store: SubmissionStore, submission, key: int) -> None:
    """Put the submission's last committed change in its feeds, settled."""
    change = committed_change(submission, key)
    if change is None:
        return
    for name in ("all", f"procedure:{submission.procedure_uid}"):
        feed = store._feeds.get(name)
        if feed is None:
            feed = store._feeds[name] = ChangeLog()
        feed.log_settled(change)


def _recent_requests(old) -> OOBTree | None:
    records = getattr(old, "_idempotency", None)
    if records is None:
        return None
    now = datetime.now(UTC)
    kept = OOBTree()
    for scope in records:
        record = records.get(scope)
        if now - record["date"] < IDEMPOTENCY_WINDOW:
            kept[scope] = dict(record)
    return kept or None
