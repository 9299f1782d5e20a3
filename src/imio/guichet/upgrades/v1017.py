"""1017: the dashboard's counters (requests per week and processing times,
per procedure), counted once from the submissions already filed; the
submission events keep them up to date afterwards."""

from imio.guichet.dashboard.counters import recount
from imio.guichet.submissions.api import get_store

import logging


logger = logging.getLogger(__name__)


def count_for_the_dashboard(setup_tool=None) -> None:
    store = get_store(create=True)
    counters = recount(store)
    logger.info(
        "Dashboard: counted %d submissions of %d procedures",
        len(store),
        len(counters.uids()),
    )
