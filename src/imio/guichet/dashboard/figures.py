"""The figures of a dashboard, read from the counters (never a scan): for
a list of procedures, or every procedure (None)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from imio.guichet.dashboard.counters import get_counters
from imio.guichet.dashboard.counters import week_of
from imio.guichet.spreadsheets import csv_row
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import RUNNING_STATES
from imio.guichet.submissions.due import DUE_SOON_DAYS
from imio.guichet.submissions.states import STATES

import csv
import io
import math


#: Weeks shown: the last twelve months, the current week included.
WEEKS = 52


@dataclass(frozen=True)
class Figures:
    """What a dashboard shows, on the day ``on``."""

    on: date
    #: (Monday of the week, requests filed that week), oldest first.
    weeks: list[tuple[date, int]]
    #: (state, requests in it now), in the lifecycle's order.
    states: list[tuple[str, int]]
    #: Requests decided, and their processing time in hours (None: none
    #: decided): the median and the 90th percentile, to the bucket.
    decided: int
    median_hours: int | None
    p90_hours: int | None
    #: (bucket's lower bound in hours, requests decided in it), ascending.
    durations: list[tuple[int, int]]
    #: Running requests past their due day, and due within DUE_SOON_DAYS.
    late: int
    due_soon: int

    @property
    def total(self) -> int:
        return sum(count for _state, count in self.states)

    def as_json(self) -> dict:
        return {
            "on": self.on.isoformat(),
            "total": self.total,
            "weeks": [
                {"week": monday.isoformat(), "count": count}
                for monday, count in self.weeks
            ],
            "states": [{"state": s, "count": count} for s, count in self.states],
            "processing": {
                "decided": self.decided,
                "median_hours": self.median_hours,
                "p90_hours": self.p90_hours,
                "histogram": [
                    {"from_hours": hours, "count": count}
                    for hours, count in self.durations
                ],
            },
            "late": self.late,
            "due_soon": self.due_soon,
        }


def quantile(histogram: list[tuple[int, int]], q: float) -> int | None:
    """The value of rank ``q`` (nearest rank) of a sorted histogram."""
    total = sum(count for _value, count in histogram)
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return histogram[-1][0]  # pragma: no cover - ranks never pass the total


def read_figures(procedure_uids: list[str] | None, on: date) -> Figures:
    """The figures of these procedures (None: all of the site) on ``on``."""
    counters = get_counters()
    store = get_store()
    if procedure_uids is None:
        own = [] if counters is None else [counters.of(u) for u in counters.uids()]
        scopes = [None]
    else:
        own = [] if counters is None else [counters.of(u) for u in procedure_uids]
        scopes = list(procedure_uids)
    own = [c for c in own if c is not None]
    last = week_of(on)
    first = last - 7 * (WEEKS - 1)
    weeks = Counter()
    durations = Counter()
    decided = 0
    for counters_of in own:
        for monday, length in counters_of.weeks.items(min=first, max=last):
            weeks[monday] += length()
        for hours, length in counters_of.durations.items():
            durations[hours] += length()
        decided += counters_of.decided()
    histogram = sorted((h, n) for h, n in durations.items() if n)
    states = [
        (state, sum(store.count(uid, state) for uid in scopes) if store else 0)
        for state in STATES
    ]

    def due_before(day: date) -> int:
        if store is None:
            return 0
        return sum(store.count_due_before(uid, RUNNING_STATES, day) for uid in scopes)

    late = due_before(on)
    return Figures(
        on=on,
        weeks=[
            (date.fromordinal(monday), weeks.get(monday, 0))
            for monday in range(first, last + 1, 7)
        ],
        states=states,
        decided=decided,
        median_hours=quantile(histogram, 0.5),
        p90_hours=quantile(histogram, 0.9),
        durations=histogram,
        late=late,
        due_soon=due_before(on + timedelta(days=DUE_SOON_DAYS)) - late,
    )


CSV_HEADER = ("table", "item", "value")


def figures_csv(figures: Figures) -> str:
    """The figures as CSV, one row per figure (``table``, ``item``,
    ``value``), cells made safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(CSV_HEADER))
    for monday, count in figures.weeks:
        writer.writerow(csv_row(("week", monday.isoformat(), count)))
    for state, count in figures.states:
        writer.writerow(csv_row(("state", state, count)))
    processing = (
        ("decided", figures.decided),
        ("median_hours", figures.median_hours),
        ("p90_hours", figures.p90_hours),
    )
    for name, value in processing:
        writer.writerow(csv_row(("processing", name, "" if value is None else value)))
    for hours, count in figures.durations:
        writer.writerow(csv_row(("processing_histogram", hours, count)))
    writer.writerow(csv_row(("due", "late", figures.late)))
    writer.writerow(csv_row(("due", "due_soon", figures.due_soon)))
    return out.getvalue()
