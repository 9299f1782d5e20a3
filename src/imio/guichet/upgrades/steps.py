"""Upgrade step handlers (the profile steps are in configure.zcml)."""

from imio.guichet.submissions.api import get_store

import logging


logger = logging.getLogger(__name__)


def index_submitters(setup_tool) -> None:
    """1001: "My requests" reads a per-citizen index that stores made before
    it lack; index the submissions already filed (once, O(n))."""
    store = get_store()
    if store is None:
        return
    count = store.index_submitters()
    logger.info("Indexed %d submissions of logged-in citizens by submitter", count)
