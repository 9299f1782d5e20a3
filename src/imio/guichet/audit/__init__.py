"""The audit trail: who read or changed which submission, and when.

GDPR asks that every access by staff to personal data be accountable.
Every read (one submission, a listing page, a feed page, a download),
acknowledgement, state change and export by a back office or staff is
recorded here, and who gave or took machine access. Only use cases write
records (:func:`record`); Site Administrators page through them or export
them (:func:`page`, :func:`write_csv`).

Changes are kept in the database, in an annotation of the site, apart from
the submissions, and written in the change's transaction; reads (and
exports) in an append-only journal of files outside the database, so that
a read never commits (see :mod:`imio.guichet.audit.store`). Both are read
back as one trail, in time order (:func:`iter_records`).
"""

from imio.guichet.audit.api import ACTIONS
from imio.guichet.audit.api import decode_audit_cursor
from imio.guichet.audit.api import iter_records
from imio.guichet.audit.api import JOURNALED
from imio.guichet.audit.api import page
from imio.guichet.audit.api import record
from imio.guichet.audit.api import record_as
from imio.guichet.audit.api import write_csv
from imio.guichet.audit.store import AuditLog
from imio.guichet.audit.store import close_journals
from imio.guichet.audit.store import get_audit_log
from imio.guichet.audit.store import site_journal


__all__ = [
    "ACTIONS",
    "JOURNALED",
    "AuditLog",
    "close_journals",
    "decode_audit_cursor",
    "get_audit_log",
    "iter_records",
    "page",
    "record",
    "record_as",
    "site_journal",
    "write_csv",
]
