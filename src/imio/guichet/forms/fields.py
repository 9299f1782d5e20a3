"""Field types of the guichet's forms that zope.schema does not have.

Each is a real zope.schema field class, written in a form's XML as
``<field type="imio.guichet.forms.fields.NISS">`` (see the supermodel
handlers in configure.zcml) and offered by plone.schemaeditor. Each checks
its value in ``_validate`` (so that z3c.form and
:func:`imio.guichet.forms.validation.clean_data` give the same verdict)
and stores it in one canonical, JSON-compatible form given by
``normalize``: a national register number as 11 digits, an IBAN compact
and upper-case, a phone number in E.164, an address as a dict of text.

Belgian numbers are checked with python-stdnum, phone numbers with
phonenumbers: no hand-written checksums.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from imio.guichet import _
from imio.guichet.timezones import site_timezone
from stdnum.be import bis
from stdnum.be import nn
from stdnum.be import vat
from stdnum.exceptions import ValidationError as StdnumError
from zope.interface import implementer
from zope.schema import Date
from zope.schema import Field
from zope.schema import Int
from zope.schema import TextLine
from zope.schema.interfaces import IDate
from zope.schema.interfaces import IField
from zope.schema.interfaces import ITextLine
from zope.schema.interfaces import TooBig
from zope.schema.interfaces import TooSmall
from zope.schema.interfaces import ValidationError

import phonenumbers
import re
import stdnum.iban


# -- errors: their code is what the REST API answers, their __doc__ the
# -- message a citizen reads (z3c.form shows it next to the field).


class FieldValueError(ValidationError):
    """A value that does not follow its field's rules."""

    code = "invalid"


class InvalidNISS(FieldValueError):
    __doc__ = _(
        "error_invalid_niss",
        default="This is not a valid national register number (or BIS number).",
    )
    code = "invalid_niss"


class InvalidIBAN(FieldValueError):
    __doc__ = _("error_invalid_iban", default="This is not a valid IBAN.")
    code = "invalid_iban"


class InvalidEnterpriseNumber(FieldValueError):
    __doc__ = _(
        "error_invalid_enterprise_number",
        default="This is not a valid enterprise number (BCE/KBO).",
    )
    code = "invalid_enterprise_number"


class InvalidPostalCode(FieldValueError):
    __doc__ = _(
        "error_invalid_postal_code",
        default="This is not a Belgian postal code (4 digits, 1000 to 9999).",
    )
    code = "invalid_postal_code"


class InvalidPhone(FieldValueError):
    __doc__ = _(
        "error_invalid_phone",
        default="This is not a valid phone number "
        "(for instance 081 12 34 56 or +32 81 12 34 56).",
    )
    code = "invalid_phone"


class IncompleteAddress(FieldValueError):
    __doc__ = _(
        "error_incomplete_address",
        default="Please give the street, number, postal code and locality.",
    )
    code = "incomplete_address"


class InvalidAddress(FieldValueError):
    __doc__ = _(
        "error_invalid_address",
        default="This address is not valid (one line of text per part).",
    )
    code = "invalid_address"


class DateTooEarly(TooSmall):
    __doc__ = _("error_date_too_early", default="This date is too early.")
    code = "date_too_early"


class DateTooLate(TooBig):
    __doc__ = _("error_date_too_late", default="This date is too late.")
    code = "date_too_late"


#: Every error of this module, for the validation's table of messages.
FIELD_ERRORS = (
    InvalidNISS,
    InvalidIBAN,
    InvalidEnterpriseNumber,
    InvalidPostalCode,
    InvalidPhone,
    IncompleteAddress,
    InvalidAddress,
    DateTooEarly,
    DateTooLate,
)


# -- one-line identifiers


class INormalizedTextLine(ITextLine):
    """A line of text checked against a format and stored normalised."""


@implementer(INormalizedTextLine)
class NormalizedTextLine(TextLine):
    """Base of the identifier fields.

    ``pattern`` is checked on the trimmed value before anything else, and
    published as is in the form's JSON Schema; ``guichet_type`` names the
    check that JSON Schema cannot express (a checksum, a register).
    """

    pattern = ""
    guichet_type = ""
    error = FieldValueError
    default_max_length = 40

    def __init__(self, **kw):
        kw.setdefault("max_length", self.default_max_length)
        super().__init__(**kw)

    def _validate(self, value):
        super()._validate(value)
        self.normalize(value)

    def normalize(self, value: str) -> str:
        """The canonical form of ``value``; raises ``self.error`` if invalid."""
        value = value.strip()
        if not re.fullmatch(self.pattern, value):
            raise self.error(value)
        try:
            return self._normalize(value)
        except (StdnumError, ValueError):
            raise self.error(value) from None

    def _normalize(self, value: str) -> str:
        return value


class INISS(INormalizedTextLine):
    """A Belgian national register number (NISS/INSZ) or BIS number."""


@implementer(INISS)
class NISS(NormalizedTextLine):
    """Stored as its 11 digits; the register's checksums, including those
    of people born from 2000 and of BIS numbers, are checked."""

    pattern = r"[0-9]{2}[. ]?[0-9]{2}[. ]?[0-9]{2}[- ]?[0-9]{3}[. ]?[0-9]{2}"
    guichet_type = "be-niss"
    error = InvalidNISS

    def _normalize(self, value: str) -> str:
        number = nn.compact(value)
        if nn.is_valid(number) or bis.is_valid(number):
            return number
        raise ValueError(value)


class IIBAN(INormalizedTextLine):
    """An international bank account number."""


@implementer(IIBAN)
class IBAN(NormalizedTextLine):
    """Stored compact and upper-case (``BE71096123456769``)."""

    pattern = r"[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30}"
    guichet_type = "iban"
    error = InvalidIBAN
    default_max_length = 50

    def _normalize(self, value: str) -> str:
        return stdnum.iban.validate(value)


class IEnterpriseNumber(INormalizedTextLine):
    """A Belgian enterprise number (BCE/KBO)."""


@implementer(IEnterpriseNumber)
class EnterpriseNumber(NormalizedTextLine):
    """Stored as its 10 digits (``0403170701``); ``BE``, dots and the old
    9-digit form are accepted."""

    pattern = r"(?:[Bb][Ee] ?)?[01]?[0-9]{3}[. ]?[0-9]{3}[. ]?[0-9]{3}"
    guichet_type = "be-enterprise-number"
    error = InvalidEnterpriseNumber

    def _normalize(self, value: str) -> str:
        return vat.validate(value)


class IPostalCode(INormalizedTextLine):
    """A Belgian postal code."""


@implementer(IPostalCode)
class PostalCode(NormalizedTextLine):
    """Four digits from 1000 to 9999 (there is no official list to check)."""

    pattern = r"[1-9][0-9]{3}"
    guichet_type = "be-postal-code"
    error = InvalidPostalCode
    default_max_length = 10


class IPhone(INormalizedTextLine):
    """A phone number."""

    region = TextLine(
        title=_("label_phone_region", default="Country of numbers without +"),
        description=_(
            "help_phone_region",
            default="Two-letter code of the country whose numbering plan "
            "applies to numbers given without an international prefix.",
        ),
        required=False,
        default="BE",
        min_length=2,
        max_length=2,
    )


@implementer(IPhone)
class Phone(NormalizedTextLine):
    """Belgian (``081 12 34 56``, ``0470 12 34 56``) or international
    (``+33 1 23 45 67 89``, ``0033 1 ...``) numbers, stored in E.164."""

    pattern = r"[+(]?[0-9][0-9 ./()-]{5,29}"
    guichet_type = "phone"
    error = InvalidPhone

    def __init__(self, region: str = "BE", **kw):
        self.region = region
        super().__init__(**kw)

    def form_problems(self) -> list[str]:
        """What makes this field unusable in a form (see forms.model)."""
        if (self.region or "BE").upper() not in phonenumbers.SUPPORTED_REGIONS:
            return [f"unknown phone region {self.region!r}"]
        return []

    def _normalize(self, value: str) -> str:
        try:
            number = phonenumbers.parse(value, (self.region or "BE").upper())
        except phonenumbers.NumberParseException:
            raise ValueError(value) from None
        if not phonenumbers.is_valid_number(number):
            raise ValueError(value)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# -- a postal address

#: The parts of an address, in display order, with their longest length.
ADDRESS_PARTS = {
    "street": 200,
    "number": 20,
    "box": 20,
    "postal_code": 10,
    "locality": 100,
}
#: The parts an address cannot go without.
REQUIRED_ADDRESS_PARTS = ("street", "number", "postal_code", "locality")
_POSTAL_CODE = PostalCode()


class IAddress(IField):
    """A Belgian postal address: street, number, box, postal code, locality."""


@implementer(IAddress)
class Address(Field):
    """Stored as a dict of its non-empty parts (trimmed text); the postal
    code as a :class:`PostalCode`."""

    _type = dict

    def _validate(self, value):
        super()._validate(value)
        self.normalize(value)

    def normalize(self, value: dict) -> dict:
        """The address to store; raises a :class:`FieldValueError`."""
        if set(value) - set(ADDRESS_PARTS):
            raise InvalidAddress(value)
        parts = {}
        for part, max_length in ADDRESS_PARTS.items():
            text = value.get(part)
            if text is None:
                continue
            if not isinstance(text, str) or len(text) > max_length:
                raise InvalidAddress(value)
            if "\n" in text or "\r" in text:
                raise InvalidAddress(value)
            if text.strip():
                parts[part] = text.strip()
        if not all(part in parts for part in REQUIRED_ADDRESS_PARTS):
            raise IncompleteAddress(value)
        try:
            parts["postal_code"] = _POSTAL_CODE.normalize(parts["postal_code"])
        except InvalidPostalCode:
            raise InvalidPostalCode(value) from None
        return parts


def format_address(address: dict) -> str:
    """An address on one line, as written in Belgium."""
    street = f"{address.get('street', '')} {address.get('number', '')}".strip()
    if address.get("box"):
        street = f"{street} bte {address['box']}"
    return f"{street}, {address.get('postal_code', '')} {address.get('locality', '')}"


# -- dates relative to the day they are given


def today() -> date:
    """Today in the site's time zone."""
    return datetime.now(site_timezone()).date()


class IRelativeDate(IDate):
    """A date whose bounds are counted in days from the day it is given."""

    # Fixed bounds too, as dates (IDate's are untyped, and the form editor
    # could not show them).
    min = Date(title=IDate["min"].title, required=False)
    max = Date(title=IDate["max"].title, required=False)

    min_days = Int(
        title=_("label_min_days", default="Earliest date, in days from today"),
        description=_(
            "help_min_days",
            default="0: not before today; 1: from tomorrow; -30: at most 30 days ago.",
        ),
        required=False,
    )
    max_days = Int(
        title=_("label_max_days", default="Latest date, in days from today"),
        description=_(
            "help_max_days", default="0: not in the future; 14: within two weeks."
        ),
        required=False,
    )


@implementer(IRelativeDate)
class RelativeDate(Date):
    """A date not before today + ``min_days`` and not after today +
    ``max_days`` (either may be left out); ``<max_days>0</max_days>``
    says "not in the future". ``min`` and ``max`` still apply."""

    def __init__(self, min_days: int | None = None, max_days: int | None = None, **kw):
        self.min_days = min_days
        self.max_days = max_days
        super().__init__(**kw)

    def form_problems(self) -> list[str]:
        """What makes this field unusable in a form (see forms.model)."""
        if None not in (self.min_days, self.max_days) and self.min_days > self.max_days:
            return ["min_days is after max_days: no date is possible"]
        return []

    def bounds(self, day: date | None = None) -> tuple[date | None, date | None]:
        """The earliest and latest dates accepted on ``day`` (today)."""
        day = day or today()
        earliest = None if self.min_days is None else day + timedelta(self.min_days)
        latest = None if self.max_days is None else day + timedelta(self.max_days)
        return earliest, latest

    def _validate(self, value):
        super()._validate(value)
        earliest, latest = self.bounds()
        if earliest is not None and value < earliest:
            raise DateTooEarly(value, earliest)
        if latest is not None and value > latest:
            raise DateTooLate(value, latest)
