"""``@@guichet-health`` (load balancers) and ``@@guichet-metrics``
(Prometheus), on the site root. Who may read what is the use case's
business (``usecases/monitoring.py``): both views are public."""

from imio.guichet.browser.errors import raise_for_page
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.errors import GuichetError
from imio.guichet.metrics.exposition import CONTENT_TYPE
from imio.guichet.metrics.readings import now
from imio.guichet.usecases.monitoring import check_health
from imio.guichet.usecases.monitoring import read_metrics
from Products.Five.browser import BrowserView

import json


class HealthView(BrowserView):
    """200, or 503 when the database cannot be read; a small JSON body."""

    def __call__(self):
        health = check_health(self.context)
        response = self.request.response
        response.setStatus(health.status)
        response.setHeader("Content-Type", "application/json")
        # A balancer must see this instance now, not a copy.
        response.setHeader("Cache-Control", "no-store")
        return json.dumps(health.as_json(now()))


class MetricsView(CallerOfRequest, BrowserView):
    """The site's metrics, in Prometheus's text format."""

    def __call__(self):
        try:
            body = read_metrics(self.caller, self.context)
        except GuichetError as refused:
            raise_for_page(refused)
            raise
        response = self.request.response
        response.setHeader("Content-Type", CONTENT_TYPE)
        response.setHeader("Cache-Control", "no-store")
        return body
