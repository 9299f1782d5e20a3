"""Where the audit trail is kept: one :class:`AuditLog` per site.

Records are written on the read path too, so the log is built like the
submission indexes: random-looking keys spread over shards, so that
concurrent readers do not conflict, and an ordered index of the keys for
paging in time order.
"""

from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from imio.guichet.storage import EPOCH
from imio.guichet.storage import OrderedIndex
from imio.guichet.storage import ShardedMap
from imio.guichet.storage import site_store
from persistent import Persistent

import re
import secrets


#: The site annotation that holds the log.
AUDIT_KEY = "imio.guichet.audit"
#: What a record's key looks like: ``"<µs since epoch>:<random hex>"``.
RECORD_KEY = re.compile(r"^\d{17}:[0-9a-f]{32}$")

_MICROSECOND = timedelta(microseconds=1)


class AuditLog(Persistent):
    """Records in time order: ``"<µs since epoch>:<random>"`` -> record."""

    def __init__(self):
        self._records = ShardedMap()
        self._order = OrderedIndex()

    def add(self, record: dict, now: datetime) -> str:
        micros = (now - EPOCH) // _MICROSECOND
        # The random part is a hex id like a submission's: it picks the shard.
        key = f"{micros:017d}:{secrets.token_hex(16)}"
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

    def get(self, key: str) -> dict | None:
        return self._records.get(key)


def get_audit_log(create: bool = False, site=None) -> AuditLog | None:
    """The site's audit log (made when the add-on is installed, so that the
    first concurrent reads do not all write the site; else on demand when
    ``create``)."""
    return site_store(AUDIT_KEY, AuditLog, create=create, site=site)
