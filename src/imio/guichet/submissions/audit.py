"""The audit log's former home, inside the submission store.

The trail now lives in :mod:`imio.guichet.audit`. This name stays so that
logs stored before profile version 1001 can still be loaded, and moved by
that upgrade step (:mod:`imio.guichet.upgrades.v1001`).
"""

from imio.guichet.audit.store import AuditLog  # noqa: F401 - old pickles
