"""A submission as JSON: what the REST API answers and JSON Lines exports
contain.

Serialising never touches the stored object: ``data`` and ``history`` are
deep-copied, so a caller changing the answer cannot change the store
(unless it asks for ``shared`` values, to encode them at once: exports).
"""

from copy import deepcopy
from imio.guichet.submissions.storage import Submission
from imio.guichet.urls import submission_url


def _as_is(value):
    return value


def attachment_links(submission: Submission, site_url: str | None = None) -> list[dict]:
    """Where to download each file of the submission, and what it is."""
    url = submission_url(submission, site_url)
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
    submission: Submission,
    procedures: dict[str, dict],
    *,
    full: bool = True,
    site_url: str | None = None,
    shared: bool = False,
) -> dict:
    """``procedures``: summaries by UID (:func:`imio.guichet.urls.procedure_summaries`);
    ``full`` adds the history and the files (not in listings); ``site_url``
    as for :func:`~imio.guichet.urls.submission_url`; ``shared``: the stored
    answers themselves, not copies, for a caller that only encodes the
    result (never changes it)."""
    copied = _as_is if shared else deepcopy
    result = {
        "@id": submission_url(submission, site_url),
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
        "data": copied(submission.data),
        "acknowledgement": copied(submission.acknowledgement),
        "verified_identity": copied(submission.verified_identity),
        "sources": copied(submission.prefill_sources),
        "assignee": submission.assignee,
        "due": None if submission.due is None else submission.due.isoformat(),
        # Its personal data removed (retention): back offices delete theirs.
        "anonymised": submission.anonymised is not None,
        "legal_hold": submission.legal_hold is not None,
    }
    if full:
        result["history"] = copied(list(submission.history))
        result["attachments"] = attachment_links(submission, site_url)
    return result


def serialize_change(item, procedures: dict[str, dict], **options) -> dict:
    """An item of the change feed: a submission as
    :func:`serialize_submission`, or a deleted one's tombstone (its id,
    reference and procedure, ``deleted: true``)."""
    if not getattr(item, "deleted", False):
        return serialize_submission(item, procedures, **options)
    return {
        "@type": "DeletedSubmission",
        "id": item.id,
        "reference": item.reference,
        "procedure": procedures.get(
            item.procedure_uid, {"@id": None, "UID": item.procedure_uid}
        ),
        "deleted": True,
    }
