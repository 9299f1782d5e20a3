"""The audit trail: who read or changed which submission, and when.

GDPR asks that every access by staff to personal data be accountable.
Every read (one submission, a listing page, a feed page, a download),
acknowledgement, state change and export by a back office or staff is
recorded here, and who gave or took machine access. Only use cases write
records (:func:`record`); Site Administrators page through them or export
them (:func:`page`, :func:`write_csv`).

The trail has its own store, an annotation of the site (see
:mod:`imio.guichet.audit.store`), apart from the submissions.
"""

from imio.guichet.audit.api import ACTIONS
from imio.guichet.audit.api import decode_audit_cursor
from imio.guichet.audit.api import page
from imio.guichet.audit.api import record
from imio.guichet.audit.api import record_as
from imio.guichet.audit.api import write_csv
from imio.guichet.audit.store import AuditLog
from imio.guichet.audit.store import get_audit_log


__all__ = [
    "ACTIONS",
    "AuditLog",
    "decode_audit_cursor",
    "get_audit_log",
    "page",
    "record",
    "record_as",
    "write_csv",
]
