"""The outboxes' threads (outbox_worker.py): what a process keeps for
them goes with their database."""

from imio.guichet import outbox_worker
from ZODB import DB

import logging
import time


NOTHING = outbox_worker.OutboxKind(
    "test-nothing", has_pending=lambda site: False, send_due=lambda *args: None
)


def test_a_closed_databases_worker_leaves_nothing_behind(caplog):
    db = DB(None)
    path = ("", "no-site")  # its pass fails (no Application): logged, retried
    key = outbox_worker._key(NOTHING, db, path)
    with caplog.at_level(logging.CRITICAL, logger=outbox_worker.__name__):
        outbox_worker.wake(NOTHING, db, path)
        worker = outbox_worker._workers[key]
        for _wait in range(500):  # its first pass took the outbox's lock
            if key in outbox_worker._passes:
                break
            time.sleep(0.01)
        assert key in outbox_worker._passes
        db.close()
        worker.wakeup.set()
        worker.join(10)
    assert not worker.is_alive()
    assert key not in outbox_worker._workers
    assert key not in outbox_worker._passes
