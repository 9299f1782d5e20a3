"""Protection of anonymous forms against floods and robots.

A per-client rate limit: a client address may file at most
``anonymous_submissions_per_hour`` anonymous submissions per sliding hour
(the *Guichet* control panel; 0 disables it). Counters live in the
process's memory, not in the ZODB: they must cost no write, and forgetting
them at a restart is harmless. With several instances, each counts its own
requests (so the limit is per instance; the front proxy may add its own).
A submission counts once its transaction committed, so Zope's retries of a
conflicting request do not count twice.

The honeypot is a field of the HTML form that people never see (see
browser/honeypot.py); robots that fill every input fill it too.
"""

from collections import deque
from datetime import timedelta
from imio.guichet import _
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import TooManyRequests
from imio.guichet.i18n import counted
from plone import api

import logging
import threading
import time
import transaction


logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
SETTING = "imio.guichet.interfaces.IGuichetSettings.anonymous_submissions_per_hour"


#: In how many minutes a client over the limit may try again
#: (i18n.counted: "in 1 minute", "in 2 minutes").
TRY_AGAIN_IN = {
    "one": _(
        "reason_too_many_submissions_one",
        default="Too many requests were sent from your connection in the "
        "last hour. Please try again in ${count} minute.",
    ),
    "other": _(
        "reason_too_many_submissions_other",
        default="Too many requests were sent from your connection in the "
        "last hour. Please try again in ${count} minutes.",
    ),
}


class TooManySubmissions(TooManyRequests):
    """Over the limit; ``retry_after`` says in how many seconds to retry,
    the message in how many minutes, counted as readers of ``language``
    count (the caller's; None: the site's default language)."""

    def __init__(self, retry_after: int, language: str | None = None):
        super().__init__(
            retry_after,
            counted(
                TRY_AGAIN_IN,
                max(1, round(retry_after / 60)),
                language,
            ),
        )


class LooksLikeARobot(InvalidInput):
    """The honeypot was filled. The message stays vague on purpose."""

    code = "not_sent"

    def __init__(self):
        super().__init__(
            _(
                "reason_not_sent",
                default="Your request could not be sent. Please check the "
                "form and send it again.",
            )
        )


def refuse_robots(honeypot_value) -> None:
    """Raise :class:`LooksLikeARobot` if the honeypot field was filled."""
    if honeypot_value:
        logger.info("Honeypot filled: submission refused")
        raise LooksLikeARobot()


class SlidingWindowLimiter:
    """At most ``limit`` events per key in any ``window``, thread-safe."""

    #: Beyond this many clients, quiet ones are swept on the next record.
    max_clients = 10_000

    def __init__(self, window: timedelta = WINDOW, clock=time.monotonic):
        self.window = window.total_seconds()
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]  # keep the table as small as the traffic
        return events

    def retry_after(self, key: str, limit: int) -> int:
        """0 if one more event is allowed now, else seconds to wait."""
        with self._lock:
            now = self.clock()
            events = self._recent(key, now)
            if len(events) < limit:
                return 0
            return max(1, int(events[len(events) - limit] + self.window - now) + 1)

    def record(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._events.setdefault(key, deque()).append(now)
            if len(self._events) > self.max_clients:
                # Forget the clients that have been quiet for a window, so
                # that the table stays as small as the traffic.
                for client in list(self._events):
                    self._recent(client, now)


_limiter = SlidingWindowLimiter()


def anonymous_limit() -> int:
    return api.portal.get_registry_record(SETTING, default=20) or 0


def check_anonymous_rate(
    client: str,
    limiter: SlidingWindowLimiter | None = None,
    language: str | None = None,
) -> None:
    """Raise :class:`TooManySubmissions` if ``client`` (an address) may not
    file an anonymous submission now, said to readers of ``language``."""
    limiter = limiter or _limiter
    limit = anonymous_limit()
    wait = limiter.retry_after(client, limit) if limit else 0
    if wait:
        raise TooManySubmissions(wait, language)


def count_anonymous_submission(
    client: str, limiter: SlidingWindowLimiter | None = None
) -> None:
    """Count a submission ``client`` filed, once the transaction commits
    (refused attempts are not counted: people make mistakes)."""
    limiter = limiter or _limiter
    transaction.get().addAfterCommitHook(
        lambda committed: committed and limiter.record(client)
    )
