"""Managing webhook subscriptions (Site Administrators), without a request."""

from datetime import datetime
from datetime import UTC
from imio.guichet.submissions.access import find_procedure
from imio.guichet.submissions.api import audit_access
from imio.guichet.webhooks.registry import EVENT_TYPES
from imio.guichet.webhooks.registry import get_registry
from imio.guichet.webhooks.registry import Subscription
from urllib.parse import urlsplit


class InvalidSubscription(ValueError):
    """The subscription asked for cannot be made (message says why)."""


def check_url(url: str) -> str:
    """An absolute http(s) URL without credentials in it."""
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSubscription("url must be an absolute http or https URL")
    if parts.username or parts.password:
        raise InvalidSubscription(
            "url must not contain credentials: the signature authenticates us"
        )
    return parts.geturl()


def subscribe(
    procedure_uid: str,
    url: str,
    event_types=EVENT_TYPES,
    *,
    created_by: str | None,
    site_url: str,
    now: datetime | None = None,
) -> Subscription:
    """Subscribe ``url`` to changes of a procedure's submissions.

    ``site_url``: the site's address, as the Site Administrator reached it;
    the links in the events are built from it."""
    if not isinstance(procedure_uid, str) or find_procedure(procedure_uid) is None:
        raise InvalidSubscription("procedure must be the UID of a procedure")
    if (
        not isinstance(event_types, list | tuple)
        or not event_types
        or not set(event_types) <= set(EVENT_TYPES)
    ):
        raise InvalidSubscription(f"events must be a non-empty list of {EVENT_TYPES}")
    subscription = Subscription(
        procedure_uid=procedure_uid,
        url=check_url(url),
        event_types=tuple(dict.fromkeys(event_types)),
        created_by=created_by,
        now=now or datetime.now(UTC),
        site_url=site_url,
    )
    get_registry(create=True).add_subscription(subscription)
    audit_access(
        "subscribe_webhook",
        (),
        {
            "webhook": subscription.id,
            "procedure": procedure_uid,
            "url": subscription.url,
        },
    )
    return subscription


def get_subscription(subscription_id: str) -> Subscription | None:
    registry = get_registry()
    return None if registry is None else registry.subscriptions.get(subscription_id)


def list_subscriptions() -> list[Subscription]:
    registry = get_registry()
    return [] if registry is None else list(registry.subscriptions.values())


def unsubscribe(subscription_id: str) -> bool:
    """Remove a subscription and what it still had to deliver."""
    registry = get_registry()
    if registry is None or subscription_id not in registry.subscriptions:
        return False
    removed = registry.remove_subscription(subscription_id)
    audit_access(
        "unsubscribe_webhook",
        (),
        {
            "webhook": subscription_id,
            "procedure": removed.procedure_uid,
            "url": removed.url,
        },
    )
    return True


def pending_count(subscription_id: str) -> int:
    registry = get_registry()
    if registry is None:
        return 0
    return sum(1 for d in registry.pending() if d.subscription_id == subscription_id)


def delivery_log(subscription_id: str) -> list[dict]:
    registry = get_registry()
    return [] if registry is None else registry.attempts(subscription_id)
