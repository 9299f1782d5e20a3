"""How long a procedure's requests are kept after they end, and what then:
read in one place (:func:`retention_of`), for the purge, the privacy
notice and the register of processing activities."""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from imio.guichet.retention.settings import ACTIONS
from imio.guichet.retention.settings import ANONYMISE
from imio.guichet.retention.settings import DEFAULT_AUDIT_DAYS
from imio.guichet.retention.settings import DEFAULT_DAYS
from imio.guichet.retention.settings import IRetentionSettings
from imio.guichet.submissions.storage import Submission
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility


#: The states a request ends in: its retention runs from the first of them.
END_STATES = frozenset({"closed", "rejected", "withdrawn"})

RECORD = IRetentionSettings.__identifier__ + "."


@dataclass(frozen=True)
class Retention:
    """A procedure's retention: ``days`` after its requests end, then
    ``action`` (``"anonymise"`` or ``"delete"``), keeping ``kept_fields``
    (the form fields that are not personal) when anonymising;
    ``from_site``: the site's default, the procedure sets none."""

    days: int
    action: str
    kept_fields: tuple[str, ...] = ()
    from_site: bool = False

    def expiry(self, ended: datetime) -> datetime:
        """When a request that ended at ``ended`` is past its retention."""
        return ended + timedelta(days=self.days)


def _record(name: str, default):
    registry = queryUtility(IRegistry)
    if registry is None:
        return default
    value = registry.get(RECORD + name)
    return default if value is None else value


def site_retention() -> Retention:
    """The site's default retention (control panel)."""
    action = _record("retention_action", ANONYMISE)
    return Retention(
        days=int(_record("retention_days", DEFAULT_DAYS)),
        action=action if action in ACTIONS else ANONYMISE,
        from_site=True,
    )


def audit_retention_days() -> int:
    """How many days the audit trail is kept (control panel)."""
    return int(_record("audit_retention_days", DEFAULT_AUDIT_DAYS))


def retention_of(procedure) -> Retention:
    """The retention of ``procedure``'s requests: its own settings, each
    left empty taken from the site's (``procedure`` None, e.g. deleted:
    the site's)."""
    site = site_retention()
    if procedure is None:
        return site
    days = getattr(procedure, "retention_days", None)
    action = getattr(procedure, "retention_action", None)
    kept = getattr(procedure, "retention_kept_fields", None) or ()
    return Retention(
        days=days if isinstance(days, int) and days > 0 else site.days,
        action=action if action in ACTIONS else site.action,
        kept_fields=tuple(name for name in kept if isinstance(name, str) and name),
        from_site=days is None and action is None,
    )


def ended_at(submission: Submission) -> datetime | None:
    """When the request ended: the first move into an end state (a
    rejected request closed later ended when rejected); None while open."""
    if submission.state not in END_STATES:
        return None
    for event in submission.history:
        if event.get("action") == "transition" and event.get("to_state") in END_STATES:
            return datetime.fromisoformat(event["date"])
    return submission.modified
