"""``@@guichet-health``: what a load balancer asks an instance.

Unavailable (503) only when the database cannot be read: then this
instance can serve nothing, and the balancer should send no one to it.
The outboxes' backlogs are said, never judged: every instance of a site
shares them, so a mail server or a back office that is down would take
every instance out of rotation at once, while citizens can still file
(their e-mails and webhooks wait in the outbox). Alert on them from the
metrics instead (docs/deployment.md).

Nothing personal: counts and ages only.
"""

from dataclasses import dataclass
from datetime import datetime
from imio.guichet.backlog import Backlog
from imio.guichet.metrics import readings


@dataclass(frozen=True)
class Health:
    database: bool
    #: None when the database could not be read.
    webhooks: Backlog | None
    mail: Backlog | None

    @property
    def status(self) -> int:
        """The HTTP status a load balancer acts on."""
        return 200 if self.database else 503

    def as_json(self, now: datetime) -> dict:
        return {
            "status": "ok" if self.database else "unavailable",
            "database": self.database,
            "webhooks": _backlog_json(self.webhooks, now),
            "mail": _backlog_json(self.mail, now),
        }


def _backlog_json(backlog: Backlog | None, now: datetime) -> dict | None:
    if backlog is None:
        return None
    age = backlog.oldest_age(now)
    return {
        "pending": backlog.pending,
        "oldest_seconds": None if age is None else round(age, 1),
    }


def check(site) -> Health:
    """Whether ``site``'s database answers, and its outboxes' backlogs."""
    if not readings.database_readable(site._p_jar.db()):
        return Health(False, None, None)
    return Health(True, readings.webhook_backlog(site), readings.mail_backlog(site))
