"""When a procedure takes submissions."""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet import _
from plone import api
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError
from zope.i18nmessageid import Message


@dataclass(frozen=True)
class Availability:
    """Whether a procedure takes submissions now, and if not, why."""

    is_open: bool
    reason: Message | None = None


def _aware(value: datetime) -> datetime:
    # Dates from the edit form are naive and meant in the site's time zone.
    if value.tzinfo:
        return value
    zone_name = api.portal.get_registry_record("plone.portal_timezone", default=None)
    try:
        zone = ZoneInfo(zone_name) if zone_name else UTC
    except (ValueError, ZoneInfoNotFoundError):
        zone = UTC
    return value.replace(tzinfo=zone)


def get_availability(procedure, now: datetime | None = None) -> Availability:
    """Tell whether ``procedure`` takes submissions at ``now``."""
    now = now or datetime.now(UTC)
    if not procedure.submissions_open:
        return Availability(
            False,
            _(
                "reason_closed",
                default="Online submissions for this procedure are closed.",
            ),
        )
    if procedure.opening_date and now < _aware(procedure.opening_date):
        return Availability(
            False,
            _(
                "reason_not_yet_open",
                default="Online submissions open on ${date}.",
                mapping={"date": procedure.opening_date.strftime("%d/%m/%Y %H:%M")},
            ),
        )
    if procedure.closing_date and now >= _aware(procedure.closing_date):
        return Availability(
            False,
            _(
                "reason_closed_since",
                default="Online submissions closed on ${date}.",
                mapping={"date": procedure.closing_date.strftime("%d/%m/%Y %H:%M")},
            ),
        )
    return Availability(True)
