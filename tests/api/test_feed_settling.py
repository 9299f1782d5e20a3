"""The change feed is settled by a background step, not by later filings:
a burst of filings is indexed within seconds even if nothing follows it,
and newest-first listings and feed pages read the same submissions."""

from fixtures.forms import VALID_DATA
from imio.guichet.submissions import feed
from imio.guichet.submissions.api import get_store

import time
import transaction


def unsettled() -> int:
    transaction.begin()  # see what the server and the step committed
    waiting, _age = feed.pending_changes(get_store())
    return waiting


def test_a_burst_is_settled_without_any_later_filing(site, session_for):
    citizen = session_for("Anonymous")
    filed = []
    for _ in range(5):
        response = citizen.post("demarches/x/@submissions", json={"data": VALID_DATA})
        assert response.status_code == 201, response.text
        filed.append(response.json()["id"])
    assert unsettled() == 5  # noted in the open slot of the moment
    deadline = time.monotonic() + 6 * feed.SLOT_SECONDS + 10
    while unsettled() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert unsettled() == 0  # nobody filed since: the step did it

    office = session_for("Manager")
    pulled = office.get("@submissions", params={"since": "0", "limit": 10}).json()
    assert [item["id"] for item in pulled["items"]] == filed
    newest = office.get(
        "@submissions", params={"sort_order": "descending", "limit": 3}
    ).json()
    assert [item["id"] for item in newest["items"]] == filed[::-1][:3]
    assert "sort_order=descending" in newest["next"]  # the next page goes on so
    following = office.get(newest["next"]).json()
    assert [item["id"] for item in following["items"]] == filed[::-1][3:]
    assert following["next"] is None
