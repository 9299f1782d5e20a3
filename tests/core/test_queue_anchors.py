"""An outbox records what it sent while filings queue more: the two
commits touch the same buckets of its queue (a TimeMap), and must merge
(imio.guichet.storage.TimeMap's anchors and tombstones). Before them,
taking out a bucket's oldest entries conflicted with any filing into that
bucket, and under a steady flow of filings the outbox's record failed five
times over: its messages were sent again once their lease ran out."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from fixtures.mail import composed
from imio.guichet import outbox_worker
from imio.guichet.notifications.outbox import Mail
from imio.guichet.notifications.outbox import MailOutbox
from imio.guichet.storage import TimeMap
from imio.guichet.storage import tombstones
from ZODB import DB
from ZODB.FileStorage import FileStorage

import pytest
import transaction


NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


@pytest.fixture
def database(tmp_path):
    database = DB(FileStorage(str(tmp_path / "Data.fs")))
    yield database
    database.close()


def two_connections(database):
    """The outbox worker's and a filing's, each in its own transaction."""
    managers = transaction.TransactionManager(), transaction.TransactionManager()
    return [(database.open(manager), manager) for manager in managers]


def waiting_in_one_shard(database, waiting: int) -> None:
    """An outbox whose queue holds ``waiting`` messages in one shard: a
    filing's message goes where the sent ones were (with more shards, a
    test would depend on where its random key lands)."""
    with database.transaction() as connection:
        outbox = connection.root()["outbox"] = MailOutbox()
        outbox.pending = TimeMap(shards=1)
        for n in range(waiting):
            when = NOW + timedelta(seconds=n)
            outbox.add(Mail(composed(subject=f"Demande {n}"), now=when))


@pytest.mark.parametrize("waiting", [1, 8, 14])
def test_sent_and_filed_at_once_both_commit(database, waiting):
    waiting_in_one_shard(database, waiting)
    (worker, worker_tm), (filing, filing_tm) = two_connections(database)

    outbox = worker.root()["outbox"]
    for mail in outbox.pending_mails():  # all sent: out of the queue
        outbox.remove_pending(mail)
    # Meanwhile, a filing queues its confirmation (into any shard).
    filed = Mail(composed(subject="Demande nouvelle"), now=NOW + timedelta(minutes=1))
    filing.root()["outbox"].add(filed)
    filing_tm.commit()
    worker_tm.commit()  # merged with the filing's, not refused

    worker.sync()
    pending = worker.root()["outbox"].pending_mails()
    assert [mail.subject for mail in pending] == ["Demande nouvelle"]
    assert len(worker.root()["outbox"].pending) == 1


def test_a_queue_reads_as_without_its_anchors():
    queue = TimeMap(shards=4)
    assert (len(queue), list(queue), list(queue.values())) == (0, [], [])
    assert queue.first_key() is None
    assert 0 not in queue and queue.get(0, "none") == "none"
    assert queue.pop(0, "none") == "none"
    with pytest.raises(KeyError):
        queue[0]
    keys = [queue.add(NOW + timedelta(seconds=n), f"entry {n}") for n in range(6)]
    assert list(queue) == keys
    assert queue.first_key() == keys[0]
    assert sorted(queue.values()) == [f"entry {n}" for n in range(6)]
    for key in keys:
        queue.pop(key)
    assert (len(queue), list(queue), queue.first_key()) == (0, [], None)
    assert queue.anchor() == 0  # each shard still has its own


@pytest.mark.parametrize("filings", [1, 3, 8])
@pytest.mark.parametrize("waiting", [8, 15, 20, 40])
def test_a_backlog_sent_while_filings_go_on_is_recorded(database, waiting, filings):
    """Beyond a bucket, the anchor no longer helps (the worker empties
    buckets while filings split the last one): after a conflict, the
    record marks the messages it took out, which writes no bucket; a later
    sweep deletes their keys."""
    waiting_in_one_shard(database, waiting)
    (worker, worker_tm), (filing, filing_tm) = two_connections(database)
    outbox = worker.root()["outbox"]
    filed = []

    def write():  # every message waiting is sent; each try, filings
        sent = outbox.pending_mails()
        for mail in sent:
            outbox.remove_pending(mail)
        filing_tm.begin()
        for _ in range(filings):  # the newest: at the queue's end
            when = NOW + timedelta(hours=1, seconds=len(filed))
            mail = Mail(composed(subject=f"Nouvelle {len(filed)}"), now=when)
            filing.root()["outbox"].add(mail)
            filed.append(mail.subject)
        filing_tm.commit()
        return len(sent)

    assert outbox_worker.record_committed(write, worker_tm.commit, worker_tm.abort)
    worker_tm.begin()
    last = filed[-filings:]  # filed during the try that committed
    assert sorted(mail.subject for mail in outbox.pending_mails()) == sorted(last)
    assert len(outbox.pending) == len(list(outbox.pending)) == filings
    assert outbox.pending.first_key() == list(outbox.pending)[0]
    marked = outbox.pending.tombstone_count()
    tries = len(filed) // filings
    assert marked == (0 if tries == 1 else waiting + len(filed) - filings)
    swept = outbox_worker.sweep_committed(
        outbox.pending, worker_tm.commit, worker_tm.abort
    )
    assert swept == marked and outbox.pending.tombstone_count() == 0
    worker_tm.begin()
    assert sorted(mail.subject for mail in outbox.pending_mails()) == sorted(last)


def test_taken_out_values_are_no_entries():
    queue = TimeMap(shards=2)
    mails = [Mail(composed(subject=f"Demande {n}"), now=NOW) for n in range(5)]
    keys = [queue.add(NOW + timedelta(seconds=n), m) for n, m in enumerate(mails)]
    with tombstones():
        assert queue.pop(keys[0]) is mails[0]
        assert queue.pop(keys[3]) is mails[3]
        assert queue.pop(keys[3], "gone") == "gone"  # taken out already
    assert len(queue) == 3 and queue.tombstone_count() == 2
    assert list(queue) == [keys[1], keys[2], keys[4]]
    assert {m.subject for m in queue.values()} == {
        "Demande 1",
        "Demande 2",
        "Demande 4",
    }
    assert queue.first_key() == keys[1]
    assert keys[0] not in queue and queue.get(keys[0], "gone") == "gone"
    with pytest.raises(KeyError):
        queue[keys[0]]
    # Given up, then queued again: under its new key only (the old one
    # goes at once).
    again = queue.add(NOW + timedelta(hours=1), mails[0])
    assert list(queue) == [keys[1], keys[2], keys[4], again] and len(queue) == 4
    assert queue.tombstone_count() == 1
    assert queue.sweep() == 1 and queue.tombstone_count() == 0
    assert list(queue) == [keys[1], keys[2], keys[4], again] and len(queue) == 4
    assert queue.get(again) is mails[0]


def test_taken_out_in_two_transactions_is_counted_once(database):
    """The worker marks a message it sent (a try after a conflict) while a
    Site Administrator's request deletes it: both commit (they write
    different records), each counting it out; the sweep counts again."""
    waiting_in_one_shard(database, 3)
    (worker, worker_tm), (admin, admin_tm) = two_connections(database)
    worker_queue = worker.root()["outbox"].pending
    first = list(worker_queue)[0]
    with tombstones():
        worker_queue.pop(first)
    admin.root()["outbox"].pending.pop(first)
    admin_tm.commit()
    worker_tm.commit()

    worker_tm.begin()
    assert worker_queue.tombstone_count() == 1
    assert len(list(worker_queue)) == 2
    assert worker_queue.sweep() == 0
    worker_tm.commit()
    assert worker_queue.tombstone_count() == 0
    assert len(worker_queue) == len(list(worker_queue)) == 2


def test_taken_out_twice_under_two_keys():
    """Given up after a conflict (marked), then retried and taken out with
    a mark again before any sweep: its first key stays gone."""
    queue = TimeMap(shards=1)
    mail = Mail(composed(subject="Demande 1"), now=NOW)
    other = queue.add(NOW + timedelta(seconds=1), Mail(composed(), now=NOW))
    first = queue.add(NOW, mail)
    with tombstones():
        queue.pop(first)
    again = queue.add(NOW + timedelta(hours=1), mail)  # retried
    assert (list(queue), len(queue), queue.tombstone_count()) == ([other, again], 2, 0)
    with tombstones():
        queue.pop(again)
    assert (list(queue), len(queue), queue.first_key()) == ([other], 1, other)
    assert first not in queue and again not in queue
    assert queue.sweep() == 1 and queue.tombstone_count() == 0
    assert list(queue) == [other] and len(queue) == 1
