"""Dates: a date, a date with bounds counted from today, a date and time."""

from babel.dates import format_date as babel_format_date
from datetime import date
from datetime import datetime
from datetime import timedelta
from imio.guichet import _
from imio.guichet.forms import fields
from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from imio.guichet.i18n import counted
from imio.guichet.i18n import default_language
from imio.guichet.timezones import in_site_time
from typing import Any
from zope.i18nmessageid import Message
from zope.schema import Date
from zope.schema import Datetime

import re


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339 (JSON Schema's "date-time"): the offset is required.
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
)


#: How each language writes a day: CLDR's convention (Babel's
#: ``format_date``) for a locale and a length, chosen for a four-digit year:
#: French 31/12/2026, Dutch 31-12-2026, German 31.12.2026, English
#: 31/12/2026 (en-GB, as in Belgium; en-US would put the month first).
#: Another language is written as French is.
DAY_FORMATS = {
    "fr": ("fr", "short"),
    "nl": ("nl", "short"),
    "de": ("de", "medium"),
    "en": ("en_GB", "short"),
}


def format_day(value: date, language: str | None = None) -> str:
    """``value`` as readers of ``language`` write a day (see
    :data:`DAY_FORMATS`); the site's default language when None."""
    base = (language or default_language()).split("-")[0].lower()
    locale, length = DAY_FORMATS.get(base, DAY_FORMATS["fr"])
    return babel_format_date(value, format=length, locale=locale)


def format_datetime(value: datetime, language: str | None = None) -> str:
    """``value`` in the site's time zone: its day as ``language`` writes it
    (:func:`format_day`) and its time as hh:mm (24 hours in every one)."""
    local = in_site_time(value)
    return f"{format_day(local.date(), language)} {local:%H:%M}"


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
        return format_day(date.fromisoformat(value), language)

    def form_problems(self, field) -> list[str]:
        problems = super().form_problems(field)
        if None not in (field.min, field.max) and field.min > field.max:
            problems.append("min is after max: no date is possible")
        return problems

    def settings_problems(self, settings: dict) -> dict[str, Message]:
        lowest, highest = settings.get("min"), settings.get("max")
        if not (isinstance(lowest, date) and isinstance(highest, date)):
            return {}
        if lowest <= highest:
            return {}
        return {
            "max": _(
                "error_date_max_before_min",
                default="The latest date (${max}) is before the earliest date "
                "(${min}): citizens could give no date. Choose a latest date "
                "on or after ${min}, or leave one of them empty.",
                mapping={"min": _day(lowest), "max": _day(highest)},
            )
        }


def _day(value: date) -> str:
    # The editor's messages: in the site's default language.
    return format_day(value)


#: Days from today, and before today (i18n.counted; 1 is "tomorrow" or
#: "yesterday").
DAYS_AFTER_TODAY = {
    "one": _("text_days_after_today_one", default="${count} day from today"),
    "other": _("text_days_after_today_other", default="${count} days from today"),
}
DAYS_BEFORE_TODAY = {
    "one": _("text_days_before_today_one", default="${count} day before today"),
    "other": _("text_days_before_today_other", default="${count} days before today"),
}


def days_from_today(days: int, language: str | None = None) -> Message:
    """A number of days from today, in words ("today", "tomorrow", "10
    days from today", "30 days before today"), counted as readers of
    ``language`` count (the site's default language when None)."""
    if days == 0:
        return _("text_days_today", default="today")
    if days == 1:
        return _("text_days_tomorrow", default="tomorrow")
    if days == -1:
        return _("text_days_yesterday", default="yesterday")
    forms = DAYS_AFTER_TODAY if days > 0 else DAYS_BEFORE_TODAY
    return counted(forms, abs(days), language)


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

    def settings_problems(self, settings: dict) -> dict[str, Message]:
        problems = super().settings_problems(settings)
        min_days, max_days = settings.get("min_days"), settings.get("max_days")
        if None not in (min_days, max_days) and min_days > max_days:
            problems["max_days"] = _(
                "error_date_max_days_before_min_days",
                default="The latest date (${max}) is before the earliest date "
                "(${min}): citizens could give no date. Choose a number of "
                "days of at least ${min_days}, or leave one of them empty.",
                mapping={
                    "min": days_from_today(min_days),
                    "max": days_from_today(max_days),
                    "min_days": min_days,
                },
            )
        fixed_max, fixed_min = settings.get("max"), settings.get("min")
        now = fields.today()
        if (
            "max" not in problems
            and min_days is not None
            and fixed_max is not None
            and now + timedelta(min_days) > fixed_max
        ):
            problems["max"] = _(
                "error_date_max_before_min_days",
                default="The latest date (${max}) is before the earliest date "
                "(${min}, ${earliest} today): citizens could give no date.",
                mapping={
                    "max": _day(fixed_max),
                    "min": days_from_today(min_days),
                    "earliest": _day(now + timedelta(min_days)),
                },
            )
        if (
            "max_days" not in problems
            and max_days is not None
            and fixed_min is not None
            and now + timedelta(max_days) < fixed_min
        ):
            problems["max_days"] = _(
                "error_date_max_days_before_min",
                default="The latest date (${max}, ${latest} today) is before "
                "the earliest date (${min}): citizens could give no date.",
                mapping={
                    "max": days_from_today(max_days),
                    "latest": _day(now + timedelta(max_days)),
                    "min": _day(fixed_min),
                },
            )
        return problems


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
        return format_datetime(datetime.fromisoformat(value), language)


DATE = register(DateKind())
RELATIVE_DATE = register(RelativeDateKind())
DATETIME = register(DatetimeKind())
