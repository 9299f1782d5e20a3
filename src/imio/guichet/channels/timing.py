"""The latency of the guichet's endpoints, measured around publication.

From the start of the request (``IPubStart``) to its end, committed
(``IPubSuccess``) or not (``IPubFailure``, unless Zope retries it after a
conflict: the retry is measured on its own), for every published object
that :func:`imio.guichet.headers.is_guichet_page` recognises: the REST
services of ``services/`` and the pages of ``browser/``, whatever their
outcome. Each is labelled with a fixed name, never a URL: a service's
name and the shape of the path it served (``@submissions/*/@ack``,
:attr:`GuichetService.endpoint_name`), a page's registered name
(``@@submit``).
"""

from imio.guichet.headers import is_guichet_page
from imio.guichet.metrics.counters import observe_request
from zope.component import adapter
from zope.component.hooks import getSite
from zope.publisher.interfaces.browser import IBrowserView
from ZPublisher.interfaces import IPubFailure
from ZPublisher.interfaces import IPubStart
from ZPublisher.interfaces import IPubSuccess

import time


_STARTED = "_guichet_started"


def endpoint_name(published) -> str | None:
    """The fixed name of a published guichet endpoint; None for anything
    else (Plone's pages, a widget, a content object's method)."""
    published = getattr(published, "__self__", published)  # a method
    if published is None or not is_guichet_page(published):
        return None
    named = getattr(published, "endpoint_name", None)  # the REST services
    if named:
        return named
    if IBrowserView.providedBy(published) and getattr(published, "__name__", None):
        return f"@@{published.__name__}"
    return None


@adapter(IPubStart)
def request_started(event) -> None:
    setattr(event.request, _STARTED, time.perf_counter())


def _observe(request) -> None:
    started = getattr(request, _STARTED, None)
    endpoint = endpoint_name(request.get("PUBLISHED"))
    site = getSite()
    if started is None or endpoint is None or site is None:
        return
    observe_request(
        site, endpoint, request.get("REQUEST_METHOD", ""), time.perf_counter() - started
    )


@adapter(IPubSuccess)
def request_succeeded(event) -> None:
    _observe(event.request)


@adapter(IPubFailure)
def request_failed(event) -> None:
    if not event.retry:
        _observe(event.request)
