"""JSON representation of submissions for the REST API.

Serialising never touches the stored object: ``data`` and ``history`` are
deep-copied, so a caller changing the answer cannot change the store.
"""

from copy import deepcopy
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.submissions.storage import Submission
from plone import api


def procedure_summaries(uids) -> dict[str, dict]:
    """``@id``, UID and title of procedures, in one catalog query."""
    brains = find_online_forms(UID=list(set(uids)))
    return {
        brain.UID: {"@id": brain.getURL(), "UID": brain.UID, "title": brain.Title}
        for brain in brains
    }


def submission_url(submission: Submission) -> str:
    """Where the API serves the submission."""
    return f"{api.portal.get().absolute_url()}/@submissions/{submission.id}"


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
    }
    if full:
        result["history"] = deepcopy(list(submission.history))
        result["attachments"] = attachment_links(submission)
    return result
