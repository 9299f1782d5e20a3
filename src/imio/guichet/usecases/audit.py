"""Reading the audit trail: Site Administrators (the "View audit trail"
permission, held on the site)."""

from collections.abc import Callable
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from imio.guichet.permissions import ViewAuditTrail
from plone import api


def _check(caller: Caller) -> None:
    if caller.is_anonymous:
        raise LoginRequired()
    if not api.user.has_permission(ViewAuditTrail, obj=api.portal.get()):
        raise Forbidden()


def audit_page(
    caller: Caller, after_cursor: str | None, limit: int
) -> tuple[list[dict], str | None]:
    """``limit`` records after the page cursor ``after_cursor`` (None: from
    the first), and the next page's cursor (None on the last page)."""
    _check(caller)
    after = audit.decode_audit_cursor(after_cursor) if after_cursor else None
    return audit.page(after, limit)


def export_audit(caller: Caller, write: Callable[[bytes], object]) -> None:
    """The whole trail as CSV to ``write``, batch by batch."""
    _check(caller)
    audit.write_csv(write)
