"""Dates: a date, a date with bounds counted from today, a date and time."""

from datetime import date
from datetime import datetime
from imio.guichet import _
from imio.guichet.forms import fields
from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from imio.guichet.timezones import in_site_time
from typing import Any
from zope.schema import Date
from zope.schema import Datetime

import re


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339 (JSON Schema's "date-time"): the offset is required.
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
)


def format_datetime(value: datetime) -> str:
    """``value`` in the site's time zone, as dd/mm/yyyy hh:mm."""
    return in_site_time(value).strftime("%d/%m/%Y %H:%M")


class DateKind(Kind):
    """A day, stored as ``YYYY-MM-DD``, shown as Belgians write it."""

    name = "date"
    field_classes = (Date,)
    editor_factory = "zope.schema._field.Date"

    def from_json(self, field, value: Any) -> date:
        if not isinstance(value, str):
            raise Refused("wrong_type")
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise Refused("invalid_date") from None

    def bounds(self, field) -> tuple[date | None, date | None, dict]:
        """The earliest and latest dates, and the extension keywords that
        say where they come from."""
        return field.min, field.max, {}

    def json_schema(self, field, language) -> dict:
        # formatMinimum/formatMaximum: the keywords of ajv-formats and of the
        # draft "format-assertion" proposals.
        lowest, highest, extensions = self.bounds(field)
        result = {"type": "string", "format": "date", **extensions}
        if lowest is not None:
            result["formatMinimum"] = lowest.isoformat()
        if highest is not None:
            result["formatMaximum"] = highest.isoformat()
        return result

    def display(self, field, value, language) -> str:
        return date.fromisoformat(value).strftime("%d/%m/%Y")


class RelativeDateKind(DateKind):
    """A date whose bounds are counted in days from the day it is given:
    its JSON Schema bounds are today's, with the rule in
    ``x-guichet-min-days``/``x-guichet-max-days``."""

    name = "relative-date"
    field_classes = (fields.RelativeDate,)
    editor_factory = "imio.guichet.forms.fields.RelativeDate"
    editor_title = _(
        "label_relative_date_field", default="Date (bounds counted from today)"
    )

    def bounds(self, field):
        lowest, highest, extensions = super().bounds(field)
        earliest, latest = field.bounds()
        if earliest is not None:
            lowest = earliest if lowest is None else max(lowest, earliest)
            extensions["x-guichet-min-days"] = field.min_days
        if latest is not None:
            highest = latest if highest is None else min(highest, latest)
            extensions["x-guichet-max-days"] = field.max_days
        return lowest, highest, extensions


class DatetimeKind(Kind):
    """A date and time, stored with the site's offset (RFC 3339)."""

    name = "datetime"
    field_classes = (Datetime,)
    editor_factory = "zope.schema._field.Datetime"

    def from_json(self, field, value: Any) -> datetime:
        if not isinstance(value, str):
            raise Refused("wrong_type")
        try:
            if not _ISO_DATETIME.match(value):
                raise ValueError(value)
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            # The form's bounds are in the site's local time, without a zone.
            return in_site_time(parsed).replace(tzinfo=None)
        except (ValueError, OverflowError):
            # OverflowError: 9999-12-31T23:59:59-14:00 is after year 9999
            # in the site's time.
            raise Refused("invalid_datetime") from None

    def json_schema(self, field, language) -> dict:
        return {"type": "string", "format": "date-time"}

    def display(self, field, value, language) -> str:
        return format_datetime(datetime.fromisoformat(value))


DATE = register(DateKind())
RELATIVE_DATE = register(RelativeDateKind())
DATETIME = register(DatetimeKind())
