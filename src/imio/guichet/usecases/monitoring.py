"""Health and metrics, for load balancers and Prometheus servers.

The health check is anyone's: it tells no more than whether the database
answers and how much waits in the outboxes (counts and ages). The metrics
are read by whoever holds *imio.guichet: Read metrics* on the site
(Managers; an operator may grant it to a monitoring account, which then
scrapes with Basic authentication), or without logging in from an
address the Guichet control panel lists. Neither is audited: no personal
data is read, and a scrape every few seconds would bury the trail.
"""

from imio.guichet.caller import Caller
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from imio.guichet.metrics import health
from imio.guichet.metrics.addresses import address_allowed
from imio.guichet.metrics.addresses import allowed_networks
from imio.guichet.metrics.exposition import exposition
from imio.guichet.permissions import ReadMetrics
from plone import api


def check_health(site) -> health.Health:
    return health.check(site)


def may_read_metrics(caller: Caller, site) -> bool:
    return address_allowed(
        caller.client_address, allowed_networks()
    ) or api.user.has_permission(ReadMetrics, obj=site)


def read_metrics(caller: Caller, site) -> bytes:
    """``site``'s metrics as Prometheus text; raises ``LoginRequired``
    (anonymous, from an address not listed) or ``Forbidden``."""
    if not may_read_metrics(caller, site):
        raise LoginRequired() if caller.is_anonymous else Forbidden()
    return exposition(site)
