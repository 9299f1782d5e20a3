"""1028: the search index's prefixes.

A query's word of three or four letters finds the words it starts; it was
read as the union of those words' sets (hundreds in a large store). Each
procedure's tree now holds, for a prefix that starts at least
:data:`~imio.guichet.submissions.search.PREFIX_WORDS` of its words, the
union of their sets, kept with them (see
:func:`imio.guichet.submissions.search.prefixes`). Filings settled since
the code changed make and keep them already; the step makes the others
from the words' sets, one procedure per transaction. Run again, the step
changes nothing.
"""

from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store

import logging
import transaction


logger = logging.getLogger(__name__)


def search_prefixes(setup_tool=None) -> None:
    store = get_store()
    if store is None or store._search is None:
        return
    for uid in list(store._search.keys()):
        count = search.build_prefixes(store._search[uid])
        transaction.commit()
        logger.info("Search prefixes of %s: %d", uid, count)
