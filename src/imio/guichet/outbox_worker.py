"""Background threads that empty a site's persistent outboxes.

Webhook deliveries and e-mails are both written to an outbox in the very
transaction that files or changes a submission (they exist if and only if
it commits) and sent afterwards, outside any request, by the thread this
module runs: one per outbox kind, database and site. A thread starts when
a transaction that queued something commits (an after-commit hook wakes
it) and, after a restart, when the database opens with something pending.
It works with its own connection and transaction manager, and sleeps until
the next retry is due or a new entry wakes it.

What is sent, how, and when it is retried is the kind's business (an
:class:`OutboxKind`); the thread only opens the site, calls it and sleeps.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.storage import TimeMap
from imio.guichet.storage import tombstones
from typing import TypeVar
from ZODB.POSException import ConflictError

import contextlib
import logging
import threading
import time
import transaction


logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Longest sleep between two looks at an outbox (a retry due earlier wakes
#: it sooner; so does a new entry in this process).
IDLE_WAKE = timedelta(seconds=60)
#: At least this between two passes: never spin on an entry someone else
#: holds.
MIN_SLEEP = timedelta(seconds=1)
#: Woken by new entries, a worker waits this long before its pass, so that
#: a burst of filings is sent in a few batches (each a lease commit and an
#: outcome commit, and the outbox's buckets rewritten once) rather than in
#: a pass per filing: at 80 filings a second, ~40 entries a pass.
GATHER = timedelta(milliseconds=500)


@dataclass(frozen=True)
class OutboxKind:
    """One sort of outbox: how to find it on a site and how to empty it."""

    #: Names the threads and the log messages.
    name: str
    #: ``site -> bool``: whether its outbox holds anything to send.
    has_pending: Callable
    #: ``(site, commit, abort) -> datetime | None``: send what is due,
    #: ending the given transaction as it goes (leases, outcomes); return
    #: when the next entry is due, None when nothing is pending.
    send_due: Callable


#: Tries of a commit that records what was sent, when it conflicts (with
#: filings adding to the outbox, or another worker): what was sent must not
#: be sent again for a conflict.
RECORD_TRIES = 5


def record_committed(write: Callable[[], T], commit, abort) -> T | None:
    """``write()``, then commit; after a conflict, abort and write again
    (``write`` reads the outbox afresh), at most :data:`RECORD_TRIES` times.
    What the committed ``write()`` returned; None when every try conflicted
    (what it would have recorded stays leased, sent again once the lease
    runs out).

    Tries after a conflict take sent entries out of the queue by marking
    them (:func:`imio.guichet.storage.tombstones`): with a backlog,
    deleting the oldest entries conflicts with filings adding new ones
    whenever a bucket is emptied or split; a mark writes the entry's own
    record, never a bucket."""
    for attempt in range(RECORD_TRIES):
        try:
            with tombstones() if attempt else contextlib.nullcontext():
                written = write()
            commit()
            return written
        except ConflictError:
            abort()
            time.sleep(0.05)
    return None


def sweep_committed(queue: TimeMap, commit, abort) -> int:
    """Delete the keys of ``queue``'s marked entries in a commit of their
    own; a conflict leaves them for the next pass (they cost their room,
    and a step over them when the queue is read). Returns how many."""
    if not queue.tombstone_count():
        return 0
    try:
        swept = queue.sweep()
        commit()
    except ConflictError:
        abort()
        return 0
    return swept


_workers: dict[tuple[str, int, tuple[str, ...]], "OutboxWorker"] = {}
#: One lock per outbox (kind, database, site): see :func:`pass_lock`.
_passes: dict[tuple[str, int, tuple[str, ...]], threading.Lock] = {}
_lock = threading.Lock()


def _closed(db) -> bool:
    # ZODB.DB.close() deletes the instance's attribute; the class has one
    # too (hasattr stays true: a worker would outlive its database, logging
    # an error every minute).
    return "storage" not in vars(db)


def _key(kind: OutboxKind, db, site_path) -> tuple[str, int, tuple[str, ...]]:
    return (kind.name, id(db), tuple(site_path))


def open_site(connection, site_path: tuple[str, ...]):
    return connection.root()["Application"].unrestrictedTraverse(site_path)


def pass_lock(kind: OutboxKind, db, site_path) -> threading.Lock:
    """What a pass over one outbox holds in this process: the worker's
    thread and whoever else sends (``flush``, in tests and scripts) never
    run one at once, and whoever takes it sees every earlier pass done,
    its outcomes committed, logged and counted."""
    with _lock:
        return _passes.setdefault(_key(kind, db, site_path), threading.Lock())


def run_once(kind: OutboxKind, db, site_path: tuple[str, ...]) -> timedelta:
    """One pass over the site's outbox, in a connection of its own; return
    how long to sleep before the next."""
    with pass_lock(kind, db, site_path):
        manager = transaction.TransactionManager()
        connection = db.open(transaction_manager=manager)
        try:
            manager.begin()
            upcoming = kind.send_due(
                open_site(connection, site_path), manager.commit, manager.abort
            )
        finally:
            manager.abort()
            connection.close()
    if upcoming is None:
        return IDLE_WAKE
    return max(min(upcoming - datetime.now(UTC), IDLE_WAKE), MIN_SLEEP)


class OutboxWorker(threading.Thread):
    def __init__(self, kind: OutboxKind, db, site_path: tuple[str, ...]):
        super().__init__(name=f"guichet-{kind.name}:{'/'.join(site_path)}", daemon=True)
        self.kind = kind
        self.db = db
        self.site_path = site_path
        self.wakeup = threading.Event()

    def run(self) -> None:
        while not _closed(self.db):
            try:
                sleep = run_once(self.kind, self.db, self.site_path)
            except Exception:
                if _closed(self.db):
                    break
                logger.exception(
                    "Sending the %s outbox failed; trying again later", self.kind.name
                )
                sleep = IDLE_WAKE
            if self.wakeup.wait(sleep.total_seconds()) and not _closed(self.db):
                time.sleep(GATHER.total_seconds())  # let the burst go on
            self.wakeup.clear()
        with _lock:
            key = _key(self.kind, self.db, self.site_path)
            if _workers.get(key) is self:
                del _workers[key]
            # Its database is closed: no pass will ever take its lock again
            # (and another database may be given the same id()).
            _passes.pop(key, None)


def wake(kind: OutboxKind, db, site_path: tuple[str, ...]) -> None:
    """Start the site's worker of ``kind`` if needed, and have it look now."""
    with _lock:
        key = _key(kind, db, site_path)
        worker = _workers.get(key)
        if worker is None or not worker.is_alive():
            worker = _workers[key] = OutboxWorker(kind, db, tuple(site_path))
            worker.start()
    worker.wakeup.set()


def wake_after_commit(kind: OutboxKind, site) -> None:
    """Wake the site's worker once the current transaction commits (once
    per transaction, however many entries it queued; never if it aborts)."""
    current = transaction.get()
    # Transaction data is keyed by the id() of its key: the kind itself,
    # which lives as long as the process (a tuple made here would be freed,
    # and its id reused by the next kind's, which would then never wake).
    try:
        if current.data(kind):
            return
    except KeyError:
        pass
    current.set_data(kind, True)
    db, path = site._p_jar.db(), site.getPhysicalPath()
    current.addAfterCommitHook(lambda committed: committed and wake(kind, db, path))


def resume_pending(kind: OutboxKind, event) -> None:
    """On start-up, restart sending for sites whose outbox is not empty."""
    db = event.database
    connection = db.open()
    try:
        app = connection.root().get("Application")
        if app is None:
            return
        for site in app.objectValues("Plone Site"):
            if kind.has_pending(site):
                wake(kind, db, site.getPhysicalPath())
    finally:
        transaction.abort()
        connection.close()
