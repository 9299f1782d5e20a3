"""Identifiers: Belgian national, enterprise and bank numbers, postal
codes and phone numbers (the field classes of forms.fields).

Each is stored in one canonical form (``NormalizedTextLine.normalize``)
and shown to people as they write it: ``85.07.30-033.28``,
``BE71 0961 2345 6769``, ``0403.170.701``, ``+32 81 12 34 56``.
"""

from imio.guichet import _
from imio.guichet.forms import fields
from imio.guichet.forms.kinds.base import GUICHET_TYPE
from imio.guichet.forms.kinds.base import register
from imio.guichet.forms.kinds.text import text_bounds
from imio.guichet.forms.kinds.text import TextLineKind
from stdnum.be import nn

import phonenumbers
import re
import stdnum.iban


class IdentifierKind(TextLineKind):
    """A line of text checked against a format (``field.pattern``, published
    in the JSON Schema) and a rule JSON Schema cannot express (named by
    ``field.guichet_type``), stored normalised."""

    def __init__(self, name: str, field_class: type, editor_title, display=None):
        self.name = name
        self.field_classes = (field_class,)
        self.editor_factory = f"{field_class.__module__}.{field_class.__name__}"
        self.editor_title = editor_title
        self._display = display

    def to_json(self, field, value):
        return field.normalize(value)

    def json_schema(self, field, language) -> dict:
        return {
            "type": "string",
            **text_bounds(field),
            # Checked on the trimmed value, then by x-guichet-type's rule.
            "pattern": f"^{field.pattern}$",
            GUICHET_TYPE: field.guichet_type,
        }

    def display(self, field, value, language):
        # What is not in the stored form (an older version's answer) is
        # shown as stored.
        return self._display(value) if self._display else str(value)


def _national_number(value: str) -> str:
    if not re.fullmatch(r"[0-9]{11}", value):
        raise ValueError(value)
    return nn.format(value)


def _iban(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", value):
        raise ValueError(value)
    return stdnum.iban.format(value)


def _enterprise_number(value: str) -> str:
    if not re.fullmatch(r"[0-9]{10}", value):
        raise ValueError(value)
    return f"{value[:4]}.{value[4:7]}.{value[7:]}"


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        raise ValueError(value) from None
    # Belgian numbers as Belgians write them (081 12 34 56), the others
    # with their country code (+33 1 23 45 67 89).
    national = phonenumbers.region_code_for_number(number) == "BE"
    return phonenumbers.format_number(
        number,
        phonenumbers.PhoneNumberFormat.NATIONAL
        if national
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    )


NISS = register(
    IdentifierKind(
        "be-niss",
        fields.NISS,
        _("label_niss_field", default="National register number (NISS)"),
        _national_number,
    )
)
IBAN = register(
    IdentifierKind(
        "iban",
        fields.IBAN,
        _("label_iban_field", default="Bank account (IBAN)"),
        _iban,
    )
)
ENTERPRISE_NUMBER = register(
    IdentifierKind(
        "be-enterprise-number",
        fields.EnterpriseNumber,
        _("label_enterprise_number_field", default="Enterprise number (BCE/KBO)"),
        _enterprise_number,
    )
)
POSTAL_CODE = register(
    IdentifierKind(
        "be-postal-code",
        fields.PostalCode,
        _("label_postal_code_field", default="Belgian postal code"),
    )
)
PHONE = register(
    IdentifierKind(
        "phone",
        fields.Phone,
        _("label_phone_field", default="Phone number"),
        _phone,
    )
)
