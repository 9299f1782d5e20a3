"""Files sent with a message or an answer, by a citizen or by staff: read
and checked against the procedure's limits before anything is stored."""

from collections.abc import Mapping
from collections.abc import Sequence
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidData
from imio.guichet.forms.uploads import CheckedUpload
from imio.guichet.forms.uploads import MESSAGES
from imio.guichet.forms.uploads import Upload
from imio.guichet.forms.uploads import upload_from_json
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.forms.uploads import UploadRefused
from imio.guichet.submissions import handling
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.storage import Submission
from typing import Any


def _upload(part: Any, limits) -> Upload:
    """A file object of the API (base64 JSON) or an uploaded part of a page
    (``filename`` and ``read(size)``)."""
    if isinstance(part, Mapping):
        return upload_from_json(part, limits)
    # No further than the limit (one byte more, so that the size check
    # refuses a larger file).
    return Upload(part.filename, part.read(limits.max_size + 1))


def checked_files(submission: Submission, parts: Sequence[Any]) -> list[CheckedUpload]:
    """``parts`` checked against the limits of the submission's procedure
    (types, sizes, number); raises :class:`InvalidData` on the field
    ``files``, as every channel shows it."""
    if not parts:
        return []
    limits = upload_limits(find_procedure(submission.procedure_uid))
    try:
        if len(parts) > limits.max_files:
            raise UploadRefused("too_many_files")
        uploads = [_upload(part, limits) for part in parts]
        return handling.check_reply_files(limits, uploads)
    except UploadRefused as refused:
        error = FieldError("files", refused.code, MESSAGES[refused.code])
        raise InvalidData([error]) from refused
