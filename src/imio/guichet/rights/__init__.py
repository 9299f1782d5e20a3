"""The citizens' rights over what the guichet holds about them (GDPR art.
15 to 17): national register numbers masked for whoever may not see them
(:mod:`.nrn`), finding everything about one person (:mod:`.person`), and
what a citizen downloads of their own requests (:mod:`.own`).

Core code: it takes no request; the use cases (``usecases/rights.py`` and
``usecases/staff.py``) decide who sees what and write the audit trail.
"""
