"""The daily purge inside the instance: a background thread per site and
process (the machinery of the outboxes, :mod:`imio.guichet.outbox_worker`),
started when the database opens. It looks once a minute at the site's
:class:`PurgeSchedule` (one read, no write); when the run is due (every
night at :data:`PURGE_HOUR` UTC), the instance that commits the next run's
date first runs it (another one's commit conflicts: it leaves the run to
the first), so one instance at a time purges a site."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet import outbox_worker
from imio.guichet.retention.run import run_purge
from imio.guichet.storage import site_store
from persistent import Persistent
from ZODB.POSException import ConflictError
from zope.component.hooks import getSite
from zope.component.hooks import setSite

import logging
import time


logger = logging.getLogger(__name__)

#: The site annotation of the schedule.
SCHEDULE_KEY = "imio.guichet.retention"
#: When the purge runs: every night at this hour (UTC), when the sites are
#: quiet (installing or upgrading schedules the first one).
PURGE_HOUR = 3
#: The note of the purge's transactions (what undo and the database's
#: tools show).
PURGE_NOTE = "imio.guichet: retention purge"


def clock() -> datetime:
    """Now (tests replace it)."""
    return datetime.fromtimestamp(time.time(), UTC)


def next_night(after: datetime) -> datetime:
    """The first :data:`PURGE_HOUR` o'clock (UTC) after ``after``."""
    night = after.astimezone(UTC).replace(
        hour=PURGE_HOUR, minute=0, second=0, microsecond=0
    )
    return night if night > after else night + timedelta(days=1)


class PurgeSchedule(Persistent):
    """When the site's next purge is due, and what the last one did."""

    def __init__(self):
        self.next_run = next_night(clock())
        self.last_run = None
        self.last_counts = None


def get_schedule(site, create: bool = False) -> PurgeSchedule | None:
    return site_store(SCHEDULE_KEY, PurgeSchedule, create=create, site=site)


def _has_pending(site) -> bool:
    # Every site with the add-on has a purge to run, daily.
    return get_schedule(site) is not None


def _run_due(site, commit, abort) -> datetime | None:
    schedule = get_schedule(site)
    if schedule is None:
        return None
    now = clock()
    if schedule.next_run > now:
        return schedule.next_run
    # The lease: the next run's date, committed before the work.
    schedule.next_run = next_night(now)
    site._p_jar.transaction_manager.get().note(PURGE_NOTE)
    try:
        commit()
    except ConflictError:  # another instance took this run
        abort()
        return now + timedelta(minutes=1)
    previous = getSite()
    setSite(site)
    try:
        counts = run_purge(now=now, commit=commit, abort=abort)
        schedule.last_run = now
        schedule.last_counts = counts.as_record()
        try:
            commit()
        except ConflictError:
            abort()
    finally:
        setSite(previous)
    logger.info("Retention purge of %s: %s", "/".join(site.getPhysicalPath()), counts)
    return schedule.next_run


PURGE = outbox_worker.OutboxKind("retention", _has_pending, _run_due)


def resume_purging(event) -> None:
    """On start-up, every site gets its daily purge."""
    outbox_worker.resume_pending(PURGE, event)
