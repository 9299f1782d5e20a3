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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet import outbox_worker
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
#: How long an instance may take to send a batch of events before another
#: may (at least, see lease_seconds).
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10
#: Deliveries sent together: leased by one commit, POSTed one after the
#: other, their outcomes recorded by one commit: a burst of filings leaves
#: many due at once, which cost two commits each when sent one by one.
BATCH = 50

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
    """POST ``event`` to the subscription's URL (no ZODB access here:
    :func:`deliver_due` hands it what it read of the subscription before
    leasing)."""
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


def worst_seconds(timeout: float) -> float:
    """How long one delivery may take when every step times out: the
    connection, the answer, and the record of its outcome. (A timeout
    bounds each socket operation, not a whole POST: a receiver trickling
    its answer, or a slow name lookup, can outlast it; delivery is at least
    once, and receivers dedupe.)"""
    return 3 * timeout


def lease_seconds(timeout: float) -> float:
    """How long a batch is leased: :data:`LEASE`, or twice
    :func:`worst_seconds` if longer (a large timeout), whatever the batch's
    size: a batch starts no delivery its lease may no longer cover (see
    :func:`deliver_due`), so that an instance that stopped mid-batch holds
    its events no longer than one lease."""
    return max(LEASE.total_seconds(), 2 * worst_seconds(timeout))


def lease(delivery: Delivery, now: datetime, seconds: float) -> None:
    """Mark ``delivery`` as being sent for ``seconds`` (:func:`lease_seconds`;
    commit before sending)."""
    delivery.leased_until = now + timedelta(seconds=seconds)


def record(
    registry: WebhookRegistry, delivery: Delivery, attempt: Attempt, now: datetime
) -> str:
    """Log the attempt in the subscription's log and retire, reschedule or
    give up the delivery (:func:`logged` tells the process's log, once
    committed).

    Returns the outcome: ``delivered``, ``retrying`` or ``failed``.

    A delivered event is not written again (it leaves the outbox: nearly
    every one does, and rewriting each cost ~1 KB per filing).
    """
    attempts = delivery.attempts + 1
    if attempt.accepted:
        outcome = "delivered"
        registry.remove_delivery(delivery)
    else:
        delivery.attempts = attempts
        delivery.leased_until = None
        if attempts >= MAX_ATTEMPTS:
            outcome = "failed"
            registry.remove_delivery(delivery)
        else:
            outcome = "retrying"
            delivery.last_error = attempt.error
            delivery.next_attempt = now + backoff(attempts)
    registry.log_attempt(
        delivery.subscription_id,
        {
            "date": now.isoformat(),
            "event_id": delivery.id,
            "event_type": delivery.event["type"],
            "reference": delivery.event["data"]["reference"],
            "attempt": attempts,
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


def logged(recorded: list[tuple[Delivery, Attempt, str]]) -> list[str]:
    """Log the deliveries given up among ``recorded`` (delivery, attempt,
    outcome), once committed (a record whose commit conflicted was never
    made); return their outcomes."""
    for given_up, attempt, outcome in recorded:
        if outcome == "failed":
            logger.warning(
                "Webhook %s gave up on event %s after %d attempts: %s",
                given_up.subscription_id,
                given_up.id,
                given_up.attempts,
                attempt.error,
            )
    return [outcome for _delivery, _attempt, outcome in recorded]


@dataclass(frozen=True)
class _Target:
    """Where and how to send one leased delivery, read from the ZODB before
    the lease commit: nothing is read while sending."""

    url: str
    secret: str
    event: dict


def _now() -> datetime:
    return datetime.now(UTC)


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

    ``commit``/``abort`` end the caller's transaction. The due deliveries go
    by batches, oldest first: each batch is leased by one commit before it
    is sent (so that another instance leaves it; if two lease a delivery at
    once, one commit conflicts and that one skips the batch), POSTed one
    after the other, then its outcomes are committed together and told to
    ``on_outcome`` (the metrics). The first batch is one delivery (a
    receiver refusing everything costs one written per pass), the next ones
    up to :data:`BATCH`.

    A subscription whose receiver fails is not tried again in the pass: its
    other deliveries in the batch are released by the outcome commit (no
    attempt counted) and the later ones are not leased, so that its backlog
    does not hold up the other subscriptions. A batch starts no delivery its
    lease (:func:`lease_seconds`) may no longer cover, by ``now`` (the wall
    clock, which other instances judge the lease by): the rest are released
    by the outcome commit and leased again in the next batch, so that no
    instance taking over a lease run out sends them twice (as far as the
    timeouts bound a POST: see :func:`worst_seconds`). A batch's URLs and
    secrets are read when it is leased: a subscription removed or changed
    meanwhile takes effect at the next batch, within one lease.
    """
    clock = now or _now
    attempted = 0
    failing = set()  # subscriptions whose receiver failed in this pass
    remaining = deque(due(registry, clock()))
    size = 1  # until a delivery is tried
    while remaining:
        chosen = []
        while remaining and len(chosen) < size:
            candidate = remaining.popleft()
            if candidate.subscription_id not in failing:
                chosen.append(candidate)
        if not chosen:
            break
        try:
            batch, targets, lease_ends = _leased(registry, chosen, clock(), timeout)
            if not batch:
                continue  # sent or leased by another instance meanwhile
            commit()
        except ConflictError:  # another instance took some at the same time
            abort()
            continue
        attempts: list[tuple[Attempt, datetime] | None] = [None] * len(batch)
        tried = 0
        stopped_at = None
        for position, (leased, target) in enumerate(zip(batch, targets, strict=True)):
            if leased.subscription_id in failing:
                continue  # released by the outcome commit, for the next pass
            if tried and clock() + timedelta(seconds=worst_seconds(timeout)) > (
                lease_ends
            ):
                stopped_at = position  # its lease may run out: not started
                break
            attempt = send(target, target.event, timeout)
            # Its own time: the delivery log's date and order, its backoff.
            attempts[position] = (attempt, clock())
            tried += 1
            if not attempt.accepted:
                failing.add(leased.subscription_id)
        attempted += tried
        _tell(
            on_outcome,
            _record_committed(registry, batch, attempts, commit=commit, abort=abort),
        )
        if stopped_at is not None:
            # Its lease could not cover more (a slow receiver): the rest in
            # batches as large as that one, newly leased.
            remaining.extendleft(reversed(batch[stopped_at:]))
            size = max(1, tried)
        elif tried:
            size = BATCH
    return attempted


def _leased(
    registry: WebhookRegistry, candidates: list[Delivery], now: datetime, timeout
) -> tuple[list[Delivery], list[_Target], datetime]:
    """Of ``candidates``, those still due (:func:`_still_due`), leased
    (uncommitted), what to send them, and when their lease ends."""
    batch, targets = [], []
    for candidate in candidates:
        subscription = registry.subscriptions.get(candidate.subscription_id)
        if subscription is None or not _still_due(registry, candidate, now):
            continue
        batch.append(candidate)
        targets.append(_Target(subscription.url, subscription.secret, candidate.event))
    seconds = lease_seconds(timeout)
    for leased in batch:
        lease(leased, now, seconds)
    return batch, targets, now + timedelta(seconds=seconds)


def _record_committed(
    registry: WebhookRegistry,
    batch: list[Delivery],
    attempts: list[tuple[Attempt, datetime] | None],
    *,
    commit,
    abort,
) -> list[str]:
    """Record the ``attempts`` made, each at its time (None: not attempted,
    released) and commit (:func:`outbox_worker.record_committed`: filings
    add deliveries to the same outbox meanwhile); return the outcomes, none
    when they could not be recorded."""

    def write() -> list[tuple[Delivery, Attempt, str]]:
        recorded = []
        for sent, made in zip(batch, attempts, strict=True):
            pending = registry.pending_delivery(sent)
            if pending is None:
                continue
            if made is None:  # not sent in this pass: free again
                pending.leased_until = None
            else:
                attempt, at = made
                recorded.append(
                    (pending, attempt, record(registry, pending, attempt, at))
                )
        return recorded

    recorded = outbox_worker.record_committed(write, commit, abort)
    if recorded is None:
        # Left leased: sent again once the lease runs out (at least once;
        # receivers dedupe on the event id).
        logger.warning(
            "Could not record the outcomes of %d webhook deliveries (write "
            "conflicts): they stay leased and are sent again once their lease "
            "runs out (%s...)",
            len(batch),
            batch[0].id,
        )
        return []
    return logged(recorded)


def _tell(on_outcome: Callable[[str], None] | None, outcomes: list[str]) -> None:
    if on_outcome is not None:
        for outcome in outcomes:
            on_outcome(outcome)
