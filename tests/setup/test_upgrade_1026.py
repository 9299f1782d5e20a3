"""Upgrade step 1026: a store made before gets its search backlog; filings
entered the trees at once until then and still do before the step; after
it they wait in the backlog and are found all the same; a second run
changes nothing; the step is registered from 1025."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.upgrades.v1026 import search_backlog
from plone import api

import transaction


def file(site, name: str, day: int):
    with api.env.adopt_roles(["Manager"]):
        return submit(
            site.demarches.x,
            {**VALID_DATA, "name": name},
            submitter=None,
            now=datetime(2026, 3, day, tzinfo=UTC),
        )


def found(q: str) -> set[int]:
    return set(search.search(get_store(), search.parse_search(q), None))


def test_upgrade(site):
    store = get_store()
    store._search_backlog = None  # as a store of 1025
    transaction.commit()
    before = file(site, "Élodie Lambert", 1)
    tree = store._search[before.procedure_uid]
    assert tree["lambert"] == before.key  # in the tree at once
    search_backlog()
    backlog = store._search_backlog
    assert list(backlog.waiting_keys()) == []
    search_backlog()
    assert store._search_backlog is backlog
    after = file(site, "Hélène Lambert", 2)
    transaction.commit()
    assert list(backlog.waiting_keys()) == [after.key]  # waits
    assert found("lambert") == {before.key, after.key}


def test_registered_from_1025(portal):
    setup = api.portal.get_tool("portal_setup")
    steps = setup.listUpgrades("imio.guichet:default", show_old=True)
    flat = [s for step in steps for s in (step if isinstance(step, list) else [step])]
    assert any(s["ssource"] == "1025" and s["sdest"] == "1026" for s in flat)
