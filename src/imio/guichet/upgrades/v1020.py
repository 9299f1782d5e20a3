"""1020: the name of the REST prefill source.

The registry gets the record ``title`` of the "Guichet: prefill" control
panel (empty: the source reads "Authentic source" until the Site
Administrator names it, e.g. "Registre national"). Submissions need
nothing: ``prefill_sources`` reads None on those filed before.
"""

from imio.guichet.prefill.interfaces import IRestPrefillSettings
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


def prefill_source_title(setup_tool=None) -> None:
    # Adds the missing records, keeps the values of the others.
    getUtility(IRegistry).registerInterface(IRestPrefillSettings)
