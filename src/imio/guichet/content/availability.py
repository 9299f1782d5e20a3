"""When a procedure takes submissions."""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet import _
from imio.guichet.content.translations import canonical
from imio.guichet.privacy.information import takes_submissions
from imio.guichet.timezones import in_site_time
from zope.i18nmessageid import Message


@dataclass(frozen=True)
class Availability:
    """Whether a procedure takes submissions now, and if not, why."""

    is_open: bool
    reason: Message | None = None


def _local(value: datetime) -> str:
    # REST clients may have stored UTC: say it in the site's local time.
    return in_site_time(value).strftime("%d/%m/%Y %H:%M")


def get_availability(procedure, now: datetime | None = None) -> Availability:
    """Tell whether ``procedure`` takes submissions at ``now`` (a
    translation: whether its original does, whose form it shares)."""
    now = now or datetime.now(UTC)
    procedure = canonical(procedure)
    if not procedure.submissions_open:
        return Availability(
            False,
            _(
                "reason_closed",
                default="Online submissions for this procedure are closed.",
            ),
        )
    if procedure.opening_date and now < in_site_time(procedure.opening_date):
        return Availability(
            False,
            _(
                "reason_not_yet_open",
                default="Online submissions open on ${date}.",
                mapping={"date": _local(procedure.opening_date)},
            ),
        )
    if procedure.closing_date and now >= in_site_time(procedure.closing_date):
        return Availability(
            False,
            _(
                "reason_closed_since",
                default="Online submissions closed on ${date}.",
                mapping={"date": _local(procedure.closing_date)},
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
