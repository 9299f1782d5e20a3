"""A submission as JSON: what the REST API answers and JSON Lines exports
contain.

Serialising never touches the stored object: ``data`` and ``history`` are
deep-copied, so a caller changing the answer cannot change the store.
"""

from copy import deepcopy
from imio.guichet.submissions.storage import Submission
from imio.guichet.urls import submission_url


def attachment_links(submission: Submission) -> list[dict]:
    """Where to download each file of the submission, and what it is."""
    url = submission_url(submission)
    return [
        {
            "@id": f"{url}/@attachments/{name}",
            "name": name,
            "filename": attachment.filename,
            "content-type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        }
        for name, attachment in sorted((submission.attachments or {}).items())
    ]


def serialize_submission(
    submission: Submission, procedures: dict[str, dict], *, full: bool = True
) -> dict:
    """``procedures``: summaries by UID (:func:`imio.guichet.urls.procedure_summaries`);
    ``full`` adds the history and the files (not in listings)."""
    result = {
        "@id": submission_url(submission),
        "@type": "Submission",
        "id": submission.id,
        "reference": submission.reference,
        "procedure": procedures.get(
            submission.procedure_uid, {"@id": None, "UID": submission.procedure_uid}
        ),
        "schema_version": submission.schema_version,
        "state": submission.state,
        "created": submission.created.isoformat(),
        "modified": submission.modified.isoformat(),
        "submitter": submission.submitter,
        "language": submission.language,
        "data": deepcopy(submission.data),
        "acknowledgement": deepcopy(submission.acknowledgement),
        "verified_identity": deepcopy(submission.verified_identity),
    }
    if full:
        result["history"] = deepcopy(list(submission.history))
        result["attachments"] = attachment_links(submission)
    return result
