"""Files a citizen attaches (plone.namedfile's fields, as the form editor
makes them); checked and stored by forms.uploads."""

from imio.guichet.forms import uploads
from imio.guichet.forms.kinds.base import GUICHET_TYPE
from imio.guichet.forms.kinds.base import Kind
from imio.guichet.forms.kinds.base import Refused
from imio.guichet.forms.kinds.base import register
from plone.namedfile.field import NamedBlobFile
from plone.namedfile.field import NamedFile
from typing import Any


#: What Python's strict base64 decoding accepts.
BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


class FileKind(Kind):
    """Sent as ``{"filename", "data"}`` (base64) or as an upload; stored in
    ``data`` as its descriptor (:func:`uploads.descriptor`), the file itself
    as an attachment."""

    name = "file"
    field_classes = (NamedBlobFile, NamedFile)
    editor_factory = "plone.namedfile.field.NamedBlobFile"
    json_types = (dict,)
    is_file = True
    known_by_shape = True
    widget = "imio.guichet.browser.widgets.UploadFieldWidget"

    def holds(self, value: Any) -> bool:
        return isinstance(value, dict) and "filename" in value

    def from_json(self, field, value: Any) -> uploads.CheckedUpload:
        # The procedure the form belongs to (the field is bound to it) sets
        # the limits; the field may narrow them.
        limits = uploads.upload_limits(field.context, field)
        try:
            if not isinstance(value, uploads.Upload):
                value = uploads.upload_from_json(value, limits)
            return uploads.check_upload(value, limits)
        except uploads.UploadRefused as refused:
            raise Refused(refused.code) from None

    def json_schema(self, field, language) -> dict:
        limits = uploads.upload_limits(field.context, field)
        return {
            "type": "object",
            "properties": {
                "filename": {"type": "string", "minLength": 1},
                "content-type": {"type": "string"},
                "encoding": {"const": "base64"},
                "data": {
                    "type": "string",
                    "contentEncoding": "base64",
                    "minLength": 4,  # an empty file is refused
                    "maxLength": limits.max_base64_length,
                    "pattern": BASE64,
                },
            },
            "required": ["filename", "data"],
            "additionalProperties": False,
            GUICHET_TYPE: "file",
            # Checked on the content itself, not on the declared content-type.
            "x-guichet-allowed-types": limits.allowed_content_types,
            "x-guichet-max-size": limits.max_size,
            # Per request, all file fields together (a field holds one file).
            "x-guichet-max-files": limits.max_files,
        }

    def form_problems(self, field) -> list[str]:
        return super().form_problems(field) + uploads.file_settings_problems(field)

    def display(self, field, value, language) -> str:
        size = value.get("size")
        name = str(value["filename"])
        if size is None:
            return name
        return f"{name} ({uploads.format_size(size, language)})"

    def export_cell(self, field, value) -> str:
        return str(value["filename"])  # the file itself is an attachment

    def from_widget(self, field, value) -> uploads.Upload:
        # Checked by the core like a file sent to the REST API.
        return uploads.Upload(filename=value.filename or "", data=value.data)


FILE = register(FileKind())
