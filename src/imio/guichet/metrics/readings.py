"""What the database says when asked: whether it answers, and how far
behind the outboxes and the change feed are.

Every reading is cheap enough for a load balancer's health check every
few seconds: the outboxes' backlogs are a length and a first key
(:mod:`imio.guichet.backlog`, O(log n)), the feed's unsettled changes a
few slots of seconds.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet.backlog import Backlog
from imio.guichet.backlog import EMPTY
from imio.guichet.notifications.outbox import get_outbox
from imio.guichet.storage import site_store
from imio.guichet.submissions.feed import pending_changes
from imio.guichet.submissions.storage import STORE_KEY
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.webhooks.registry import get_registry
from ZODB.interfaces import IMVCCStorage
from ZODB.utils import load_current
from ZODB.utils import z64

import logging


logger = logging.getLogger(__name__)


def database_readable(db) -> bool:
    """Whether ``db``'s storage answers a read of its root record now.

    Asked of the storage, never of the objects a connection holds in
    memory, which would answer while the database is gone:

    - RelStorage (an ``IMVCCStorage``) answers from its caches too; a new
      instance of it polls the database, as every request's connection
      does when it starts (and is released at once);
    - a ZEO client that lost its server would answer from its cache: it
      says so itself (``is_connected``);
    - a FileStorage reads its file.
    """
    storage = db.storage
    try:
        if IMVCCStorage.providedBy(storage):
            instance = storage.new_instance()
            try:
                instance.poll_invalidations()
                instance.load(z64)
            finally:
                instance.release()
            return True
        is_connected = getattr(storage, "is_connected", None)
        if is_connected is not None and not is_connected():
            logger.warning("Health check: the storage is disconnected")
            return False
        load_current(storage, z64)
    except Exception as failure:
        # Whatever a storage raises when its file, server or database is
        # gone (ValueError, ClientDisconnected, a driver's OperationalError):
        # the answer is the same, "cannot read".
        logger.warning(
            "Health check: the storage cannot be read: %s: %s",
            type(failure).__name__,
            failure,
        )
        return False
    return True


def webhook_backlog(site) -> Backlog:
    registry = get_registry(site)
    return EMPTY if registry is None else registry.backlog()


def mail_backlog(site) -> Backlog:
    outbox = get_outbox(site)
    return EMPTY if outbox is None else outbox.backlog()


def failed_mails(site) -> int:
    outbox = get_outbox(site)
    return 0 if outbox is None else outbox.failed_count()


@dataclass(frozen=True)
class FeedLag:
    #: Changes not yet settled into the feed's ordered index.
    pending: int
    #: Seconds since the oldest slot holding any was opened (None: none).
    oldest_age: float | None


def feed_lag(site) -> FeedLag:
    store = site_store(STORE_KEY, SubmissionStore, site=site)
    if store is None:
        return FeedLag(0, None)
    return FeedLag(*pending_changes(store))


def now() -> datetime:
    return datetime.now(UTC)
