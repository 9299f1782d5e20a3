"""The site's time zone, for dates people type in local time."""

from datetime import datetime
from datetime import tzinfo
from datetime import UTC
from plone import api
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError


def site_timezone() -> tzinfo:
    """The zone set in the site's date and time settings (UTC if none)."""
    name = api.portal.get_registry_record("plone.portal_timezone", default=None)
    try:
        return ZoneInfo(name) if name else UTC
    except (ValueError, ZoneInfoNotFoundError):
        return UTC


def in_site_time(value: datetime) -> datetime:
    """``value`` as an aware datetime of the site's zone.

    Naive values (what the date widgets of the edit forms give) are taken
    as the site's local time; aware ones are converted.
    """
    zone = site_timezone()
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def as_datetime(value) -> datetime | None:
    """Plone's publication dates (a Zope ``DateTime``) or a datetime, as a
    datetime; None stays None. A DateTime goes through UTC: its named zone
    (``GMT+1``, ``Europe/Brussels``) may not map to a tzinfo, and
    ``asdatetime()`` then gives a wrong offset."""
    if value is None or isinstance(value, datetime):
        return value
    return value.utcdatetime().replace(tzinfo=UTC)
