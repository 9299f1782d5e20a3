"""The dashboard of a service: figures on the requests of the procedures
the caller may read (one procedure, or all of them), read from counters
(:mod:`imio.guichet.dashboard`), recorded in the audit trail's journal
(a read: nothing is written to the database)."""

from dataclasses import dataclass
from datetime import date
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.dashboard.figures import Figures
from imio.guichet.dashboard.figures import figures_csv
from imio.guichet.dashboard.figures import read_figures
from imio.guichet.submissions.due import today
from imio.guichet.usecases.staff import listed_procedures


@dataclass(frozen=True)
class Dashboard:
    figures: Figures
    #: The procedures counted (None: every procedure of the site).
    procedures: list[str] | None


def read_dashboard(
    caller: Caller,
    *,
    within: str | None = None,
    on: date | None = None,
    kind: str = "json",
) -> Dashboard:
    """The dashboard of the procedure ``within`` or of every procedure the
    caller may read (:class:`LoginRequired`, :class:`Forbidden` otherwise),
    on the day ``on`` (today); ``kind`` is what it is read as, for the trail."""
    uids = listed_procedures(caller, within)
    figures = read_figures(uids, on or today())
    details = {"format": kind, "procedure": within} if within else {"format": kind}
    audit.record(caller, "dashboard", [], details)
    return Dashboard(figures, uids)


def dashboard_csv(caller: Caller, *, within: str | None = None) -> str:
    """The dashboard as CSV (cells safe for spreadsheets)."""
    return figures_csv(read_dashboard(caller, within=within, kind="csv").figures)
