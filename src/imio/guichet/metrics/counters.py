"""What this process counts, per site: filings, refusals, request latency,
outbox attempts.

Counters and histograms live in the memory of the process. Each instance
of a site is scraped on its own and Prometheus adds them up (``sum by``);
they start again from zero when the process restarts, which ``rate()``
and ``increase()`` expect. Each site of the process has a
:class:`~prometheus_client.CollectorRegistry` of its own, never
prometheus_client's global one: a site's scrape shows its own counts and
nothing that another library of the process registers.

Labels are fixed names, never something a citizen typed nor a URL with
ids: a channel, a refusal code, an endpoint's name (``@submissions/*``,
``@@submit``), a method, a procedure's UID (a site has hundreds of
procedures at most), an outcome.
"""

from plone import api
from plone.api.exc import CannotGetPortalError
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram

import threading
import transaction


#: Methods counted by name; any other one is counted as "other" (a client
#: must not make up label values).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

#: Seconds; the last ones for exports and uploads of several files.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class SiteMetrics:
    """The counters and histograms of one site, in this process."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.filings = Counter(
            "guichet_filings",
            "Submissions filed (counted once committed), by channel and procedure UID.",
            ("channel", "procedure"),
            registry=self.registry,
        )
        self.refusals = Counter(
            "guichet_refusals",
            "Requests the guichet refused, by channel and refusal code "
            "(the code of the JSON error or of the page, data-error-code).",
            ("channel", "code"),
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "guichet_request_duration_seconds",
            "Time to answer a request of a guichet endpoint, until its answer "
            "is ready (the sending of a streamed body is not included).",
            ("endpoint", "method"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.webhook_attempts = Counter(
            "guichet_webhook_attempts",
            "Webhook deliveries attempted by this process's worker, by "
            "outcome: delivered, retrying, failed (given up).",
            ("outcome",),
            registry=self.registry,
        )
        self.mail_attempts = Counter(
            "guichet_mail_attempts",
            "E-mails this process's worker tried to send, by outcome: sent, "
            "retrying, failed (given up, kept for a Site Administrator).",
            ("outcome",),
            registry=self.registry,
        )


_sites: dict[tuple[str, ...], SiteMetrics] = {}
_lock = threading.Lock()


def of_site(site) -> SiteMetrics:
    """The metrics of ``site`` in this process (made at first use)."""
    path = tuple(site.getPhysicalPath())
    with _lock:
        metrics = _sites.get(path)
        if metrics is None:
            metrics = _sites[path] = SiteMetrics()
        return metrics


def _current_site():
    try:
        return api.portal.get()
    except CannotGetPortalError:  # a script outside any site counts nothing
        return None


def count_filing(channel: str, procedure_uid: str) -> None:
    """Count a filing of the current site once its transaction commits (a
    conflict retried by Zope counts once, a rolled back one not at all)."""
    site = _current_site()
    if site is None:
        return
    filings = of_site(site).filings.labels(channel, procedure_uid)
    transaction.get().addAfterCommitHook(lambda committed: committed and filings.inc())


def count_refusal(channel: str, code: str) -> None:
    """Count a refusal of the core answered on ``channel``."""
    site = _current_site()
    if site is not None:
        of_site(site).refusals.labels(channel, code).inc()


def observe_request(site, endpoint: str, method: str, seconds: float) -> None:
    method = method if method in METHODS else "other"
    of_site(site).request_duration.labels(endpoint, method).observe(seconds)


def count_webhook_attempt(site, outcome: str) -> None:
    of_site(site).webhook_attempts.labels(outcome).inc()


def count_mail_attempt(site, outcome: str) -> None:
    of_site(site).mail_attempts.labels(outcome).inc()
