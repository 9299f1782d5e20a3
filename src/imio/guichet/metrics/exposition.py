"""The text a Prometheus server scrapes from ``@@guichet-metrics``.

The site's counters and histograms (:mod:`.counters`), and gauges read
from its stores at each scrape (:class:`StoreGauges`): how many webhook
deliveries and e-mails wait and for how long, how many e-mails were given
up, how many changes of the feed are not settled yet. In the text format
of prometheus_client's ``generate_latest``, with its content type.
"""

from collections.abc import Iterator
from imio.guichet.metrics import readings
from imio.guichet.metrics.counters import of_site
from prometheus_client import CollectorRegistry
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily


#: The content type of :func:`exposition`'s text.
CONTENT_TYPE = CONTENT_TYPE_LATEST


class StoreGauges:
    """Gauges read from the site's stores when scraped (so the same on
    every instance of the site)."""

    def __init__(self, site):
        self.site = site

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = readings.now()
        webhooks = readings.webhook_backlog(self.site)
        yield GaugeMetricFamily(
            "guichet_webhook_outbox_pending",
            "Webhook deliveries waiting in the outbox (due or retrying).",
            value=webhooks.pending,
        )
        yield GaugeMetricFamily(
            "guichet_webhook_outbox_oldest_seconds",
            "Seconds the oldest waiting webhook delivery has waited (0: none).",
            value=webhooks.oldest_age(now) or 0.0,
        )
        mail = readings.mail_backlog(self.site)
        yield GaugeMetricFamily(
            "guichet_mail_outbox_pending",
            "E-mails waiting in the outbox (due or retrying).",
            value=mail.pending,
        )
        yield GaugeMetricFamily(
            "guichet_mail_outbox_oldest_seconds",
            "Seconds the oldest waiting e-mail has waited (0: none).",
            value=mail.oldest_age(now) or 0.0,
        )
        yield GaugeMetricFamily(
            "guichet_mail_outbox_failed",
            "E-mails given up (permanent refusal or too many attempts), kept "
            "until a Site Administrator sends them again.",
            value=readings.failed_mails(self.site),
        )
        feed = readings.feed_lag(self.site)
        yield GaugeMetricFamily(
            "guichet_feed_pending_changes",
            "Changes of the site's change feed not yet settled into its "
            "ordered index (readers merge them: many slow the feed down).",
            value=feed.pending,
        )
        yield GaugeMetricFamily(
            "guichet_feed_oldest_pending_seconds",
            "Seconds since the oldest slot holding unsettled changes opened "
            "(0: none). The settling step closes a slot once it is two "
            "periods old: more means that step is late or stuck.",
            value=feed.oldest_age or 0.0,
        )


def exposition(site) -> bytes:
    """The metrics of ``site`` in this process, as Prometheus text."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(of_site(site).registry)
    scrape.register(StoreGauges(site))
    return generate_latest(scrape)
