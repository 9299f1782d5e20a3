"""1001: the audit trail leaves the submission store for its own.

Records keep their keys (so their order and the page cursors handed out
before), and are moved in batches, the moved ones leaving the connection
cache, so that memory stays flat whatever the length of the trail.
"""

from imio.guichet.audit.store import get_audit_log
from imio.guichet.submissions.api import get_store

import logging
import transaction


logger = logging.getLogger(__name__)

BATCH = 1000


def move_audit_trail(setup_tool=None) -> int:
    """Move the records of the submission store's audit log to the site's
    audit store; return how many were moved."""
    store = get_store()
    old = getattr(store, "_audit", None) if store is not None else None
    if old is None:
        return 0
    return move_records(store, get_audit_log(create=True))


def move_records(store, log) -> int:
    """Move the records of ``store``'s audit log into ``log`` (same keys)
    and drop the old log; return how many were moved."""
    old = store._audit
    moved = 0
    for key in old.keys(None):
        log.put(key, old.get(key))
        moved += 1
        if moved % BATCH == 0:
            transaction.savepoint(optimistic=True)
            if store._p_jar is not None:
                store._p_jar.cacheGC()
    del store._audit
    logger.info("Moved %d audit records to the audit store", moved)
    return moved
