"""The states of a submission and the transitions between them."""

from datetime import datetime
from datetime import UTC
from imio.guichet.submissions.lifecycle import allowed_states
from imio.guichet.submissions.lifecycle import change_state
from imio.guichet.submissions.lifecycle import CITIZEN
from imio.guichet.submissions.lifecycle import MessageRequired
from imio.guichet.submissions.lifecycle import STAFF
from imio.guichet.submissions.lifecycle import TransitionNotAllowed
from imio.guichet.submissions.states import STATES
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore

import pytest


NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

#: (from, to, actor): every move the lifecycle allows, and no other.
ALLOWED = {
    ("submitted", "received", STAFF),
    ("submitted", "in_progress", STAFF),
    ("received", "in_progress", STAFF),
    ("in_progress", "waiting_citizen", STAFF),
    ("waiting_citizen", "in_progress", STAFF),
    ("waiting_citizen", "in_progress", CITIZEN),
    ("in_progress", "accepted", STAFF),
    ("in_progress", "rejected", STAFF),
    ("received", "rejected", STAFF),
    ("accepted", "closed", STAFF),
    ("rejected", "closed", STAFF),
    ("submitted", "withdrawn", CITIZEN),
}


def submission_in(state: str) -> tuple[SubmissionStore, Submission]:
    store = SubmissionStore()
    submission = Submission(
        submission_id="0" * 32,
        reference="AAAA-BBBB",
        procedure_uid="p",
        schema_version=1,
        data={},
        created=NOW,
        submitter="citizen",
    )
    store.add(submission)
    if state != "submitted":
        store.change_state(submission, state)
    return store, submission


@pytest.mark.parametrize("actor", [STAFF, CITIZEN])
@pytest.mark.parametrize("to_state", list(STATES))
@pytest.mark.parametrize("from_state", list(STATES))
def test_every_move(from_state, to_state, actor):
    store, submission = submission_in(from_state)
    if (from_state, to_state, actor) in ALLOWED:
        event = change_state(
            store,
            submission,
            to_state,
            actor=actor,
            user_id="someone",
            public_message="Merci de compléter",
            internal_note="vu au guichet",
            now=NOW,
        )
        assert submission.state == to_state
        assert submission.history[-1] == event
        assert event["from_state"] == from_state
        assert event["to_state"] == to_state
        assert event["actor"] == "someone"
        assert event["public_message"] == "Merci de compléter"
        assert event["internal_note"] == "vu au guichet"
        assert store.count(state=to_state) == 1
        if from_state != to_state:
            assert store.count(state=from_state) == 0
    else:
        with pytest.raises(TransitionNotAllowed):
            change_state(store, submission, to_state, actor=actor, user_id="x")
        assert submission.state == from_state
        assert submission.history == ()
        assert store.count(state=from_state) == 1


def test_asking_the_citizen_needs_a_message():
    store, submission = submission_in("in_progress")
    with pytest.raises(MessageRequired):
        change_state(
            store, submission, "waiting_citizen", user_id="x", public_message=" "
        )
    assert submission.state == "in_progress"


def test_allowed_states():
    _store, submission = submission_in("submitted")
    assert allowed_states(submission) == ["received", "in_progress"]
    assert allowed_states(submission, CITIZEN) == ["withdrawn"]
    _store, submission = submission_in("closed")
    assert allowed_states(submission) == []


@pytest.mark.parametrize(
    "from_state,to_state,actor",
    [
        ("waiting_citizen", "in_progress", CITIZEN),
        ("submitted", "withdrawn", CITIZEN),
        ("submitted", "received", STAFF),
    ],
)
def test_events_say_who_moved_it(from_state, to_state, actor):
    store, submission = submission_in(from_state)
    event = change_state(store, submission, to_state, actor=actor, user_id=None)
    # The citizen may act anonymously (tracking link): "by" tells them apart.
    assert event["by"] == actor
    assert event["actor"] is None
