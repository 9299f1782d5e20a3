"""A change feed page leaves the submissions it showed as ghosts once its
transaction is committed: a back office reading the whole feed does not
fill the connection's cache (and the process's memory) with them."""

from fixtures.forms import VALID_DATA
from imio.guichet.submissions.api import feed_submissions
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from plone import api

import transaction


def loaded(obj) -> bool:
    return obj._p_changed is not None  # None: a ghost


def test_a_feed_page_leaves_ghosts_after_its_commit(site):
    with api.env.adopt_roles(["Manager"]):
        ids = [
            submit(site.demarches.x, VALID_DATA, submitter=None).id for _ in range(3)
        ]
    transaction.commit()
    store = get_store()
    page = feed_submissions(since="0", limit=10)
    assert [item.id for item in page.items] == ids
    # Shown while the request runs...
    assert all(loaded(item) for item in page.items)
    assert page.items[0].data == VALID_DATA | page.items[0].data
    transaction.commit()
    # ...and ghosts once it is committed, still readable (loaded again).
    assert not any(loaded(item) for item in page.items)
    assert store.get(ids[0]).reference == page.items[0].reference
