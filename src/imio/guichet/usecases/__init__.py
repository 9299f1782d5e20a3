"""Use cases: every operation of a citizen, a staff member or a machine.

Each is one function whose first argument is the explicit
:class:`~imio.guichet.caller.Caller`, and which does, in one place and in
this order: the permission check, the anti-abuse protection where it
applies, the domain call and the audit record. It raises
:class:`~imio.guichet.errors.GuichetError` subclasses only. REST services
and browser views call these and never check permissions, rate limits or
write audit records themselves.
"""
