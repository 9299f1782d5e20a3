"""When a request should be decided: its due date.

A procedure may set a processing delay (``processing_days``), counted in
calendar days or in working days (``processing_day_kind``): Monday to
Friday, Belgian public holidays excepted (from the ``holidays`` package).
The delay runs from the filing, or from the citizen's last answer when the
service asked for more: the due date is the last day of the delay, a day
of the site's calendar.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from imio.guichet.timezones import site_timezone

import holidays


CALENDAR_DAYS = "calendar"
WORKING_DAYS = "working"
DAY_KINDS = (CALENDAR_DAYS, WORKING_DAYS)
#: Public holidays are those of this country.
COUNTRY = "BE"
#: A running request due within this many days (today included) is "due soon".
DUE_SOON_DAYS = 2


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The public holidays of one year (kept: they do not change)."""
    return frozenset(holidays.country_holidays(COUNTRY, years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_days(start: date, days: int, kind: str = WORKING_DAYS) -> date:
    """The day ``days`` days after ``start``: calendar days, or working
    days (the weekend and public holidays do not count)."""
    if kind == CALENDAR_DAYS:
        return start + timedelta(days=days)
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def processing_delay(procedure) -> tuple[int, str] | None:
    """The procedure's delay (days, kind), or None if it sets none."""
    days = getattr(procedure, "processing_days", None)
    if not days:
        return None
    kind = getattr(procedure, "processing_day_kind", None) or WORKING_DAYS
    return days, kind


def due_date(procedure, since: datetime) -> date | None:
    """The due date of a request of ``procedure`` whose delay starts at
    ``since`` (its filing, or the citizen's answer); None without a delay."""
    delay = processing_delay(procedure)
    if delay is None:
        return None
    start = since.astimezone(site_timezone()).date()
    return add_days(start, *delay)


def today() -> date:
    """Today, in the site's calendar."""
    return datetime.now(site_timezone()).date()


def lateness(state: str, due: date | None, on: date) -> str | None:
    """``"late"`` when a running request is past its due day on ``on``,
    ``"due_soon"`` when it is due within :data:`DUE_SOON_DAYS`, else None."""
    from imio.guichet.submissions.api import RUNNING_STATES

    if due is None or state not in RUNNING_STATES:
        return None
    if due < on:
        return "late"
    if due < on + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return None
