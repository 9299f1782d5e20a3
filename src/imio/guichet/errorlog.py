"""Secrets out of Zope's error log too.

``Products.SiteErrorLog`` keeps the last errors in memory for Managers
(Site Setup › Errors), each with its URL, traceback and the whole request
printed (query, form, headers). The logging handlers redact what reaches
the log files (``wsgi/redaction.py``), but this copy is kept apart from
logging. So when a publication fails, the error log that SiteErrorLog
will write to is noted on the request, and when the request ends (after
every subscriber of the failure ran, whatever their order: Zope loads
Products.CMFPlone, which includes this add-on, before
Products.SiteErrorLog) the entries not yet seen are redacted with the same
rules as the files.
"""

from Acquisition import aq_acquire
from imio.guichet.wsgi.redaction import redact
from zope.component import adapter
from zope.publisher.interfaces import IEndRequestEvent
from ZPublisher.interfaces import IPubFailure


#: The text fields of an entry that may repeat a request's secrets.
TEXT_FIELDS = ("url", "req_html", "tb_text", "tb_html", "value")
#: Marks an entry this module already redacted.
REDACTED = "imio.guichet.redacted"
#: Where the failing request keeps the error log entries to redact when it ends.
PENDING = "imio.guichet.error_log"


def redact_entries(entries: list[dict]) -> None:
    for entry in entries:
        if entry.get(REDACTED):
            continue
        for name in TEXT_FIELDS:
            if isinstance(entry.get(name), str):
                entry[name] = redact(entry[name])
        entry[REDACTED] = True


def error_log_of(request):
    """The error log SiteErrorLog writes a failure of ``request`` to."""
    published = request.get("PUBLISHED")
    if published is None:
        parents = request.get("PARENTS")
        published = parents[0] if parents else None
    if published is None:
        return None
    try:
        return aq_acquire(
            getattr(published, "__self__", published), "__error_log__", containment=1
        )
    except AttributeError:
        return None


@adapter(IPubFailure)
def note_failure(event) -> None:
    error_log = error_log_of(event.request)
    if error_log is not None:
        # The entries' list itself (a module-level list of SiteErrorLog's,
        # not persistent): when the request ends its ZODB connection may be
        # closed already, and the log object could not be loaded.
        event.request.other[PENDING] = error_log._getLog()


@adapter(IEndRequestEvent)
def redact_after_failure(event) -> None:
    entries = event.request.other.get(PENDING)
    if entries is not None:
        redact_entries(entries)
