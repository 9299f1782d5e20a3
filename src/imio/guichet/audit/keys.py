"""The keys of audit records, the same in the database and in the journal.

``"<µs since epoch, 17 digits>:<32 random hex>"``: string order is time
order, the random part tells apart records of the same microsecond (and
picks the shard of the database's log). Both sources are merged on it, and
a page cursor is one of them, so it never changes shape.
"""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import re
import secrets


#: What a record's key looks like.
RECORD_KEY = re.compile(r"\A\d{17}:[0-9a-f]{32}\Z")  # \Z: no line end after

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros_since_epoch(when: datetime) -> int:
    # Integer arithmetic: exact, and the same on every server.
    return (when - EPOCH) // _MICROSECOND


def time_of(micros: int) -> datetime:
    return EPOCH + micros * _MICROSECOND


def record_key(micros: int) -> str:
    return f"{micros:017d}:{secrets.token_hex(16)}"


def micros_of_key(key: str) -> int:
    return int(key[:17])
