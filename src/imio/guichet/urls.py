"""Public URLs of submissions and summaries of procedures.

One place for what the REST API, the pages and the notifications all show:
where a submission is served, and which procedure it belongs to.
"""

from collections.abc import Iterable
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.submissions.storage import Submission
from plone import api


def procedure_summaries(uids: Iterable[str]) -> dict[str, dict]:
    """``@id``, UID and title of procedures, in one catalog query."""
    brains = find_online_forms(UID=list(set(uids)))
    return {
        brain.UID: {"@id": brain.getURL(), "UID": brain.UID, "title": brain.Title}
        for brain in brains
    }


def submission_url(submission: Submission) -> str:
    """Where the API serves the submission."""
    return f"{api.portal.get().absolute_url()}/@submissions/{submission.id}"
