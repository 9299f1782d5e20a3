"""A Belgian postal address (forms.fields.Address)."""

from imio.guichet import _
from imio.guichet.forms import fields
from imio.guichet.forms.kinds.base import GUICHET_TYPE
from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from imio.guichet.forms.kinds.text import SINGLE_LINE
from typing import Any


class AddressKind(Kind):
    """Stored as a dict of its non-empty parts, shown on one line. Its
    widget (one input per part) is z3c.form's default widget for
    ``IAddress``, registered by the browser package (widgets.py)."""

    name = "be-address"
    field_classes = (fields.Address,)
    editor_factory = "imio.guichet.forms.fields.Address"
    editor_title = _("label_address_field", default="Postal address")
    json_types = (dict,)
    known_by_shape = True

    def holds(self, value: Any) -> bool:
        return isinstance(value, dict) and "filename" not in value

    def from_json(self, field, value: Any) -> dict:
        if not isinstance(value, dict):
            raise Refused("wrong_type")
        return value  # checked and normalised by the field

    def to_json(self, field, value: dict) -> dict:
        return field.normalize(value)

    def prefill(self, field, value: Any) -> dict | None:
        # A source's record of an address: its parts the field knows, as
        # text (a house number may come as a number).
        if not isinstance(value, dict):
            return None
        return {
            part: str(value[part])
            for part in fields.ADDRESS_PARTS
            if isinstance(value.get(part), str | int) and str(value[part]).strip()
        }

    def json_schema(self, field, language) -> dict:
        properties = {}
        for part, max_length in fields.ADDRESS_PARTS.items():
            required = part in fields.REQUIRED_ADDRESS_PARTS
            properties[part] = {
                "type": "string",
                "maxLength": max_length,
                # Trimmed on the server: a required part needs a visible character.
                "pattern": "^[^\\r\\n]*[^\\s][^\\r\\n]*$" if required else SINGLE_LINE,
            }
        properties["postal_code"]["pattern"] = f"^{fields.PostalCode.pattern}$"
        return {
            "type": "object",
            "properties": properties,
            "required": list(fields.REQUIRED_ADDRESS_PARTS),
            "additionalProperties": False,
            GUICHET_TYPE: "be-address",
        }

    def display(self, field, value, language) -> str:
        return fields.format_address(value)

    def export_cell(self, field, value) -> str:
        return fields.format_address(value)


ADDRESS = register(AddressKind())
