"""Files attached to a submission, stored as ZODB blobs.

A submission's ``attachments`` maps a name (the form field's) to an
:class:`Attachment`; its ``data`` keeps only a small descriptor of each
file (:func:`imio.guichet.forms.uploads.descriptor`). The content is never
in ``data``, in the catalog, or in memory when it is served: downloads
stream the blob's committed file.
"""

from collections.abc import Iterator
from imio.guichet.forms.uploads import CheckedUpload
from persistent import Persistent
from urllib.parse import quote
from ZODB.blob import Blob
from ZPublisher.Iterators import filestream_iterator

import re
import unicodedata


class Attachment(Persistent):
    """One file: its blob and what was checked about it."""

    def __init__(self, upload: CheckedUpload):
        self.filename = upload.filename
        self.content_type = upload.content_type  # sniffed, never declared
        self.size = upload.size
        self.sha256 = upload.sha256
        self.blob = Blob()
        with self.blob.open("w") as stream:
            stream.write(upload.data)


def make_attachments(uploads: dict[str, CheckedUpload]) -> dict[str, Attachment]:
    """Blobs for checked files, by name (a dict replaced as a whole)."""
    return {name: Attachment(upload) for name, upload in uploads.items()}


def find_attachment(submission, name: str) -> Attachment | None:
    """The submission's attachment called ``name``, or None."""
    attachments = submission.attachments or {}
    return attachments.get(name) if isinstance(name, str) else None


def stream(attachment: Attachment) -> Iterator[bytes] | bytes:
    """The content, as a file iterator on the committed blob (streamed by
    the publisher without reading it into memory)."""
    if attachment.blob._p_blob_uncommitted:  # same transaction: tests only
        with attachment.blob.open("r") as data:
            return data.read()
    return filestream_iterator(attachment.blob.committed(), "rb")


def content_disposition(filename: str) -> str:
    """``attachment`` with the name in ASCII for old clients and in UTF-8
    (RFC 6266/5987) for the others; nothing that could break the header."""
    # Accents dropped (é -> e), other letters replaced (日 -> _).
    ascii_name = "".join(
        char if char.isascii() else "" if unicodedata.combining(char) else "_"
        for char in unicodedata.normalize("NFKD", filename)
    )
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip(" ").lstrip(".")
    ascii_name = ascii_name or "file"
    utf8_name = quote(filename, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
