"""Upgrade step 1028: the search trees of a store made before get the sets
of the prefixes that start many of their words (each the union of its
words' sets), one procedure per transaction; searches find the same; a
second run changes nothing; the step is registered from 1027."""

from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.submissions import search
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.upgrades.v1028 import search_prefixes
from plone import api

import transaction


#: Eight start with "dup", one with "dum".
NAMES = [
    "Dupont",
    "Dupond",
    "Duponcheel",
    "Dupuis",
    "Dupré",
    "Dupas",
    "Dupin",
    "Dupuy",
    "Dumont",
]


def found(q: str) -> list[int]:
    return list(search.search(get_store(), search.parse_search(q), None))


def test_upgrade(site):
    with api.env.adopt_roles(["Manager"]):
        filed = [
            submit(
                site.demarches.x,
                {**VALID_DATA, "name": f"Jeanne {name}"},
                submitter=None,
                now=datetime(2026, 3, day, tzinfo=UTC),
            )
            for day, name in enumerate(NAMES, start=1)
        ]
    store = get_store()
    search.settle(store, search.clock() + 3 * search.BACKLOG_SECONDS)
    tree = store._search[filed[0].procedure_uid]
    dup = {submission.key for submission in filed[:-1]}
    assert set(tree["^dup"]) == dup  # made by the settling step
    del tree["^dup"]  # as a tree of 1026
    transaction.commit()
    assert set(found("dup")) == dup  # read from its eight words
    commits = []
    transaction.get().addAfterCommitHook(commits.append)
    search_prefixes()
    assert commits == [True]  # the procedure's tree was committed
    assert set(tree["^dup"]) == dup
    assert search._parts(tree, search.Lookup("dup", True)) == [tree["^dup"]]
    assert set(found("dup")) == dup
    assert "^dum" not in tree  # one word starts it
    # Run again: nothing is written.
    made, serial = tree["^dup"], tree._p_serial
    search_prefixes()
    assert tree["^dup"] is made and tree._p_serial == serial


def test_registered_from_1027(portal):
    setup = api.portal.get_tool("portal_setup")
    steps = setup.listUpgrades("imio.guichet:default", show_old=True)
    flat = [s for step in steps for s in (step if isinstance(step, list) else [step])]
    assert any(s["ssource"] == "1027" and s["sdest"] == "1028" for s in flat)
