"""Numbers: integers and decimals."""

from babel import Locale
from babel import UnknownLocaleError
from babel.numbers import format_decimal
from decimal import Decimal
from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from imio.guichet.forms.namespace import DECIMALS_KEY
from imio.guichet.i18n import default_language
from typing import Any
from zope.schema import Float
from zope.schema import Int

import math


def locale_of(language: str | None) -> Locale:
    """The CLDR locale of a Plone language code (``fr``, ``nl-be``...);
    French, the guichet's first language, when it has none."""
    try:
        return Locale.parse((language or "fr").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("fr")


class NumberKind(Kind):
    json_types = (int, float)

    def json_schema(self, field, language) -> dict:
        result = {"type": self.json_type}
        if field.min is not None:
            result["minimum"] = field.min
        if field.max is not None:
            result["maximum"] = field.max
        return result


class IntegerKind(NumberKind):
    """A whole number, shown as typed: no thousands separator (a year, a
    house number)."""

    name = "integer"
    field_classes = (Int,)
    editor_factory = "zope.schema._bootstrapfields.Int"
    json_type = "integer"
    json_types = (int,)

    def from_json(self, field, value: Any) -> int:
        # JSON has one number type: 2.0 is the integer 2 (as for JSON Schema).
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused("wrong_type")
        return value


#: The most decimals a form may ask for.
MAX_DECIMALS = 6


def decimals_of(field) -> int | None:
    """The most decimals a decimal number field accepts (its
    ``guichet:decimals``); None: any number (or a setting the form's check
    refuses)."""
    schema = getattr(field, "interface", None)
    if schema is None:
        return None
    text = (schema.queryTaggedValue(DECIMALS_KEY, {}) or {}).get(field.__name__)
    if text is None or not str(text).isdigit() or int(text) > MAX_DECIMALS:
        return None
    return int(text)


def decimal_places(value: float) -> int:
    """How many decimals ``value`` has, as written in JSON (``12.5``: 1)."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class DecimalKind(NumberKind):
    """A decimal number, shown with the reader's decimal sign (``12,5`` in
    French and Dutch), without rounding or thousands separator."""

    name = "decimal"
    field_classes = (Float,)
    editor_factory = "zope.schema._field.Float"
    json_type = "number"

    def from_json(self, field, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Refused("wrong_type")
        try:
            value = float(value)
        except OverflowError:
            raise Refused("too_big") from None
        if not math.isfinite(value):
            raise Refused("wrong_type")
        most = decimals_of(field)
        if most is not None and decimal_places(value) > most:
            raise Refused("too_many_decimals")
        return value

    def json_schema(self, field, language) -> dict:
        result = super().json_schema(field, language)
        most = decimals_of(field)
        if most is not None:
            # Not "multipleOf": 0.01 is no exact binary float, and JSON
            # Schema validators would refuse 12.35.
            result["x-guichet-decimals"] = most
        return result

    def form_problems(self, field) -> list[str]:
        problems = super().form_problems(field)
        schema = getattr(field, "interface", None)
        text = (
            (schema.queryTaggedValue(DECIMALS_KEY, {}) or {}).get(field.__name__)
            if schema is not None
            else None
        )
        if text is not None and decimals_of(field) is None:
            problems.append(
                f"guichet:decimals must be a whole number from 0 to {MAX_DECIMALS}"
            )
        return problems

    def display(self, field, value, language) -> str:
        return format_decimal(
            value,
            locale=locale_of(language or default_language()),
            group_separator=False,
            decimal_quantization=False,
        )


INTEGER = register(IntegerKind())
DECIMAL = register(DecimalKind())
