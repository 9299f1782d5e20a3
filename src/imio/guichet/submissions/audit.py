"""The audit trail: who read or changed which submission, and when.

GDPR asks that every access by staff to personal data be accountable.
Every read (one submission, a listing page, a feed page), acknowledgement
and state change by a back office or staff is recorded here — not in the
catalog — and Site Administrators can page through it or export it.

Records are written on the read path too, so the log is built like the
submission indexes: random-looking keys spread over shards, so that
concurrent readers do not conflict.
"""

from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.submissions.storage import OrderedIndex
from imio.guichet.submissions.storage import ShardedMap
from persistent import Persistent

import secrets


#: What can be recorded.
ACTIONS = (
    "read",
    "list",
    "acknowledge",
    "change_state",
    "export",
    "download",
    # Who gave or took machine access (they concern no submission).
    "create_token",
    "revoke_token",
    "subscribe_webhook",
    "update_webhook",
    "unsubscribe_webhook",
)
#: Actions recorded only when they showed some submission.
READS = ("read", "list", "download")


class AuditLog(Persistent):
    """Records in time order: ``"<µs since epoch>:<random>"`` -> record."""

    def __init__(self):
        self._records = ShardedMap()
        self._order = OrderedIndex()

    def add(self, record: dict, now: datetime) -> str:
        micros = (now - datetime(1970, 1, 1, tzinfo=UTC)) // _MICROSECOND
        # The random part is a hex id like a submission's: it picks the shard.
        key = f"{micros:017d}:{secrets.token_hex(16)}"
        self._records[key] = record
        self._order.insert(key)
        return key

    def __len__(self) -> int:
        return len(self._order)

    def keys(self, after: str | None = None) -> Iterator[str]:
        return self._order.keys(after)

    def get(self, key: str) -> dict | None:
        return self._records.get(key)


_MICROSECOND = timedelta(microseconds=1)


def record_access(
    store,
    *,
    actor: str | None,
    action: str,
    submission_ids: Iterable[str],
    details: dict | None = None,
    now: datetime | None = None,
) -> None:
    """Record that ``actor`` did ``action`` on these submissions."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    ids = list(submission_ids)
    if not ids and action in READS:  # an empty page showed nothing
        return
    now = now or datetime.now(UTC)
    if getattr(store, "_audit", None) is None:
        store._audit = AuditLog()
    store._audit.add(
        {
            "date": now.isoformat(),
            "actor": actor,
            "action": action,
            "submissions": ids,
            "details": dict(details or {}),
        },
        now,
    )
