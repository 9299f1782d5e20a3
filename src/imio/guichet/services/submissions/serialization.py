"""JSON representation of submissions for the REST API (it lives in the
core: :mod:`imio.guichet.submissions.representation`, :mod:`imio.guichet.urls`)."""

from imio.guichet.submissions.representation import attachment_links
from imio.guichet.submissions.representation import serialize_submission
from imio.guichet.urls import procedure_summaries
from imio.guichet.urls import submission_url


__all__ = [
    "attachment_links",
    "procedure_summaries",
    "serialize_submission",
    "submission_url",
]
