"""The background thread that empties a site's outbox.

One thread per database and site, started by the first commit that adds a
delivery and, after a restart, when the database opens (so that what was
pending survives a restart). It works outside any request, with its own
connection and transaction manager, and wakes up when a transaction adds a
delivery or when the next retry is due.
"""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.webhooks import delivery
from imio.guichet.webhooks.registry import get_registry

import logging
import threading
import transaction


logger = logging.getLogger(__name__)

#: Longest sleep between two looks at the outbox (a retry due earlier
#: wakes it sooner; so does a new delivery in this process).
IDLE_WAKE = timedelta(seconds=60)
MIN_SLEEP = timedelta(seconds=1)

_workers: dict[tuple[int, tuple[str, ...]], "DeliveryWorker"] = {}
_lock = threading.Lock()


def _closed(db) -> bool:
    return not hasattr(db, "storage")  # ZODB.DB.close() deletes it


class DeliveryWorker(threading.Thread):
    def __init__(self, db, site_path: tuple[str, ...]):
        super().__init__(name=f"guichet-webhooks:{'/'.join(site_path)}", daemon=True)
        self.db = db
        self.site_path = site_path
        self.wakeup = threading.Event()

    def run(self) -> None:
        while not _closed(self.db):
            try:
                sleep = self.run_once()
            except Exception:
                if _closed(self.db):
                    break
                logger.exception("Webhook delivery failed; trying again later")
                sleep = IDLE_WAKE
            self.wakeup.wait(sleep.total_seconds())
            self.wakeup.clear()
        with _lock:
            if _workers.get(_key(self.db, self.site_path)) is self:
                del _workers[_key(self.db, self.site_path)]

    def run_once(self) -> timedelta:
        """Send what is due; return how long to sleep."""
        manager = transaction.TransactionManager()
        connection = self.db.open(transaction_manager=manager)
        try:
            manager.begin()
            site = connection.root()["Application"].unrestrictedTraverse(self.site_path)
            registry = get_registry(site)
            if registry is None:
                return IDLE_WAKE
            delivery.deliver_due(registry, manager.commit, manager.abort)
            manager.begin()  # see what others committed meanwhile
            upcoming = delivery.next_due(registry)
        finally:
            manager.abort()
            connection.close()
        if upcoming is None:
            return IDLE_WAKE
        # At least a second: never spin on a delivery someone else holds.
        return max(min(upcoming - datetime.now(UTC), IDLE_WAKE), MIN_SLEEP)


def _key(db, site_path):
    return (id(db), tuple(site_path))


def wake(db, site_path: tuple[str, ...]) -> None:
    """Start the site's worker if needed, and have it look now."""
    with _lock:
        worker = _workers.get(_key(db, site_path))
        if worker is None or not worker.is_alive():
            worker = _workers[_key(db, site_path)] = DeliveryWorker(db, site_path)
            worker.start()
    worker.wakeup.set()


def resume_pending(event) -> None:
    """On start-up, restart delivery for sites whose outbox is not empty."""
    db = event.database
    connection = db.open()
    try:
        app = connection.root().get("Application")
        if app is None:
            return
        for site in app.objectValues("Plone Site"):
            registry = get_registry(site)
            if registry is not None and next(iter(registry.outbox), None):
                wake(db, site.getPhysicalPath())
    finally:
        transaction.abort()
        connection.close()
