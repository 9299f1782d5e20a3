"""1026: the search index's backlog.

Filings no longer write their terms into the search trees themselves: they
wait a few seconds in the store's backlog (``_search_backlog``, see
:class:`imio.guichet.submissions.search.Backlog`), then enter the trees
in a batch, written by the step that settles the change feed. A store
made before gets an empty backlog; until then its filings entered the
trees at once, so nothing waits. Run again, the step changes nothing.
"""

from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.search import Backlog


def search_backlog(setup_tool=None) -> None:
    store = get_store()
    if store is None or store._search_backlog is not None:
        return
    store._search_backlog = Backlog()
