"""Counters of the dashboard, kept up to date rather than counted.

A dashboard must answer at once whatever the number of requests, so
nothing is scanned when it is read. Per procedure, a
:class:`ProcedureCounters` keeps:

- ``weeks``: the requests filed per week (the Monday of the week in the
  site's calendar, as a day ordinal -> ``BTrees.Length``);
- ``durations``: a histogram of the processing times, filing -> decision
  (the first of :data:`DECISION_STATES` reached), in hours
  (:func:`bucket`: hour by hour below three days, then day by day, then
  week by week), from which the median and the 90th percentile are read;
- ``decided``: how many requests were decided.

Counts per state come from the submission store's indexes (their
``BTrees.Length``), late requests from its due-date indexes
(:meth:`~imio.guichet.submissions.storage.SubmissionStore.count_due_before`):
they are kept there already, once.

Writers do not conflict: a filing changes one ``Length`` (which merges
concurrent changes) and, for the first filing of a week, one small bucket
of integers; a decision the same in ``durations``. The counters are
updated by subscribers of the submission events, in the transaction of the
change; :func:`recount` rebuilds them from the submissions (the upgrade to
1017).
"""

from BTrees.IOBTree import IOBTree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from datetime import date
from datetime import datetime
from datetime import timedelta
from imio.guichet.storage import in_a_site
from imio.guichet.storage import site_store
from imio.guichet.submissions.events import DELETED
from imio.guichet.timezones import site_timezone
from persistent import Persistent
from plone import api
from zope.annotation.interfaces import IAnnotations


#: The site's annotation holding the counters.
DASHBOARD_KEY = "imio.guichet.dashboard"
#: The states that decide a request: its processing time ends on the first.
DECISION_STATES = frozenset({"accepted", "rejected"})

HOURS_BY_THE_HOUR = 72
HOURS_BY_THE_DAY = 24 * 366


def bucket(hours: int) -> int:
    """The histogram bucket of a processing time (its lower bound, hours)."""
    hours = max(0, hours)
    if hours < HOURS_BY_THE_HOUR:
        return hours
    if hours < HOURS_BY_THE_DAY:
        return hours - hours % 24
    return hours - hours % (24 * 7)


def week_of(when: datetime | date) -> int:
    """The Monday of the week of ``when`` (site's calendar), as an ordinal."""
    if isinstance(when, datetime):
        when = when.astimezone(site_timezone()).date()
    return (when - timedelta(days=when.weekday())).toordinal()


def _add(tree: IOBTree, key: int, change: int = 1) -> None:
    counter = tree.get(key)
    if counter is None:
        counter = tree[key] = Length()
    counter.change(change)


class ProcedureCounters(Persistent):
    """The counters of one procedure (see the module's docstring)."""

    def __init__(self):
        self.weeks = IOBTree()
        self.durations = IOBTree()
        self.decided = Length()

    def count_filing(self, created: datetime) -> None:
        _add(self.weeks, week_of(created))

    def count_decision(self, hours: int) -> None:
        _add(self.durations, bucket(hours))
        self.decided.change(1)

    def forget(self, submission) -> None:
        """Count ``submission`` out (it was deleted), as a recount would."""
        _add(self.weeks, week_of(submission.created), -1)
        hours = first_decision_hours(submission)
        if hours is not None:
            _add(self.durations, bucket(hours), -1)
            self.decided.change(-1)


class DashboardCounters(Persistent):
    """The counters of every procedure: uid -> :class:`ProcedureCounters`."""

    def __init__(self):
        self._procedures = OOBTree()

    def of(self, uid: str, create: bool = False) -> ProcedureCounters | None:
        counters = self._procedures.get(uid)
        if counters is None and create:
            counters = self._procedures[uid] = ProcedureCounters()
        return counters

    def uids(self) -> list[str]:
        return list(self._procedures.keys())


def get_counters(create: bool = False, site=None) -> DashboardCounters | None:
    return site_store(DASHBOARD_KEY, DashboardCounters, create=create, site=site)


def decision_hours(submission, event: dict) -> int | None:
    """The processing time (hours) a state change ends, if it is the
    request's first decision; else None."""
    if event.get("to_state") not in DECISION_STATES:
        return None
    decisions = [
        e for e in submission.history or () if e.get("to_state") in DECISION_STATES
    ]
    if decisions and decisions[0] != event:
        return None  # decided before: the first decision counts
    decided = datetime.fromisoformat(event["date"])
    return int((decided - submission.created).total_seconds() // 3600)


def first_decision_hours(submission) -> int | None:
    """The processing time (hours) of the request's first decision, if it
    had one."""
    for event in submission.history or ():
        if event.get("to_state") in DECISION_STATES:
            return decision_hours(submission, event)
    return None


# -- subscribers of the submission events -----------------------------------


def submission_created(event) -> None:
    if not in_a_site():
        return
    submission = event.submission
    counters = get_counters(create=True).of(submission.procedure_uid, create=True)
    counters.count_filing(submission.created)


def submission_state_changed(event) -> None:
    if not in_a_site():
        return
    hours = decision_hours(event.submission, event.event)
    if hours is None:
        return
    counters = get_counters(create=True).of(event.submission.procedure_uid, create=True)
    counters.count_decision(hours)


def submission_erased(event) -> None:
    """A deleted request leaves the figures (an anonymised one stays: its
    dates and states are kept for them)."""
    if event.how != DELETED or not in_a_site():
        return
    counters = get_counters()
    own = counters.of(event.submission.procedure_uid) if counters else None
    if own is not None:
        own.forget(event.submission)


# -- a full recount ----------------------------------------------------------


def count_submissions(submissions) -> DashboardCounters:
    """New counters, counted from ``submissions`` (all of a site's)."""
    counters = DashboardCounters()
    for submission in submissions:
        own = counters.of(submission.procedure_uid, create=True)
        own.count_filing(submission.created)
        hours = first_decision_hours(submission)
        if hours is not None:
            own.count_decision(hours)
    return counters


def recount(store, site=None) -> DashboardCounters:
    """Replace the site's counters by a count of the submissions of
    ``store`` (one pass, in creation order)."""
    keys = store.iter_keys(None, None, None)
    counters = count_submissions(store.by_key(key) for key in keys)
    annotations = IAnnotations(site if site is not None else api.portal.get())
    annotations[DASHBOARD_KEY] = counters
    return counters
