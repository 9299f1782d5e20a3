"""Upgrade step 1029: due-date indexes made before (every request in
them, those without a due date on the day after every day, counted apart)
are made again with the dated requests only; listings by due date and the
late count are unchanged; a second run changes nothing; the step is
registered up to 1029. Until it runs, the indexes made before go on
holding every request (a site runs the new code before its upgrade)."""

from BTrees.OOBTree import OOBTree
from datetime import date
from datetime import datetime
from datetime import UTC
from fixtures.forms import VALID_DATA
from imio.guichet.storage import DayIndex
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import list_submissions
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.storage import _names_of
from imio.guichet.submissions.storage import due_day
from imio.guichet.submissions.storage import NO_DUE
from imio.guichet.upgrades.v1029 import dated_only_due_indexes
from plone import api


def as_made_before_1029(store, submissions):
    """The due-date indexes as 1006 to 1026 made them."""
    indexes = OOBTree()
    for submission in submissions:
        key = store.key_of(submission)
        for name in _names_of(submission):
            index = indexes.get(name)
            if index is None:
                index = indexes[name] = DayIndex(common_days=(NO_DUE,))
            index.insert(due_day(submission), key)
    store._due_indexes = indexes
    del store._dated


def test_upgrade(portal, procedure):
    with api.env.adopt_roles(["Manager"]):
        filed = [
            submit(
                procedure,
                VALID_DATA,
                submitter=None,
                now=datetime(2026, 3, day, tzinfo=UTC),
            )
            for day in (1, 2, 3, 4)
        ]
        store = get_store()
        store.set_due(filed[1], date(2026, 4, 10))
        store.set_due(filed[3], date(2026, 4, 5))
        as_made_before_1029(store, filed)
        # Filed before the step runs: into the indexes made before, as before.
        filed.append(
            submit(
                procedure,
                VALID_DATA,
                submitter=None,
                now=datetime(2026, 3, 5, tzinfo=UTC),
            )
        )
        before = list_submissions(sort_on="due", limit=10).items
        dated_only_due_indexes()
        after = list_submissions(sort_on="due", limit=10).items
        late = store.count_due_before(None, ["submitted"], date(2026, 4, 6))
    assert before == after == [filed[3], filed[1], filed[0], filed[2], filed[4]]
    assert late == 1
    indexes = dict(store._due_indexes)
    assert indexes and {len(index) for index in indexes.values()} == {2}
    assert all(NO_DUE not in shard for i in indexes.values() for shard in i._shards)
    assert set(store._dated) == {store.key_of(filed[1]), store.key_of(filed[3])}
    dated_only_due_indexes()  # a second run
    assert dict(store._due_indexes) == indexes


def test_registered(portal):
    setup = api.portal.get_tool("portal_setup")
    steps = setup.listUpgrades("imio.guichet:default", show_old=True)
    flat = [s for step in steps for s in (step if isinstance(step, list) else [step])]
    assert any(step["sdest"] == "1029" for step in flat)
