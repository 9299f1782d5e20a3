"""Upgrade step 1016: a store made before gets its search index, filled
with every stored submission in batches (each committed), and a second run
changes nothing; the step is registered from 1012."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.upgrades.v1016 import search_index
from plone import api

import transaction


def found(q: str) -> list[str]:
    store = get_store()
    keys = search.search(store, search.parse_search(q), None)
    return [store.by_key(key).reference for key in keys]


def test_upgrade(site):
    names = ("Élodie Lambert", "Jeanne Dupont", "Hélène Lambert", "Marc Durand")
    with api.env.adopt_roles(["Manager"]):
        filed = [
            submit(
                site.demarches.x,
                {**VALID_DATA, "name": name},
                submitter=None,
                now=datetime(2026, 3, day, tzinfo=UTC),
            ).reference
            for day, name in enumerate(names, start=1)
        ]
    store = get_store()
    # As the store of a site at 1012: no index, nothing indexed.
    del store._search
    for reference in filed:
        del store.by_reference(reference).search_terms
    transaction.commit()
    assert found("lambert") == []
    commits = []
    transaction.get().addAfterCommitHook(commits.append)
    search_index(batch=3)
    assert commits == [True]  # the first batch of 3 was committed
    transaction.commit()
    assert found("lambert") == [filed[0], filed[2]]
    assert found("durand") == [filed[3]]
    # Run again: nothing is written.
    terms = [store.by_reference(r).search_terms for r in filed]
    search_index(batch=3)
    assert [store.by_reference(r).search_terms for r in filed] == terms
    assert not transaction.get().isDoomed() and store._p_changed is False


def test_registered(portal):
    setup = api.portal.get_tool("portal_setup")
    steps = setup.listUpgrades("imio.guichet:default", show_old=True)
    flat = [s for step in steps for s in (step if isinstance(step, list) else [step])]
    assert any(step["ssource"] == "1015" and step["sdest"] == "1016" for step in flat)
