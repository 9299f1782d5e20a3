"""What every filing writes (a submission, its e-mails, its webhook
deliveries) is written as a compact record (imio.guichet.storage
.CompactRecord): the tuple of its values instead of a dict of names and
values, its UTC datetimes as microseconds. Read back, every attribute is
as it was written; records written as a dict before are read as they were.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from datetime import UTC
from fixtures.mail import composed
from imio.guichet.notifications.outbox import Mail
from imio.guichet.storage import CompactRecord
from imio.guichet.submissions.storage import Submission
from imio.guichet.webhooks.registry import Delivery
from persistent import Persistent
from ZODB import DB
from ZODB.FileStorage import FileStorage

import pytest


CREATED = datetime(2026, 12, 5, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def database(tmp_path):
    database = DB(FileStorage(str(tmp_path / "Data.fs")))
    yield database
    database.close()


def state_of(obj) -> dict:
    """What ``obj`` holds: every attribute of its record (set or at its
    class default), and the others it has."""
    recorded = {name: getattr(obj, name) for name in obj.RECORD}
    return {**vars(obj), **recorded}


def written_and_read(database, obj):
    """``obj`` committed in one connection, then read in another (from the
    storage: nothing cached)."""
    with database.transaction() as connection:
        connection.root()["obj"] = obj
    return written_and_read_again(database)


def written_and_read_again(database):
    with database.transaction() as connection:
        connection.cacheMinimize()  # read from the storage, not the cache
        read = connection.root()["obj"]
        read._p_activate()
        return state_of(read), read


def record_of(database) -> bytes:
    with database.transaction() as connection:
        obj = connection.root()["obj"]
        return database.storage.load(obj._p_oid)[0]


def submission(**changes) -> Submission:
    filed = Submission(
        submission_id="191d21188100001bd93ead6c0fe58cc3",
        reference="D8HA-AARV",
        procedure_uid="d24b5a623f694abe9ac3ca5f1c9e21e7",
        schema_version=3,
        data={"last_name": "Dupont", "first_name": "Élodie", "copies": 2},
        created=CREATED,
        submitter=None,
        language="fr",
        key=1839556896139578573,
    )
    filed.add_event({"action": "submit", "date": CREATED.isoformat()})
    for name, value in changes.items():
        setattr(filed, name, value)
    return filed


def test_a_submission_reads_back_as_it_was_written(database):
    filed = submission(
        due=date(2026, 12, 24),
        search_terms="dupont elodie",
        acknowledgement={"actor": "backoffice", "external_reference": "X-1"},
    )
    expected = state_of(filed)
    attributes, read = written_and_read(database, filed)
    assert attributes == expected
    assert read.created == CREATED and read.created.tzinfo is UTC
    assert read.modified == CREATED
    # None is not kept: the class default answers (memory per submission).
    assert read.assignee is None and "assignee" not in vars(read)
    assert read.submitter is None and "submitter" not in vars(read)


@pytest.mark.parametrize(
    "zone",
    [
        timezone(timedelta(hours=1)),
        timezone(timedelta(hours=-5), "EST"),
        timezone(timedelta(0), "GMT"),  # UTC's offset, not UTC: kept as it is
    ],
)
def test_other_time_zones_and_attributes_are_kept(database, zone):
    modified = datetime(2026, 12, 5, 11, tzinfo=zone)
    filed = submission(modified=modified)
    filed.not_in_the_record = ["kept", 1]  # an attribute RECORD does not list
    attributes, read = written_and_read(database, filed)
    assert read.modified == modified and read.modified.tzinfo == zone
    assert read.modified.isoformat() == modified.isoformat()
    assert read.modified.tzname() == modified.tzname()  # GMT stays GMT
    assert attributes["not_in_the_record"] == ["kept", 1]
    assert read.created.tzinfo is UTC


class LaterDatetime(datetime):
    """A subclass (as test clocks make): not a plain datetime."""


def test_a_datetime_of_a_subclass_is_kept(database):
    modified = LaterDatetime(2026, 12, 5, 11, tzinfo=UTC)
    _attributes, read = written_and_read(database, submission(modified=modified))
    assert type(read.modified) is LaterDatetime and read.modified == modified


def test_a_record_of_a_later_release_is_refused():
    """One more value than this release knows: never read as a value of
    no name."""
    later = (None, *[None] * len(Submission.RECORD), "appended later")
    with pytest.raises(ValueError, match="later release"):
        Submission.__new__(Submission).__setstate__(later)


def test_a_record_is_a_tuple_and_a_third_smaller(database, monkeypatch):
    filed = submission(search_terms="dupont elodie")
    written_and_read(database, filed)
    compact = record_of(database)
    assert b"procedure_uid" not in compact  # no attribute's name
    state = submission(search_terms="dupont elodie").__getstate__()
    assert type(state) is tuple and state[0] is None  # nothing outside RECORD
    assert state[1 + Submission.RECORD.index("created")] == (
        CREATED - datetime(1970, 1, 1, tzinfo=UTC)
    ) // timedelta(microseconds=1)

    # The same submission, written as a dict (as before compact records).
    monkeypatch.setattr(Submission, "__getstate__", Persistent.__getstate__)
    written_and_read(database, submission(search_terms="dupont elodie"))
    as_dict = record_of(database)
    assert b"procedure_uid" in as_dict
    assert len(compact) < len(as_dict) * 2 / 3


def test_records_written_as_a_dict_are_read(database, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(Submission, "__getstate__", Persistent.__getstate__)
        with database.transaction() as connection:
            connection.root()["obj"] = submission(search_terms="dupont")
    assert b"procedure_uid" in record_of(database)  # a dict, names and all
    with database.transaction() as connection:
        connection.cacheMinimize()  # the dict record, from the storage
        read = connection.root()["obj"]
        assert read.created == CREATED and read.search_terms == "dupont"
        read.state = "received"  # written again: now a tuple
    assert b"procedure_uid" not in record_of(database)  # now a tuple
    attributes, read = written_and_read_again(database)
    assert read.state == "received" and read.search_terms == "dupont"
    assert attributes["data"]["first_name"] == "Élodie"


def test_a_mail_and_a_delivery_read_back_as_written(database):
    mail = Mail(composed(subject="Demande D8HA-AARV"), now=CREATED)
    mail.leased_until = CREATED + timedelta(minutes=2)
    mail.left_queue_at = 1839556896139578573
    expected = state_of(mail)
    attributes, read = written_and_read(database, mail)
    assert attributes == expected
    with database.transaction() as connection:
        assert connection.root()["obj"].message == mail.message

    event = {"id": "e1", "type": "be.imio.guichet.submission.created"}
    delivery = Delivery(subscription_id="s1", event=event, now=CREATED)
    delivery.next_attempt = CREATED + timedelta(seconds=30)
    expected = state_of(delivery)
    attributes, read = written_and_read(database, delivery)
    assert attributes == expected
    with database.transaction() as connection:
        assert connection.root()["obj"].event == event


def stored_as_a_dict_then_again(database, monkeypatch, obj):
    """``obj`` stored as a dict record (as before compact records), read
    from the storage and written again (a tuple now); then read back."""
    with monkeypatch.context() as patched:
        patched.setattr(type(obj), "__getstate__", Persistent.__getstate__)
        with database.transaction() as connection:
            connection.root()["obj"] = obj
    with database.transaction() as connection:
        connection.cacheMinimize()  # the dict record, from the storage
        connection.root()["obj"].attempts = 1
    return written_and_read_again(database)[1]


def test_a_mail_queued_before_bodies_were_kept_apart(database, monkeypatch):
    """Its bytes are its own attribute: kept when written as a tuple."""
    mail = Mail(composed(subject="Demande D8HA-AARV"), now=CREATED)
    raw = mail.message
    del mail.body  # at its class default, None
    mail.__dict__["message"] = raw  # as Mail stored it then
    read = stored_as_a_dict_then_again(database, monkeypatch, mail)
    assert read.message == raw and read.attempts == 1
    assert read.__getstate__()[0] == {"message": raw}


def test_a_delivery_queued_before_events_were_kept_apart(database, monkeypatch):
    """Its event is its own attribute: kept when written as a tuple."""
    event = {"id": "e1", "type": "be.imio.guichet.submission.created"}
    old = Delivery(subscription_id="s1", event=event, now=CREATED)
    del old.body  # at its class default, None
    old.__dict__["event"] = event  # as Delivery stored it then
    read = stored_as_a_dict_then_again(database, monkeypatch, old)
    assert read.event == event and read.attempts == 1


@pytest.mark.parametrize("cls", [Submission, Mail, Delivery])
def test_every_recorded_attribute_defaults_to_none(cls):
    """A value None is written for an attribute left at its class default,
    and read back as None: a default other than None would be lost."""
    assert issubclass(cls, CompactRecord)
    assert len(set(cls.RECORD)) == len(cls.RECORD)
    assert set(cls.RECORD) >= cls.RECORD_TIMES
    for name in cls.RECORD:
        assert getattr(cls, name, None) is None, name


#: The order of each RECORD as released: stored records list their values
#: by position, so a name is only ever appended (never inserted, moved or
#: removed). Append here what is appended there.
RELEASED = {
    Submission: (
        "id",
        "key",
        "reference",
        "procedure_uid",
        "schema_version",
        "data",
        "created",
        "modified",
        "state",
        "submitter",
        "submitter_key",
        "language",
        "history",
        "acknowledgement",
        "attachments",
        "search_terms",
        "request",
        "verified_identity",
        "prefill_sources",
        "assignee",
        "due",
        "legal_hold",
        "anonymised",
    ),
    Mail: (
        "id",
        "body",
        "mfrom",
        "mto",
        "subject",
        "queued",
        "attempts",
        "next_attempt",
        "leased_until",
        "last_error",
        "failed",
        "arrival_key",
        "left_queue_at",
    ),
    Delivery: (
        "id",
        "subscription_id",
        "body",
        "queued",
        "attempts",
        "next_attempt",
        "leased_until",
        "last_error",
        "arrival_key",
        "left_queue_at",
    ),
}


#: The times of each RECORD as released: a released name never joins nor
#: leaves RECORD_TIMES (its stored ints would be read otherwise).
RELEASED_TIMES = {
    Submission: {"created", "modified"},
    Mail: {"queued", "next_attempt", "leased_until", "failed"},
    Delivery: {"queued", "next_attempt", "leased_until"},
}


@pytest.mark.parametrize("cls", list(RELEASED))
def test_records_only_grow_at_their_end(cls):
    released = RELEASED[cls]
    assert cls.RECORD[: len(released)] == released
    assert cls.RECORD_TIMES & set(released) == RELEASED_TIMES[cls]


def test_a_class_default_other_than_none_is_refused():
    with pytest.raises(TypeError, match="must be None"):

        class Counted(CompactRecord):
            RECORD = ("count",)
            count = 0


def test_an_int_where_a_time_is_recorded_is_refused():
    filed = submission()
    filed.modified = 1767225600  # a timestamp, not a datetime
    with pytest.raises(TypeError, match="read as a time"):
        filed.__getstate__()
