"""Where the audit trail is kept: changes in the site's :class:`AuditLog`,
reads in the site's journal of files.

Changes (acknowledge, change of state, tokens, webhooks, the e-mail
outbox's retry) are written in the database, in the change's own
transaction: the record is committed with the change, or not at all. Reads
(``READS`` of :mod:`imio.guichet.audit.api`) go to an append-only journal
outside the database (:mod:`imio.guichet.audit.journal`), so that a read
never commits. Both have the same keys (:mod:`imio.guichet.audit.keys`).

The log is built like the submission indexes: random-looking keys spread
over shards, so that concurrent writers do not conflict, and an ordered
index of the keys for paging in time order.

The journal's folder is ``audit-journal`` of zope.conf's
``<product-config imio.guichet>`` (default: ``audit`` in the instance's
``clienthome``, its ``var``), with one sub-folder per site, named by the
site's UID, so that two sites of one database never mix;
``audit-journal-retention-days`` (unset: 0) is an upper bound on how long
the day files are kept, which the writer enforces on its own; unset, they
are kept as long as the control panel's retention of the audit trail says,
which the daily purge (:mod:`imio.guichet.retention`) applies to the
journal and the log alike.
"""

from App.config import getConfiguration
from collections.abc import Iterator
from datetime import datetime
from imio.guichet.audit.journal import DEFAULT_RETENTION_DAYS  # noqa: F401
from imio.guichet.audit.journal import Journal
from imio.guichet.audit.keys import micros_since_epoch
from imio.guichet.audit.keys import RECORD_KEY
from imio.guichet.audit.keys import record_key
from imio.guichet.storage import OrderedIndex
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import site_store
from itertools import islice
from pathlib import Path
from persistent import Persistent
from plone import api
from plone.uuid.interfaces import IUUID

import heapq
import threading


__all__ = ["RECORD_KEY", "AuditLog", "get_audit_log", "site_journal"]

#: The site annotation that holds the log.
AUDIT_KEY = "imio.guichet.audit"
#: zope.conf's section of the add-on, and its settings for the journal.
PRODUCT_CONFIG = "imio.guichet"
FOLDER_SETTING = "audit-journal"
RETENTION_SETTING = "audit-journal-retention-days"


class AuditLog(Persistent):
    """Records in time order: ``"<µs since epoch>:<random>"`` -> record."""

    def __init__(self):
        self._records = ShardedMap()
        self._order = OrderedIndex()

    def add(self, record: dict, now: datetime) -> str:
        # The random part is a hex id like a submission's: it picks the shard.
        key = record_key(micros_since_epoch(now))
        self.put(key, record)
        return key

    def put(self, key: str, record: dict) -> None:
        """Store ``record`` under an existing ``key`` (moving a log)."""
        self._records[key] = record
        self._order.insert(key)

    def __len__(self) -> int:
        return len(self._order)

    def keys(self, after: str | None = None) -> Iterator[str]:
        return self._order.keys(after)

    def keys_before(self, before: str | None = None) -> Iterator[str]:
        """Keys in reverse order (newest first), strictly before ``before``
        if given; lazy: each shard is walked down with ``maxKey``, one
        O(log n) descent per key."""
        return heapq.merge(
            *(_shard_keys_before(shard, before) for shard in self._order._shards),
            reverse=True,
        )

    def get(self, key: str) -> dict | None:
        return self._records.get(key)

    def drop_before(self, bound: str, limit: int) -> int:
        """Delete the oldest records, with keys before ``bound`` (a time
        bound ``"<µs>:"``), at most ``limit``; return how many."""
        dropped = 0
        for key in list(islice(self._order.keys(), limit)):
            if key >= bound:
                break
            self._records.pop(key)
            self._order.remove(key)
            dropped += 1
        return dropped


def _shard_keys_before(shard, before: str | None) -> Iterator[str]:
    bound = before
    while True:
        try:
            key = shard.maxKey() if bound is None else shard.maxKey(bound)
        except ValueError:  # none left
            return
        if key == bound:  # maxKey includes its bound
            bound = key_before(key)
            continue
        yield key
        bound = key_before(key)


def key_before(key: str) -> str:
    """The greatest key that sorts before ``key`` (a record key, or a
    time bound ``"<µs>:"``)."""
    micros, _, rest = key.partition(":")
    number = int(rest, 16) if rest else 0
    if number:
        return f"{micros}:{number - 1:032x}"
    return f"{int(micros) - 1:017d}:{'f' * 32}"


def get_audit_log(create: bool = False, site=None) -> AuditLog | None:
    """The site's audit log of changes (made when the add-on is installed;
    else on demand when ``create``, by the first change)."""
    return site_store(AUDIT_KEY, AuditLog, create=create, site=site)


# -- the journal of reads ------------------------------------------------------


def journal_settings() -> tuple[Path, int]:
    """The journals' folder and their retention in days, from zope.conf."""
    return settings_of(getConfiguration())


def settings_of(configuration) -> tuple[Path, int]:
    """The journals' folder and retention of a Zope configuration."""
    sections = getattr(configuration, "product_config", None) or {}
    ours = sections.get(PRODUCT_CONFIG) or {}
    folder = ours.get(FOLDER_SETTING)
    if not folder:
        home = getattr(configuration, "clienthome", None)
        if not home:
            home = Path(getattr(configuration, "instancehome", None) or ".") / "var"
        folder = Path(home) / "audit"
    retention = ours.get(RETENTION_SETTING)
    try:
        # Unset: the daily purge applies the control panel's retention.
        days = 0 if retention in (None, "") else int(retention)
        if days < 0:
            raise ValueError(days)
    except ValueError:
        raise ValueError(
            f"{RETENTION_SETTING} of <product-config {PRODUCT_CONFIG}> must be a "
            f"number of days (0: keep all), not {retention!r}"
        ) from None
    return Path(folder), days


_journals: dict[tuple[Path, int], Journal] = {}
_journals_lock = threading.Lock()


def site_journal(site=None) -> Journal:
    """The journal of reads of ``site`` (default: the current one), one
    object per process and folder (it holds the process's file and lock)."""
    site = site if site is not None else api.portal.get()
    folder, retention = journal_settings()
    # The UID, not the id: a renamed site keeps its trail, and two sites
    # called "Plone" in two databases never share one.
    path = folder / (IUUID(site, None) or site.getId())
    with _journals_lock:
        journal = _journals.get((path, retention))
        if journal is None:
            journal = _journals[path, retention] = Journal(
                path, retention_days=retention
            )
        return journal


def close_journals() -> None:
    """Close the files this process writes (the next record opens them
    again): at shutdown, or when the configuration changed (tests)."""
    with _journals_lock:
        journals = list(_journals.values())
        _journals.clear()
    for journal in journals:
        journal.close()
