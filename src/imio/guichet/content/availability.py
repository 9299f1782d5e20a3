"""When a procedure takes submissions."""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet import _
from imio.guichet.content.translations import canonical
from imio.guichet.forms.kinds.dates import format_datetime
from imio.guichet.privacy.information import takes_submissions
from imio.guichet.timezones import as_datetime
from imio.guichet.timezones import in_site_time
from zope.i18nmessageid import Message


@dataclass(frozen=True)
class Availability:
    """Whether a procedure takes submissions now, and if not, why."""

    is_open: bool
    reason: Message | None = None


def _page_date(procedure, name: str) -> datetime | None:
    # Plone's publication dates (None: no limit).
    return as_datetime(getattr(procedure, name, None))


def submission_window(procedure) -> tuple[datetime | None, datetime | None]:
    """When submissions may be filed: within the opening and closing dates,
    and within the page's publication dates (a page not published yet, or
    expired, takes none: citizens could not read what they are asked)."""
    starts = [
        d
        for d in (procedure.opening_date, _page_date(procedure, "effective_date"))
        if d is not None
    ]
    ends = [
        d
        for d in (procedure.closing_date, _page_date(procedure, "expiration_date"))
        if d is not None
    ]
    return (
        max(starts, key=in_site_time) if starts else None,
        min(ends, key=in_site_time) if ends else None,
    )


def get_availability(
    procedure, now: datetime | None = None, language: str | None = None
) -> Availability:
    """Tell whether ``procedure`` takes submissions at ``now`` (a
    translation: whether its original does, whose form it shares); the
    reason's dates as readers of ``language`` write them, in the site's
    time (REST clients may have stored UTC)."""
    now = now or datetime.now(UTC)
    procedure = canonical(procedure)
    opens, closes = submission_window(procedure)
    if not procedure.submissions_open:
        return Availability(
            False,
            _(
                "reason_closed",
                default="Online submissions for this procedure are closed.",
            ),
        )
    if opens and now < in_site_time(opens):
        return Availability(
            False,
            _(
                "reason_not_yet_open",
                default="Online submissions open on ${date}.",
                mapping={"date": format_datetime(opens, language)},
            ),
        )
    if closes and now >= in_site_time(closes):
        return Availability(
            False,
            _(
                "reason_closed_since",
                default="Online submissions closed on ${date}.",
                mapping={"date": format_datetime(closes, language)},
            ),
        )
    if not takes_submissions(procedure):
        # Opened without its privacy information (a script, an import):
        # citizens are told before they give their data, or not asked.
        return Availability(
            False,
            _(
                "reason_privacy_incomplete",
                default="Online submissions for this procedure are not open yet.",
            ),
        )
    return Availability(True)
