"""Webhook subscriptions, the outbox of deliveries and their log.

Everything lives in one persistent :class:`WebhookRegistry` per site (a site
annotation), never in the catalog. A submission's transaction only *reads*
the subscriptions of its procedure and, when there are some, adds deliveries
to the outbox: they exist if and only if that transaction commits, and they
survive a restart. Delivering them is :mod:`imio.guichet.webhooks.delivery`'s
job, outside any request.
"""

from BTrees.OOBTree import OOBTree
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from imio.guichet.backlog import Backlog
from imio.guichet.backlog import queue_backlog
from imio.guichet.storage import CompactRecord
from imio.guichet.storage import site_store
from imio.guichet.storage import TimeMap
from persistent import Persistent

import base64
import secrets
import uuid


ANNOTATION_KEY = "imio.guichet.webhooks"

#: CloudEvents ``type`` of each event a subscription may ask for.
SUBMISSION_CREATED = "be.imio.guichet.submission.created"
SUBMISSION_STATE_CHANGED = "be.imio.guichet.submission.state_changed"
#: A message between the citizen and the service (state unchanged).
SUBMISSION_MESSAGE = "be.imio.guichet.submission.message"
#: A request's personal data removed, or the request deleted (retention,
#: or staff): the receiver deletes its copy.
SUBMISSION_ANONYMISED = "be.imio.guichet.submission.anonymised"
SUBMISSION_DELETED = "be.imio.guichet.submission.deleted"
EVENT_TYPES = (
    SUBMISSION_CREATED,
    SUBMISSION_STATE_CHANGED,
    SUBMISSION_MESSAGE,
    SUBMISSION_ANONYMISED,
    SUBMISSION_DELETED,
)

#: Attempts recorded per subscription; older ones are dropped.
LOG_SIZE = 500


class Subscription(Persistent):
    """A back office's wish to be told about one procedure's submissions."""

    active = True

    def __init__(
        self,
        *,
        procedure_uid: str,
        url: str,
        event_types: tuple[str, ...],
        created_by: str | None,
        now: datetime,
        site_url: str = "",
    ):
        self.id = uuid.uuid4().hex
        self.procedure_uid = procedure_uid
        self.url = url
        self.event_types = tuple(event_types)
        #: Shared with the receiver once, at creation, to check signatures:
        #: "whsec_" and the base64 of a 256-bit key (Standard Webhooks).
        self.secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        #: The site's address when it was made (by a Site Administrator):
        #: events' links are built from it, never from the Host header of
        #: the request that filed a submission.
        self.site_url = site_url
        self.created = now
        self.created_by = created_by


class DeliveryEvent(Persistent):
    """The CloudEvent of a :class:`Delivery`, kept apart from it: written
    once, whereas the delivery is written again by its lease (and by each
    failed attempt)."""

    def __init__(self, event: dict):
        self.event = event


class Delivery(CompactRecord):
    """One event to POST to one subscription, until it is accepted; written
    as a compact record (one per filing and subscription, written again by
    its lease)."""

    RECORD = (
        "id",
        "subscription_id",
        "body",
        "queued",
        "attempts",
        "next_attempt",
        "leased_until",
        "last_error",
        "arrival_key",
        "left_queue_at",
    )
    RECORD_TIMES = frozenset({"queued", "next_attempt", "leased_until"})

    #: Its key in the registry's ``outbox`` (when it arrived there) while it
    #: is pending.
    arrival_key = None

    #: None for deliveries queued before events were kept apart (their
    #: event is in their own ``event`` attribute).
    body = None

    def __init__(self, *, subscription_id: str, event: dict, now: datetime):
        self.id = event["id"]  # the CloudEvents id: receivers dedupe on it
        self.subscription_id = subscription_id
        self.body = DeliveryEvent(event)
        #: When it entered the outbox.
        self.queued = now
        self.attempts = 0
        self.next_attempt = now
        #: Set while an instance is sending it, so that others leave it.
        self.leased_until = None
        self.last_error = None

    @property
    def event(self) -> dict:
        if self.body is not None:
            return self.body.event
        return vars(self)["event"]  # queued before events were kept apart


class WebhookRegistry(Persistent):
    def __init__(self):
        self.subscriptions = OOBTree()  # id -> Subscription
        self.by_procedure = OOBTree()  # procedure uid -> (subscription ids)
        # Pending deliveries only, by when they entered the outbox, spread
        # over shards: every submission of a subscribed procedure adds one,
        # and they must not conflict; how many wait and since when is read
        # without loading them (backlog.py). Integer keys: a bucket of them
        # is a fraction of one keyed by text ids, and commits rewrite whole
        # buckets.
        self.outbox = TimeMap()  # arrival key -> Delivery
        self.log = OOBTree()  # subscription id -> OOBTree(key -> attempt)

    # -- subscriptions ------------------------------------------------------

    def add_subscription(self, subscription: Subscription) -> None:
        self.subscriptions[subscription.id] = subscription
        ids = self.by_procedure.get(subscription.procedure_uid, ())
        self.by_procedure[subscription.procedure_uid] = (*ids, subscription.id)

    def remove_subscription(self, subscription_id: str) -> Subscription:
        """Forget a subscription and drop its pending deliveries."""
        subscription = self.subscriptions.pop(subscription_id)
        ids = self.by_procedure.get(subscription.procedure_uid, ())
        remaining = tuple(i for i in ids if i != subscription_id)
        if remaining:
            self.by_procedure[subscription.procedure_uid] = remaining
        else:
            self.by_procedure.pop(subscription.procedure_uid, None)
        for delivery in list(self.pending()):
            if delivery.subscription_id == subscription_id:
                self.remove_delivery(delivery)
        self.log.pop(subscription_id, None)
        return subscription

    def subscriptions_for(self, procedure_uid: str, event_type: str):
        for subscription_id in self.by_procedure.get(procedure_uid, ()):
            subscription = self.subscriptions[subscription_id]
            if subscription.active and event_type in subscription.event_types:
                yield subscription

    # -- outbox and log -----------------------------------------------------

    def add_delivery(self, delivery: Delivery, arrived: datetime | None = None) -> None:
        delivery.arrival_key = self.outbox.add(arrived or delivery.queued, delivery)

    def pending_delivery(self, delivery: Delivery) -> Delivery | None:
        """``delivery`` as it is pending now (None: sent or given up
        meanwhile)."""
        if delivery.arrival_key is None:
            return None
        current = self.outbox.get(delivery.arrival_key)
        return current if current is delivery else None

    def remove_delivery(self, delivery: Delivery) -> None:
        """Take ``delivery`` out of the outbox. It is not written: one that
        leaves is never read again (:meth:`pending_delivery` finds it gone
        by its key), and nearly every event leaves at its first attempt."""
        if self.pending_delivery(delivery) is not None:
            self.outbox.pop(delivery.arrival_key)

    def backlog(self) -> Backlog:
        """How many deliveries wait, and since when (O(shards · log n))."""
        return queue_backlog(self.outbox)

    def pending(self):
        yield from list(self.outbox.values())

    def log_attempt(self, subscription_id: str, attempt: dict, now: datetime) -> None:
        if subscription_id not in self.subscriptions:
            return  # unsubscribed meanwhile: its log is gone with it
        log = self.log.get(subscription_id)
        if log is None:
            log = self.log[subscription_id] = OOBTree()
        micros = (now - _EPOCH) // timedelta(microseconds=1)
        log[f"{micros:017d}:{secrets.token_hex(4)}"] = attempt
        while len(log) > LOG_SIZE:
            del log[log.minKey()]

    def attempts(self, subscription_id: str) -> list[dict]:
        """The subscription's logged attempts, newest first."""
        log = self.log.get(subscription_id)
        return [] if log is None else [dict(a) for a in reversed(list(log.values()))]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def get_registry(site=None, create: bool = False) -> WebhookRegistry | None:
    """The site's webhook registry; None when nothing was ever subscribed."""
    return site_store(ANNOTATION_KEY, WebhookRegistry, create=create, site=site)
