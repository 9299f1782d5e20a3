"""Files sent with a form: decoding, limits, and what they really are.

A file reaches :func:`imio.guichet.forms.validation.clean_data` either as
an :class:`Upload` (the HTML form) or as the JSON object that plone.restapi
uses for files, ``{"filename", "content-type", "data"}`` with ``data`` in
base64 (``POST @submissions``). Both are checked here the same way against
the procedure's limits (:func:`upload_limits`): size, number of files and
an allow-list of types, recognised from the first bytes of the content
(:func:`sniff`), never from the file name or the declared content type.
Nothing is stored here: the checked files go back to the caller, which
stores them only once every field of the submission is valid.
"""

from babel.numbers import format_decimal
from dataclasses import dataclass
from functools import cached_property
from imio.guichet import _
from imio.guichet.forms.namespace import FILE_TYPES_KEY
from imio.guichet.forms.namespace import MAX_FILE_SIZE_KEY
from imio.guichet.forms.namespace import tagged
from imio.guichet.i18n import default_language
from io import BytesIO
from typing import Any
from zope.i18nmessageid import Message
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary

import base64
import binascii
import hashlib
import math
import os
import re
import unicodedata
import zipfile


#: File types a procedure may accept: key -> (content type, label).
FILE_TYPES = {
    "pdf": ("application/pdf", "PDF"),
    "png": ("image/png", "PNG"),
    "jpeg": ("image/jpeg", "JPEG"),
    "odt": ("application/vnd.oasis.opendocument.text", "OpenDocument (ODT)"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (DOCX)",
    ),
}
FILE_TYPE_VOCABULARY = SimpleVocabulary(
    [SimpleTerm(key, key, label) for key, (_type, label) in FILE_TYPES.items()]
)

DEFAULT_MAX_FILE_SIZE_MB = 10
DEFAULT_MAX_FILES = 5
DEFAULT_ALLOWED_TYPES = ("pdf", "png", "jpeg")
MAX_FILENAME_LENGTH = 200

MESSAGES = {
    "empty_file": _("error_empty_file", default="This file is empty."),
    "file_too_large": _(
        "error_file_too_large", default="This file is larger than allowed."
    ),
    "too_many_files": _(
        "error_too_many_files", default="Too many files are attached to this request."
    ),
    "file_type": _(
        "error_file_type",
        default="This type of file is not accepted here (the accepted types "
        "are listed with the field).",
    ),
    "invalid_base64": _(
        "error_invalid_base64", default="The file's data is not valid base64."
    ),
    "invalid_file": _(
        "error_invalid_file",
        default='A file must be sent as {"filename", "content-type", "data"}.',
    ),
}


class UploadRefused(ValueError):
    """A file cannot be accepted; ``code`` is a key of :data:`MESSAGES`."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Upload:
    """A file as a citizen sent it (the declared type is never trusted)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check, ready to be stored."""

    filename: str
    content_type: str  # sniffed
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @cached_property  # computed once for the descriptor and the blob
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class UploadLimits:
    """What a procedure accepts: bytes per file, files, and type keys."""

    max_size: int
    max_files: int
    allowed_types: tuple[str, ...]

    @property
    def allowed_content_types(self) -> list[str]:
        return [FILE_TYPES[key][0] for key in self.allowed_types]

    @property
    def allowed_labels(self) -> list[str]:
        return [FILE_TYPES[key][1] for key in self.allowed_types]

    @property
    def max_base64_length(self) -> int:
        return 4 * math.ceil(self.max_size / 3)

    def max_size_mb(self, language: str | None = None) -> str:
        """The largest file in MB, as readers of ``language`` write the
        number (``10``; ``1,5`` in French, ``1.5`` in English): the
        messages that show it say the unit."""
        return _size_number(self.max_size / _MEGABYTE, language)

    def in_words(self, language: str | None = None) -> Message:
        """ "PDF, PNG or JPEG, up to 10 MB" (translated where it is shown,
        its number written for readers of ``language``; None: the site's
        default language)."""
        return _(
            "text_file_limits",
            default="${types}, up to ${size} MB",
            mapping={
                "types": or_list(self.allowed_labels),
                "size": self.max_size_mb(language),
            },
        )


def or_list(items: list[str]) -> str | Message:
    """ "PDF, PNG or JPEG": the last item joined with the reader's "or"."""
    if len(items) < 2:
        return "".join(items)
    return _(
        "list_or",
        default="${items} or ${last}",
        mapping={"items": ", ".join(items[:-1]), "last": items[-1]},
    )


#: A submission's fields, without files, never need a larger request body.
FORM_BODY_BYTES = 1_000_000


def max_body_size(limits: UploadLimits, files: int) -> int:
    """The largest request body a submission with ``files`` files may need:
    its fields, and each file as large as ``limits`` allow, in base64 (as
    the REST API takes them; an HTML form's multipart body needs less)."""
    return FORM_BODY_BYTES + files * limits.max_base64_length


def default_max_body_size() -> int:
    """The server's default body limit (``MAX_BODY`` of ``make instance``):
    a submission with as many files as a procedure takes by default, each
    as large as it accepts by default. A site whose procedures accept more
    sets ``MAX_BODY`` (docs/deployment.md)."""
    limits = UploadLimits(
        max_size=DEFAULT_MAX_FILE_SIZE_MB * 1024 * 1024,
        max_files=DEFAULT_MAX_FILES,
        allowed_types=DEFAULT_ALLOWED_TYPES,
    )
    return max_body_size(limits, limits.max_files)


#: The environment variable in which the instance states the largest request
#: body its server reads (``make instance`` writes ``MAX_BODY`` there, in
#: zope.conf's ``<environment>``): the body limit is the server's, outside
#: the site, and this is how the site learns it.
MAX_BODY_VARIABLE = "GUICHET_MAX_BODY"

_KILOBYTE = 1024
_MEGABYTE = 1024 * 1024

#: The units of a size as each language writes them (docs/glossary.md):
#: French counts octets; another language is written as English is.
SIZE_UNITS = {
    "fr": ("o", "Ko", "Mo"),
    "en": ("B", "KB", "MB"),
}


def _size_number(value: float, language: str | None) -> str:
    """A size's number with at most one decimal, with the decimal sign of
    ``language`` (the site's default language when None)."""
    # Here, not above: importing the kinds would register them first.
    from imio.guichet.forms.kinds.numbers import locale_of

    return format_decimal(
        value, format="0.#", locale=locale_of(language or default_language())
    )


def format_size(size: int, language: str | None = None) -> str:
    """``size`` bytes as readers of ``language`` write a size (the site's
    default language when None): 900 o, 12 Ko, 1,2 Mo in French; 12 KB,
    1,2 MB in Dutch and German; 1.2 MB in English."""
    language = language or default_language()
    base = language.split("-")[0].lower()
    byte, kilobyte, megabyte = SIZE_UNITS.get(base, SIZE_UNITS["en"])
    if size < _KILOBYTE:
        return f"{size} {byte}"
    if size < _MEGABYTE:
        return f"{size / _KILOBYTE:.0f} {kilobyte}"
    return f"{_size_number(size / _MEGABYTE, language)} {megabyte}"


def server_max_body() -> int | None:
    """The largest request body the server reads, as the instance states
    it in :data:`MAX_BODY_VARIABLE`; None when it does not say (or says
    something that is not a number): then the site cannot check."""
    value = os.environ.get(MAX_BODY_VARIABLE, "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def largest_file_mb(max_body: int) -> int:
    """The largest file size (whole MB) one file of a submission may have
    for its body to fit in ``max_body`` bytes (0: not even 1 MB)."""
    return max(0, max_body - FORM_BODY_BYTES) // 4 * 3 // _MEGABYTE


def most_files(max_body: int, max_file_size_mb: int) -> int:
    """How many files of ``max_file_size_mb`` a submission may have for its
    body to fit in ``max_body`` bytes."""
    limits = UploadLimits(
        max_size=max_file_size_mb * _MEGABYTE, max_files=0, allowed_types=()
    )
    return max(0, (max_body - FORM_BODY_BYTES) // limits.max_base64_length)


@dataclass(frozen=True)
class FileFieldSettings:
    """What a file field sets itself (``guichet:file-types``,
    ``guichet:max-file-size``); None: the procedure's."""

    allowed_types: tuple[str, ...] | None = None
    max_size_mb: int | None = None

    def as_tags(self) -> dict[str, str | None]:
        """The tagged values that hold these settings (None: not set)."""
        return {
            FILE_TYPES_KEY: ",".join(self.allowed_types)
            if self.allowed_types
            else None,
            MAX_FILE_SIZE_KEY: None
            if self.max_size_mb is None
            else str(self.max_size_mb),
        }


def _type_keys(text: str) -> list[str]:
    return [key for key in re.split(r"[\s,]+", text.strip().lower()) if key]


def file_settings_problems(field) -> list[str]:
    """What makes a file field's own settings unusable (checked when the
    form is saved)."""
    problems = []
    types = tagged(field, FILE_TYPES_KEY)
    if types is not None:
        unknown = [key for key in _type_keys(types) if key not in FILE_TYPES]
        if unknown or not _type_keys(types):
            problems.append(
                "guichet:file-types must name file types among " + ", ".join(FILE_TYPES)
            )
    size = tagged(field, MAX_FILE_SIZE_KEY)
    digits = (size or "").strip()
    if size is not None and not (
        digits.isascii() and digits.isdigit() and int(digits) > 0
    ):
        problems.append("guichet:max-file-size must be a whole number of MB above 0")
    return problems


def file_field_settings(field) -> FileFieldSettings:
    """The file field's own settings (what :func:`file_settings_problems`
    would refuse is left out: the procedure's limits hold)."""
    if field is None or file_settings_problems(field):
        return FileFieldSettings()
    types = tagged(field, FILE_TYPES_KEY)
    size = tagged(field, MAX_FILE_SIZE_KEY)
    return FileFieldSettings(
        allowed_types=None
        if types is None
        else tuple(key for key in FILE_TYPES if key in _type_keys(types)),
        max_size_mb=None if size is None else int(size),
    )


def upload_limits(procedure, field=None) -> UploadLimits:
    """The procedure's upload limits (defaults where it sets none),
    narrowed by the file ``field``'s own settings when one is given: a
    field may accept fewer types or smaller files, never more than its
    procedure (what it sets beyond is not taken)."""
    size_mb = getattr(procedure, "max_file_size", None) or DEFAULT_MAX_FILE_SIZE_MB
    max_files = getattr(procedure, "max_files", None)
    allowed = getattr(procedure, "allowed_file_types", None)
    allowed = DEFAULT_ALLOWED_TYPES if allowed is None else allowed
    own = file_field_settings(field)
    if own.max_size_mb is not None:
        size_mb = min(size_mb, own.max_size_mb)
    return UploadLimits(
        max_size=int(size_mb * 1024 * 1024),
        max_files=DEFAULT_MAX_FILES if max_files is None else max_files,
        allowed_types=tuple(
            key
            for key in FILE_TYPES
            if key in allowed
            and (own.allowed_types is None or key in own.allowed_types)
        ),
    )


def types_beyond_procedure(procedure, types) -> Message | None:
    """Why a file field may not accept ``types`` (keys): some are not
    among what its procedure accepts; None when all are."""
    accepted = upload_limits(procedure).allowed_types
    if all(key in accepted for key in types or ()):
        return None
    if not accepted:
        return _(
            "error_file_types_none_in_procedure",
            default="The procedure accepts no type of file (Online form "
            "settings): choose its types there first.",
        )
    return _(
        "error_file_types_beyond_procedure",
        default="The procedure accepts only ${types} (Online form settings): "
        "a field may accept fewer types, not others.",
        mapping={"types": or_list([FILE_TYPES[key][1] for key in accepted])},
    )


def size_beyond_procedure(
    procedure, size_mb: int | None, language: str | None
) -> Message | None:
    """Why a file field may not accept files of ``size_mb``: larger than
    its procedure accepts; None when it is not. The procedure's limit is
    written for readers of ``language``, the page's that the webmaster
    reads (the view or service passes it; None: the site's default)."""
    limits = upload_limits(procedure)
    if size_mb is None or size_mb * _MEGABYTE <= limits.max_size:
        return None
    return _(
        "error_file_size_beyond_procedure",
        default="The procedure accepts files of ${size} MB at most (Online "
        "form settings): a field may lower this limit, not raise it.",
        mapping={"size": limits.max_size_mb(language)},
    )


# -- what a file really is


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").strip().decode("ascii", "replace")
                return "odt" if mimetype == FILE_TYPES["odt"][0] else None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The key in :data:`FILE_TYPES` of what ``data`` is, from its content;
    None for anything else (an executable named ``.pdf`` included)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


# -- decoding and checking

#: Characters a file name loses: control characters, lone surrogates, and
#: the bidirectional controls that make "fdp.exe" look like "exe.pdf" on the
#: staff pages (U+200E/F marks, U+202A-E embeddings and overrides, U+2066-9
#: isolates).
_UNSAFE_IN_NAME = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
#: The extensions a name may keep for each detected type; the first one is
#: added to a name that has none of them.
EXTENSIONS = {
    "pdf": (".pdf",),
    "png": (".png",),
    "jpeg": (".jpg", ".jpeg", ".jpe"),
    "odt": (".odt",),
    "docx": (".docx",),
}


def clean_filename(filename: str, kind: str | None = None) -> str:
    """The file's own name, as the staff pages, the download and the
    exports show it: without a client's path, control or bidirectional
    characters, and, for a file detected as ``kind`` (a key of
    :data:`FILE_TYPES`), ending with that type's extension: a PDF sent as
    ``poly.html`` is stored as ``poly.html.pdf``, and never opened as HTML."""
    name = re.split(r"[\\/]", filename)[-1]
    name = _UNSAFE_IN_NAME.sub("", unicodedata.normalize("NFC", name)).strip()
    extensions = EXTENSIONS.get(kind, ())
    if extensions and not name.lower().endswith(extensions):
        suffix = extensions[0]
        return (name[: MAX_FILENAME_LENGTH - len(suffix)] or "file") + suffix
    return name[-MAX_FILENAME_LENGTH:] or "file"


#: The keys of plone.restapi's file object (``encoding`` may only be base64).
FILE_OBJECT_KEYS = {"filename", "content-type", "data", "encoding"}


def upload_from_json(value: Any, limits: UploadLimits) -> Upload:
    """Decode plone.restapi's file object; :class:`UploadRefused` if it is
    not one, or if its base64 is not strict (alphabet and padding)."""
    if not isinstance(value, dict) or set(value) - FILE_OBJECT_KEYS:
        raise UploadRefused("invalid_file")
    if value.get("encoding", "base64") != "base64":  # plone.restapi's key
        raise UploadRefused("invalid_file")
    filename, data = value.get("filename"), value.get("data")
    content_type = value.get("content-type", "")
    if not isinstance(filename, str) or not filename.strip():
        raise UploadRefused("invalid_file")
    if not isinstance(data, str) or not isinstance(content_type, str):
        raise UploadRefused("invalid_file")
    if len(data) > limits.max_base64_length:
        raise UploadRefused("file_too_large")  # not even decoded
    try:
        decoded = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise UploadRefused("invalid_base64") from None
    return Upload(filename=filename, data=decoded)


def check_upload(upload: Upload, limits: UploadLimits) -> CheckedUpload:
    """The upload if the procedure accepts it; :class:`UploadRefused`."""
    if not upload.data:
        raise UploadRefused("empty_file")
    if len(upload.data) > limits.max_size:
        raise UploadRefused("file_too_large")
    kind = sniff(upload.data)
    if kind is None or kind not in limits.allowed_types:
        raise UploadRefused("file_type")
    return CheckedUpload(
        filename=clean_filename(upload.filename, kind),
        content_type=FILE_TYPES[kind][0],
        data=upload.data,
    )


def descriptor(checked: CheckedUpload, attachment: str) -> dict:
    """What ``data`` keeps of a file: never its content."""
    return {
        "filename": checked.filename,
        "content-type": checked.content_type,
        "size": checked.size,
        "sha256": checked.sha256,
        "attachment": attachment,
    }
