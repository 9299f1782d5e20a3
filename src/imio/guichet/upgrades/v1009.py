"""1009: the citizen's space.

The Guichet control panel gets ``authority_name``, ``authority_address``
and ``authority_logo`` (empty: the receipts show the site's title and
logo, as before). The rest (the toolbar and byline left out of the
citizen's pages, the header link, messages with files) needs nothing
stored: viewlets and views are registered in ZCML, the history holds the
new ``message`` events as it holds the others.
"""

from imio.guichet.interfaces import IGuichetSettings
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


def authority_identity(setup_tool=None) -> None:
    # Adds the new records with their defaults; existing values are kept.
    getUtility(IRegistry).registerInterface(IGuichetSettings)
