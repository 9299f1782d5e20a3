"""``@drafts``: a partner app's save-and-resume, as the HTML form's drafts.

``POST {procedure}/@drafts`` saves one (201; an anonymous caller gets its
``secret`` once), ``GET``/``PATCH``/``DELETE {site}/@drafts/{id}`` read,
replace and delete it, for its owner or with the secret in the
``X-Draft-Secret`` header (never in the URL, where logs and Referer
headers would keep it). Who may is decided by
:mod:`imio.guichet.usecases.drafts`; anyone else gets a 404.
"""

from imio.guichet.drafts.storage import Draft
from imio.guichet.urls import procedure_summaries
from plone import api


#: The header that carries an anonymous draft's secret.
DRAFT_SECRET_HEADER = "X-Draft-Secret"


def draft_url(draft: Draft) -> str:
    """Where the API serves the draft."""
    return f"{api.portal.get().absolute_url()}/@drafts/{draft.id}"


def serialize_draft(draft: Draft) -> dict:
    procedure = procedure_summaries([draft.procedure_uid]).get(
        draft.procedure_uid, {"@id": None, "UID": draft.procedure_uid}
    )
    return {
        "@id": draft_url(draft),
        "@type": "Draft",
        "id": draft.id,
        "procedure": procedure,
        "data": dict(draft.data),
        "saved": draft.saved.isoformat(),
        "expires": draft.expires.isoformat(),
    }
