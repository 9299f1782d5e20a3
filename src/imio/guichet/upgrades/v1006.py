"""1006: assignment and due dates.

- The submission store gets its due-date indexes (``_due_indexes``: the
  same names as its creation-order indexes), filled with every stored
  submission (none has a due date yet: they go after every day), so that
  a listing by due date skips none.
- Requests get ``assignee`` and ``due`` (class defaults: None) and
  procedures their processing delay and list columns (behavior fields
  with defaults): nothing to store for them.
"""

from imio.guichet.submissions.api import get_store

import logging


logger = logging.getLogger(__name__)


def assignment_and_due_dates(setup_tool=None) -> None:
    store = get_store()
    if store is not None and not hasattr(store, "_due_indexes"):
        count = store.index_due_dates()
        logger.info("Indexed %d submissions by due date", count)
