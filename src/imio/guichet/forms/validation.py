"""Server-side validation of submitted data, shared by every channel.

The HTML form and ``POST @submissions`` both end here: the data is given
as JSON-compatible values (what a JSON body holds), checked field by field
against the form's zope.schema fields, and returned as JSON-compatible
values ready to store. Nothing is stored unless every field is valid.
"""

from collections.abc import Mapping
from imio.guichet import _
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidData
from imio.guichet.forms import kinds
from imio.guichet.forms import uploads
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.conditions import is_shown
from imio.guichet.forms.fields import Address
from imio.guichet.forms.fields import FIELD_ERRORS
from imio.guichet.forms.fields import NormalizedTextLine
from imio.guichet.forms.fields import RelativeDate
from imio.guichet.forms.kinds.numbers import decimals_of
from imio.guichet.forms.kinds.text import DEFAULT_MAX_LENGTH  # noqa: F401
from imio.guichet.forms.kinds.text import max_text_length  # noqa: F401
from imio.guichet.i18n import counted
from imio.guichet.i18n import default_language
from typing import Any
from zope.i18nmessageid import Message
from zope.schema import getFieldsInOrder
from zope.schema.interfaces import ICollection
from zope.schema.interfaces import IDate
from zope.schema.interfaces import IDatetime
from zope.schema.interfaces import IMinMaxLen
from zope.schema.interfaces import NotUnique
from zope.schema.interfaces import RequiredMissing
from zope.schema.interfaces import TooBig
from zope.schema.interfaces import TooLong
from zope.schema.interfaces import TooShort
from zope.schema.interfaces import TooSmall
from zope.schema.interfaces import ValidationError
from zope.schema.interfaces import WrongType


__all__ = ["FieldError", "InvalidData", "clean_data", "to_json"]


class _Refused(Exception):
    def __init__(self, code: str, message: Message):
        self.code = code
        self.message = message


MESSAGES = {
    "required": _("error_required", default="This field is required."),
    "unknown_field": _("error_unknown_field", default="This form has no such field."),
    "wrong_type": _("error_wrong_type", default="This value has the wrong type."),
    "invalid_choice": _(
        "error_invalid_choice", default="This value is not one of the choices."
    ),
    "too_long": _("error_too_long", default="This value is too long."),
    "too_short": _("error_too_short", default="This value is too short."),
    "too_small": _("error_too_small", default="This value is too small."),
    "too_big": _("error_too_big", default="This value is too big."),
    "not_unique": _("error_not_unique", default="A choice is repeated."),
    "too_many_decimals": _(
        "error_too_many_decimals", default="This number has too many decimals."
    ),
    "invalid_email": _(
        "error_invalid_email", default="This is not a valid e-mail address."
    ),
    "invalid_uri": _("error_invalid_uri", default="This is not a valid web address."),
    "invalid_date": _(
        "error_invalid_date", default="This is not a valid date (YYYY-MM-DD)."
    ),
    "invalid_datetime": _(
        "error_invalid_datetime",
        default="This is not a valid date and time (YYYY-MM-DDTHH:MM).",
    ),
    "single_line": _("error_single_line", default="This value must fit on one line."),
    "invalid_characters": _(
        "error_invalid_characters",
        default="This value holds characters that cannot be used here "
        "(control characters).",
    ),
    "invalid": _("error_invalid", default="This value is not valid."),
    **{error.code: error.__doc__ for error in FIELD_ERRORS},
    **uploads.MESSAGES,
}


def _refuse(code: str, field=None, language: str | None = None) -> _Refused:
    """The refusal ``code``, its limit written for readers of ``language``
    (:func:`refusal_message`)."""
    message = refusal_message(field, code, language) if field else MESSAGES[code]
    return _Refused(code, message)


def _shown(field, limit, language: str | None = None) -> str:
    """A limit as readers of ``language`` write it (a date as 31/12/2026
    in French, 31.12.2026 in German; 2,5 in French); the site's default
    language when None."""
    return str(kinds.display(field, to_json(field, limit), language))


def _text_bounds(field) -> tuple[Any, Any]:
    if not IMinMaxLen.providedBy(field) or ICollection.providedBy(field):
        return None, None
    return field.min_length or None, max_text_length(field)


def _value_bounds(field) -> tuple[Any, Any]:
    lowest = getattr(field, "min", None)
    highest = getattr(field, "max", None)
    earliest, latest = (
        field.bounds() if isinstance(field, RelativeDate) else (None,) * 2
    )
    if earliest is not None:
        lowest = earliest if lowest is None else max(lowest, earliest)
    if latest is not None:
        highest = latest if highest is None else min(highest, latest)
    return lowest, highest


def _file_limits(field) -> uploads.UploadLimits:
    """The field's own limits within its procedure's (the field is bound
    to the procedure)."""
    return uploads.upload_limits(getattr(field, "context", None), field)


#: The fewest characters a text takes (i18n.counted).
AT_LEAST_CHARACTERS = {
    "one": _(
        "error_too_short_limit_one",
        default="Please write at least ${count} character.",
    ),
    "other": _(
        "error_too_short_limit_other",
        default="Please write at least ${count} characters.",
    ),
}
#: The most characters a text takes (i18n.counted).
AT_MOST_CHARACTERS = {
    "one": _(
        "error_too_long_limit_one",
        default="Please write at most ${count} character.",
    ),
    "other": _(
        "error_too_long_limit_other",
        default="Please write at most ${count} characters.",
    ),
}
#: The most decimals a number takes, 1 or more (i18n.counted).
AT_MOST_DECIMALS = {
    "one": _(
        "error_too_many_decimals_limit_one",
        default="Please give at most ${count} decimal.",
    ),
    "other": _(
        "error_too_many_decimals_limit_other",
        default="Please give at most ${count} decimals.",
    ),
}
#: A decimal number field that takes no decimals: no count ("at most 0
#: decimals"; French would say "0 décimale").
NO_DECIMALS = _(
    "error_too_many_decimals_none",
    default="Please give a whole number, without decimals.",
)


def _decimals_message(limit: int, language: str | None) -> Message:
    if limit == 0:
        return NO_DECIMALS
    return counted(AT_MOST_DECIMALS, limit, language)


#: The refusals that can say the limit: code -> (the limit of a field,
#: or None; the message saying it, given the limit as the reader writes
#: it and the reader's language, how the counted ones are counted).
_LIMITS = {
    "too_short": (
        lambda field: _text_bounds(field)[0],
        lambda limit, language: counted(AT_LEAST_CHARACTERS, limit, language),
    ),
    "too_long": (
        lambda field: _text_bounds(field)[1],
        lambda limit, language: counted(AT_MOST_CHARACTERS, limit, language),
    ),
    "too_small": (
        lambda field: _value_bounds(field)[0],
        lambda limit, language: _(
            "error_too_small_limit",
            default="The smallest value accepted is ${limit}.",
            mapping={"limit": limit},
        ),
    ),
    "too_big": (
        lambda field: _value_bounds(field)[1],
        lambda limit, language: _(
            "error_too_big_limit",
            default="The largest value accepted is ${limit}.",
            mapping={"limit": limit},
        ),
    ),
    "too_many_decimals": (decimals_of, _decimals_message),
    "date_too_early": (
        lambda field: _value_bounds(field)[0],
        lambda limit, language: _(
            "error_date_too_early_limit",
            default="The date must be ${limit} or later.",
            mapping={"limit": limit},
        ),
    ),
    "date_too_late": (
        lambda field: _value_bounds(field)[1],
        lambda limit, language: _(
            "error_date_too_late_limit",
            default="The date must be ${limit} or earlier.",
            mapping={"limit": limit},
        ),
    ),
}
_FILE_LIMITS = {
    "file_type": lambda limits, language: _(
        "error_file_type_limits",
        default="This type of file is not accepted here: ${limits}.",
        mapping={"limits": limits.in_words(language)},
    ),
    "file_too_large": lambda limits, language: _(
        "error_file_too_large_limits",
        default="This file is too large: ${limits}.",
        mapping={"limits": limits.in_words(language)},
    ),
}

#: A date's fixed bounds are said as dates ("the date must be 31/12/2026
#: or earlier"), as its bounds counted from today are; the code stays.
_DATE_MESSAGES = {"too_small": "date_too_early", "too_big": "date_too_late"}

#: The refusals whose message says the field's limit.
LIMITED_REFUSALS = frozenset(_LIMITS) | frozenset(_FILE_LIMITS)


def refusal_message(field, code: str, language: str | None = None) -> Message:
    """What the refusal ``code`` of a value of ``field`` says: what is
    allowed, when the field has a limit ("at least 3 characters", "the
    date must be 31/12/2026 or earlier"), else the plain message. The same
    on every channel (the HTML form asks it too, see browser.errors). The
    limit is written as readers of ``language`` write it, and counted as
    they count ("1 character", "2 characters"; None: the site's default
    language)."""
    language = language or default_language()
    kind = kinds.kind_of(field)
    if code in _FILE_LIMITS and kind is not None and kind.is_file:
        return _FILE_LIMITS[code](_file_limits(field), language)
    if code in _DATE_MESSAGES and (
        IDate.providedBy(field) or IDatetime.providedBy(field)
    ):
        code = _DATE_MESSAGES[code]
    if code in _LIMITS:
        limit_of, message = _LIMITS[code]
        try:
            limit = limit_of(field)
        except (TypeError, ValueError, AttributeError):
            limit = None
        if limit is not None:
            shown = (
                limit
                if code in ("too_short", "too_long", "too_many_decimals")
                else _shown(field, limit, language)
            )
            return message(shown, language)
    return MESSAGES[code]


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value)


def _from_json(field, value: Any, language: str | None = None) -> Any:
    """Convert a JSON value to the Python value the zope.schema field takes
    (refused with its limit written for readers of ``language``)."""
    try:
        return kinds.from_json(field, value)
    except kinds.Refused as refused:
        raise _refuse(refused.code, field, language) from None


def unvalidated_value(field, value: Any) -> Any:
    """The Python value that the JSON ``value`` stands for in ``field``,
    converted but not validated (a draft shown again may be incomplete or
    wrong); None when it is empty or does not convert."""
    if is_empty(value):
        return None
    try:
        return _from_json(field, value)
    except _Refused:
        return None


def to_json(field, value: Any) -> Any:
    """Convert a validated Python value to what is stored and sent as JSON
    (its kind says how: see forms.kinds)."""
    return kinds.to_json(field, value)


def unvalidated_json(field, value: Any) -> Any:
    """:func:`to_json` without the canonical form of identifiers and
    addresses (which checks them): what a draft keeps of a value."""
    if isinstance(field, NormalizedTextLine | Address):
        return value
    return to_json(field, value)


def _code_for(error: ValidationError, field) -> str:
    if getattr(error, "code", None) in MESSAGES:
        return error.code  # the guichet's own field types
    kind = kinds.kind_of(field)
    code = kind.error_code(error) if kind is not None else None
    if code is not None:
        return code
    for error_type, code in (
        (TooLong, "too_long"),
        (TooShort, "too_short"),
        (TooSmall, "too_small"),
        (TooBig, "too_big"),
        (NotUnique, "not_unique"),
        (WrongType, "wrong_type"),
    ):
        if isinstance(error, error_type):
            return code
    return "invalid"


def _clean_field(field, value: Any, language: str | None) -> Any:
    """The value to store for one field, None when left empty.

    Raises :class:`_Refused` when the value is not acceptable (its limit
    written for readers of ``language``).
    """
    if not is_empty(value):
        value = _from_json(field, value, language)
    if getattr(kinds.kind_of(field), "checkbox", False):
        # A checkbox: left out means unticked, and a required one (say,
        # "I accept the conditions") must be ticked.
        value = bool(value)
        if field.required and not value:
            raise _refuse("required")
    elif is_empty(value):
        if field.required:
            raise _refuse("required")
        return None
    if isinstance(value, uploads.CheckedUpload):
        return value  # stored by the caller, described in data
    try:
        field.validate(value)
    except ValidationError as error:
        raise _refuse(_code_for(error, field), field, language) from error
    return to_json(field, value)


def clean_data(
    schema,
    data: Mapping[str, Any],
    context=None,
    attachments: dict[str, uploads.CheckedUpload] | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Validate ``data`` against the form ``schema``; return what to store.

    Unknown fields, missing required fields, values of the wrong JSON type,
    impossible dates, values outside the choices and every constraint of
    the zope.schema fields are refused. Empty optional fields are left out,
    and so are the fields whose ``guichet:show-if`` does not hold (whatever
    was sent for them: see forms.conditions), which are never required.
    Raises :class:`InvalidData` listing every faulty field.

    Files are checked against the limits of ``context`` (the procedure):
    ``data`` keeps their descriptor (:func:`uploads.descriptor`) and the
    files themselves go to ``attachments``, keyed by field name, for the
    caller to store once everything is valid.

    A refusal that says a limit (a date, a number, a file's size) writes
    it for readers of ``language``: the caller's, whose language its
    message is translated into (the same on the page and over REST); None:
    the site's default language.
    """
    if not isinstance(data, Mapping):
        raise InvalidData([FieldError("", "wrong_type", MESSAGES["wrong_type"])])
    fields = getFieldsInOrder(schema)
    known = {name for name, _field in fields}
    errors = [
        FieldError(str(name), "unknown_field", MESSAGES["unknown_field"])
        for name in data
        if name not in known
    ]
    cleaned = {}
    files = {}
    max_files = uploads.upload_limits(context).max_files
    rules = conditions(schema)
    for name, unbound in fields:
        # Conditions name earlier fields only: ``cleaned`` has their verdict.
        if unbound.readonly or not is_shown(name, cleaned, rules):
            continue
        try:
            value = _clean_field(unbound.bind(context), data.get(name), language)
        except _Refused as refused:
            errors.append(FieldError(name, refused.code, refused.message))
            continue
        if isinstance(value, uploads.CheckedUpload):
            if len(files) >= max_files:
                refused = _refuse("too_many_files")
                errors.append(FieldError(name, refused.code, refused.message))
                continue
            files[name] = value
            value = uploads.descriptor(value, name)
        if value is not None:
            cleaned[name] = value
    if errors:
        raise InvalidData(errors)
    if attachments is not None:
        attachments.update(files)
    return cleaned


def refusal_code(error: ValidationError, field) -> str:
    """The code of a refusal that a form library found itself (z3c.form
    checks its widgets before the core sees the data): a page names the
    faulty field's error as the API does."""
    if isinstance(error, RequiredMissing):
        return "required"
    return _code_for(error, field)


def typed_value_code(field, typed: Any) -> str:
    """The code of the refusal of ``typed`` (text that a form library could
    not read as a value of ``field``): what the core says of it, as if it
    came in JSON ("invalid" if the core would take it)."""
    try:
        _from_json(field, typed)
    except _Refused as refused:
        return refused.code
    return "invalid"
