"""One run of the purge on a site: requests past their retention, then the
audit trail's old records, then one audit record of what was done (counts
only, never data). Called by the daily worker (:mod:`.worker`) and by
``scripts/purge_submissions.py``."""

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from imio.guichet import audit
from imio.guichet.audit.keys import micros_since_epoch
from imio.guichet.retention.policy import audit_retention_days
from imio.guichet.retention.policy import Retention
from imio.guichet.retention.policy import retention_of
from imio.guichet.retention.policy import site_retention
from imio.guichet.retention.purge import ATTEMPTS
from imio.guichet.retention.purge import purge_store
from imio.guichet.retention.purge import PurgeCounts
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.api import get_store
from ZODB.POSException import ConflictError


#: Audit records deleted per transaction.
AUDIT_BATCH = 500

#: The audit action of a run.
PURGE_ACTION = "retention_purge"


def site_policy() -> Callable[[str | None], Retention]:
    """Each procedure's retention (:func:`retention_of`), read once per run."""
    cache: dict[str | None, Retention] = {None: site_retention()}

    def policy(procedure_uid: str | None) -> Retention:
        if procedure_uid not in cache:
            cache[procedure_uid] = retention_of(find_procedure(procedure_uid))
        return cache[procedure_uid]

    return policy


def purge_audit_trail(
    *, now: datetime, commit: Callable, abort: Callable, counts: PurgeCounts
) -> None:
    """Delete the audit records (database and journal) older than the
    control panel's retention of the audit trail."""
    oldest_kept = now - timedelta(days=audit_retention_days())
    bound = f"{micros_since_epoch(oldest_kept):017d}:"
    while True:
        for _attempt in range(ATTEMPTS):
            log = audit.get_audit_log()
            dropped = 0 if log is None else log.drop_before(bound, AUDIT_BATCH)
            try:
                commit()
            except ConflictError:
                abort()
                counts.retried += 1
                continue
            break
        else:
            return
        counts.audit_records += dropped
        if dropped < AUDIT_BATCH:
            break
    counts.journal_files += audit.site_journal().drop_before(oldest_kept.date())


def run_purge(
    *,
    now: datetime,
    commit: Callable,
    abort: Callable,
    actor: str | None = None,
    by: str = "daily purge",
) -> PurgeCounts:
    """Purge the current site (see the module's docstring); ends with the
    audit record of the run committed."""
    counts = purge_store(get_store, site_policy(), now=now, commit=commit, abort=abort)
    purge_audit_trail(now=now, commit=commit, abort=abort, counts=counts)
    for _attempt in range(ATTEMPTS):
        audit.record_as(actor, PURGE_ACTION, [], {**counts.as_record(), "by": by})
        try:
            commit()
        except ConflictError:
            abort()
            continue
        break
    return counts
