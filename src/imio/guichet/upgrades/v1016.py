"""1016: searching requests.

The submission store gets its search index (``_search``, see
:mod:`imio.guichet.submissions.search`), filled with every stored
submission, a thousand per transaction so that a large store is indexed
without holding every change in one commit. A submission already indexed
(its ``search_terms`` set) is left as it is: the step can be run again,
or resumed after an interruption.
"""

from imio.guichet.submissions.search_subscribers import build_index

import logging


logger = logging.getLogger(__name__)

#: Submissions indexed per transaction.
BATCH = 1_000


def search_index(setup_tool=None, batch: int = BATCH) -> None:
    count = build_index(batch=batch)
    logger.info("Indexed %d submissions for searching", count)
