"""Turning submission changes into signed CloudEvents and delivering them.

Events are CloudEvents 1.0 in structured JSON mode, made and serialized by
the CNCF ``cloudevents`` SDK: a thin notice (type,
id, reference, procedure, link to fetch), never the citizen's data, which the
receiver fetches with its own credentials. They are signed the way the
Standard Webhooks specification says (``webhook-id``, ``webhook-timestamp``
and ``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``),
by the reference ``standardwebhooks`` library, so receivers can use any
off-the-shelf verifier.

Delivery is at least once: a receiver that answered 2xx is never called
again for that event, but a receiver that was too slow to answer may be.
Receivers dedupe on the event id.
"""

from cloudevents.core.bindings.http import HTTPMessage
from cloudevents.core.bindings.http import to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.webhooks.registry import Delivery
from imio.guichet.webhooks.registry import Subscription
from imio.guichet.webhooks.registry import WebhookRegistry
from standardwebhooks import Webhook
from standardwebhooks import WebhookVerificationError
from ZODB.POSException import ConflictError

import json
import logging
import time
import urllib.error
import urllib.request
import uuid


logger = logging.getLogger(__name__)

#: Delays before the 2nd, 3rd... attempt: BACKOFF_BASE * 2**(attempt - 1),
#: at most BACKOFF_MAX; after MAX_ATTEMPTS the delivery is given up (and
#: logged as such: the feed still has the change).
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 12  # about 14.5 hours of retries in all
#: How long an instance may take to send one event before another may.
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10
_FORMAT = JSONFormat()


def make_event(
    event_type: str,
    *,
    source: str,
    submission_id: str,
    reference: str,
    procedure_uid: str,
    state: str,
    link: str,
    now: datetime,
) -> dict:
    """A CloudEvents 1.0 notice of a change to one submission, in its
    structured JSON form (what the outbox keeps and the receiver gets)."""
    event = CloudEvent(
        {
            "id": uuid.uuid4().hex,
            "source": source,
            "type": event_type,
            "subject": submission_id,
            "time": now,
            "datacontenttype": "application/json",
        },
        {
            "id": submission_id,
            "reference": reference,
            "procedure": procedure_uid,
            "state": state,
            "link": link,
        },
    )
    return json.loads(_FORMAT.write(event))


def structured_message(event: dict) -> HTTPMessage:
    """The HTTP body and content type of ``event`` (structured mode)."""
    return to_structured(_FORMAT.read(CloudEvent, json.dumps(event)), _FORMAT)


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value (Standard Webhooks, v1: the
    secret after ``whsec_`` is the base64 of the HMAC key)."""
    return Webhook(secret).sign(
        event_id, datetime.fromtimestamp(timestamp, UTC), body.decode()
    )


def verify(secret: str, headers, body: bytes) -> bool:
    """What a receiver does (used by the tests; the docs show the same):
    the signature matches and the timestamp is within five minutes."""
    try:
        Webhook(secret).verify(body, dict(headers.items()), json_parse=False)
    except WebhookVerificationError:
        return False
    return True


@dataclass
class Attempt:
    status: int | None  # HTTP status, None when no answer came
    error: str | None
    duration_ms: int

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def send(subscription: Subscription, event: dict, timeout: float) -> Attempt:
    """POST ``event`` to the subscription's URL (no ZODB access here)."""
    message = structured_message(event)
    timestamp = int(time.time())
    request = urllib.request.Request(
        subscription.url,
        data=message.body,
        method="POST",
        headers={
            **message.headers,
            "User-Agent": "imio.guichet-webhooks",
            "webhook-id": event["id"],
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                subscription.secret, event["id"], timestamp, message.body
            ),
        },
    )
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, error = response.status, None
    except urllib.error.HTTPError as http_error:
        # Redirects are not followed (the POST would become a GET, its
        # signed headers sent elsewhere): a 3xx is a failed attempt.
        status, error = http_error.code, f"HTTP {http_error.code}"
    except Exception as failure:  # refused, timeout, bad URL, bad answer...
        status, error = None, f"{type(failure).__name__}: {failure}"[:300]
    return Attempt(status, error, int((time.monotonic() - started) * 1000))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirects)


def backoff(attempts: int) -> timedelta:
    """Delay after the ``attempts``-th failed attempt."""
    return min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)


def due(registry: WebhookRegistry, now: datetime) -> list[Delivery]:
    """Pending deliveries whose time has come and that nobody is sending."""
    return sorted(
        (
            delivery
            for delivery in registry.pending()
            if delivery.next_attempt <= now
            and (delivery.leased_until is None or delivery.leased_until <= now)
        ),
        key=lambda delivery: delivery.next_attempt,
    )


def next_due(registry: WebhookRegistry) -> datetime | None:
    """When the earliest pending delivery is due (or its lease ends), None
    when none is pending."""
    return min(
        (
            max(d.next_attempt, d.leased_until or d.next_attempt)
            for d in registry.pending()
        ),
        default=None,
    )


def _still_due(registry: WebhookRegistry, delivery: Delivery, now: datetime) -> bool:
    """Whether ``delivery`` is still to send now, as the last commit left it
    (another instance may have sent or leased it since the list was made)."""
    return (
        registry.pending_delivery(delivery) is not None
        and delivery.next_attempt <= now
        and (delivery.leased_until is None or delivery.leased_until <= now)
    )


def lease(delivery: Delivery, now: datetime) -> None:
    """Mark ``delivery`` as being sent (commit before sending)."""
    delivery.leased_until = now + LEASE


def record(
    registry: WebhookRegistry, delivery: Delivery, attempt: Attempt, now: datetime
) -> str:
    """Log the attempt and retire, reschedule or give up the delivery.

    Returns the outcome: ``delivered``, ``retrying`` or ``failed``.
    """
    delivery.attempts += 1
    delivery.leased_until = None
    if attempt.accepted:
        outcome = "delivered"
        registry.remove_delivery(delivery)
    elif delivery.attempts >= MAX_ATTEMPTS:
        outcome = "failed"
        registry.remove_delivery(delivery)
        logger.warning(
            "Webhook %s gave up on event %s after %d attempts: %s",
            delivery.subscription_id,
            delivery.id,
            delivery.attempts,
            attempt.error,
        )
    else:
        outcome = "retrying"
        delivery.last_error = attempt.error
        delivery.next_attempt = now + backoff(delivery.attempts)
    registry.log_attempt(
        delivery.subscription_id,
        {
            "date": now.isoformat(),
            "event_id": delivery.id,
            "event_type": delivery.event["type"],
            "reference": delivery.event["data"]["reference"],
            "attempt": delivery.attempts,
            "status": attempt.status,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
            "outcome": outcome,
            "next_attempt": (
                delivery.next_attempt.isoformat() if outcome == "retrying" else None
            ),
        },
        now,
    )
    return outcome


def deliver_due(
    registry: WebhookRegistry,
    commit,
    abort,
    *,
    now=None,
    timeout: float = TIMEOUT_SECONDS,
    on_outcome: Callable[[str], None] | None = None,
) -> int:
    """Send every due delivery once; return how many were attempted.

    ``commit``/``abort`` end the caller's transaction: the lease is committed
    before sending (so that another instance skips it; if two take it at
    once, one commit conflicts and that one skips), the outcome after, then
    told to ``on_outcome`` (the metrics).
    """
    clock = now or (lambda: datetime.now(UTC))
    attempted = 0
    failing = set()  # subscriptions whose receiver failed in this pass
    for delivery in due(registry, clock()):
        subscription = registry.subscriptions.get(delivery.subscription_id)
        if subscription is None or subscription.id in failing:
            # Removed meanwhile; or down: its other events wait for the next
            # pass rather than hold up the other subscriptions' events.
            continue
        try:
            if not _still_due(registry, delivery, clock()):
                continue
            lease(delivery, clock())
            commit()
        except ConflictError:  # another instance took it at the same time
            abort()
            continue
        attempt = send(subscription, delivery.event, timeout)
        attempted += 1
        if not attempt.accepted:
            failing.add(subscription.id)
        try:
            outcome = record(registry, delivery, attempt, clock())
            commit()
        except ConflictError:
            # Left leased: sent again once the lease runs out (at least once).
            abort()
            continue
        if on_outcome is not None:
            on_outcome(outcome)
    return attempted
