"""Managing webhook subscriptions (Site Administrators), without a request."""

from datetime import datetime
from datetime import UTC
from imio.guichet.errors import InvalidInput
from imio.guichet.submissions.access import find_procedure
from imio.guichet.webhooks.registry import EVENT_TYPES
from imio.guichet.webhooks.registry import get_registry
from imio.guichet.webhooks.registry import Subscription
from urllib.parse import urlsplit


class InvalidSubscription(InvalidInput):
    """The subscription asked for cannot be made (message says why)."""

    code = "invalid_subscription"


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


def check_event_types(event_types) -> tuple[str, ...]:
    """A non-empty list of known event types, without repetitions."""
    if (
        not isinstance(event_types, list | tuple)
        or not event_types
        or not set(event_types) <= set(EVENT_TYPES)
    ):
        raise InvalidSubscription(f"events must be a non-empty list of {EVENT_TYPES}")
    return tuple(dict.fromkeys(event_types))


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
    subscription = Subscription(
        procedure_uid=procedure_uid,
        url=check_url(url),
        event_types=check_event_types(event_types),
        created_by=created_by,
        now=now or datetime.now(UTC),
        site_url=site_url,
    )
    get_registry(create=True).add_subscription(subscription)
    return subscription


def update_subscription(
    subscription_id: str, *, url: str | None = None, event_types=None
) -> Subscription | None:
    """Point a subscription elsewhere or change its events (its secret and
    pending deliveries stay). None when there is no such subscription."""
    subscription = get_subscription(subscription_id)
    if subscription is None:
        return None
    # Both checked before either is changed: a refusal changes nothing.
    new_url = subscription.url if url is None else check_url(url)
    new_types = (
        subscription.event_types
        if event_types is None
        else check_event_types(event_types)
    )
    subscription.url, subscription.event_types = new_url, new_types
    return subscription


def get_subscription(subscription_id: str) -> Subscription | None:
    registry = get_registry()
    return None if registry is None else registry.subscriptions.get(subscription_id)


def list_subscriptions() -> list[Subscription]:
    registry = get_registry()
    return [] if registry is None else list(registry.subscriptions.values())


def unsubscribe(subscription_id: str) -> Subscription | None:
    """Remove a subscription and what it still had to deliver; return it,
    None when there is no such subscription."""
    registry = get_registry()
    if registry is None or subscription_id not in registry.subscriptions:
        return None
    return registry.remove_subscription(subscription_id)


def pending_count(subscription_id: str) -> int:
    registry = get_registry()
    if registry is None:
        return 0
    return sum(1 for d in registry.pending() if d.subscription_id == subscription_id)


def delivery_log(subscription_id: str) -> list[dict]:
    registry = get_registry()
    return [] if registry is None else registry.attempts(subscription_id)
