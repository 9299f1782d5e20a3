"""1029: requests without a due date leave the due-date indexes.

Most procedures set no processing delay, and every request of theirs was
in four due-date indexes on the day "after every day", which cost each
filing four more index writes (and their counters) for an order the
creation-order indexes already give. Since 1029 a due-date index
(:class:`imio.guichet.storage.DayIndex`) holds the requests that have a
due date only, and the store keeps their keys together (``_dated``): one
write per dated request, whatever its indexes; the others are read
from the creation-order index of the same name
(:func:`imio.guichet.storage.merge_due_keys`). The step makes the due-date
indexes again from the submissions (one read of each); run again, it
changes nothing. Until it runs, the indexes made before keep holding
every request, and are read as before.
"""

from imio.guichet.submissions.api import get_store

import logging


logger = logging.getLogger(__name__)


def dated_only_due_indexes(setup_tool=None) -> None:
    store = get_store()
    if store is None:
        return
    if store._dated is not None:
        return  # made since 1029, or upgraded
    count = store.index_due_dates()
    logger.info("Due-date indexes made again from %d submissions", count)
