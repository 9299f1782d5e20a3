"""Text: a line, several lines, an e-mail address, a web address."""

from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import kind_of
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from imio.guichet.notifications.composing import bare_address
from plone.schema.email import Email
from plone.schema.email import InvalidEmail
from typing import Any
from zope.schema import Text
from zope.schema import TextLine
from zope.schema import URI
from zope.schema.interfaces import InvalidURI


#: Upper bounds applied when a form's field sets none, so that a form
#: cannot be used to store megabytes of text.
DEFAULT_MAX_LENGTH = {TextLine: 500, Text: 10_000}
#: A JSON Schema pattern: no line break.
SINGLE_LINE = "^[^\\r\\n]*$"


def max_text_length(field) -> int | None:
    """The longest text a text field takes: its own bound or the default."""
    if field.max_length is not None:
        return field.max_length
    kind = kind_of(field)
    return getattr(kind, "default_max_length", None)


def text_bounds(field) -> dict:
    """maxLength and minLength of a text field's JSON Schema."""
    bounds = {"maxLength": max_text_length(field)}
    if field.min_length:
        bounds["minLength"] = field.min_length
    return bounds


class TextKind(Kind):
    """Several lines of text, stored as typed (line breaks as ``\\n``)."""

    name = "long-text"
    field_classes = (Text,)
    editor_factory = "zope.schema._bootstrapfields.Text"
    single_line = False
    multi_line = True
    default_max_length = DEFAULT_MAX_LENGTH[Text]

    def from_json(self, field, value: Any) -> str:
        if not isinstance(value, str):
            raise Refused("wrong_type")
        # Measured before trimming, as the published JSON Schema measures it.
        if len(value) > max_text_length(field):
            raise Refused("too_long")
        if self.single_line:
            if "\n" in value or "\r" in value:
                raise Refused("single_line")
            return value.strip()
        return value.replace("\r\n", "\n")

    def json_schema(self, field, language) -> dict:
        return {"type": "string", **text_bounds(field)}

    def prefill(self, field, value: Any) -> Any:
        # A number in a text field (a postal code, a house number) is its
        # text; a record (an address's parts) is no text.
        if isinstance(value, str):
            return value
        return str(value) if isinstance(value, int | float) else None


class TextLineKind(TextKind):
    """One line of text, stored trimmed."""

    name = "text"
    field_classes = (TextLine,)
    editor_factory = "zope.schema._bootstrapfields.TextLine"
    single_line = True
    multi_line = False
    default_max_length = DEFAULT_MAX_LENGTH[TextLine]

    def json_schema(self, field, language) -> dict:
        return {**super().json_schema(field, language), "pattern": SINGLE_LINE}


class EmailKind(TextLineKind):
    """An e-mail address (checked by plone.schema, then as e-mails are
    sent)."""

    name = "email"
    field_classes = (Email,)
    editor_factory = "plone.schema.email.Email"

    def from_json(self, field, value: Any) -> str:
        text = super().from_json(field, value)
        # plone.schema takes any text with one "@" and no space (an accented
        # or quoted local part, "jeanne,autre@example.org"); the confirmation
        # could not reach such an address: refused here, next to its field,
        # by the rule the e-mails are sent by.
        if text and bare_address(text) is None:
            raise Refused("invalid_email")
        return text

    def json_schema(self, field, language) -> dict:
        return {"type": "string", **text_bounds(field), "format": "email"}

    def error_code(self, error) -> str | None:
        return "invalid_email" if isinstance(error, InvalidEmail) else None


class URIKind(TextLineKind):
    """A web address (checked by zope.schema)."""

    name = "uri"
    field_classes = (URI,)
    editor_factory = "zope.schema._field.URI"

    def json_schema(self, field, language) -> dict:
        return {"type": "string", **text_bounds(field), "format": "uri"}

    def error_code(self, error) -> str | None:
        return "invalid_uri" if isinstance(error, InvalidURI) else None


LONG_TEXT = register(TextKind())
TEXT = register(TextLineKind())
EMAIL = register(EmailKind())
URI_KIND = register(URIKind())
