"""Catalog indexers of the procedure.

Only what the webmaster wrote is indexed: submissions are not content and
never reach the catalog.
"""

from imio.guichet.content.procedure import INFORMATION_FIELDS
from imio.guichet.content.procedure import IProcedure
from plone import api
from plone.indexer import indexer


def _plain_text(rich_text) -> str:
    if rich_text is None or not rich_text.raw:
        return ""
    transforms = api.portal.get_tool("portal_transforms")
    data = transforms.convertTo(
        "text/plain", rich_text.output or "", mimetype="text/html"
    )
    return data.getData() if data else ""


@indexer(IProcedure)
def searchable_text(procedure) -> str:
    parts = [procedure.id, procedure.title or "", procedure.description or ""]
    parts.extend(procedure.Subject())
    parts.extend(
        _plain_text(getattr(procedure, name, None)) for name in INFORMATION_FIELDS
    )
    return " ".join(part for part in parts if part)
