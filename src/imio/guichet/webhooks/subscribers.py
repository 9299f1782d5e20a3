"""Put a delivery in the outbox for each subscription a change concerns."""

from datetime import datetime
from datetime import UTC
from imio.guichet.submissions.events import DELETED
from imio.guichet.urls import public_site_url
from imio.guichet.webhooks import worker
from imio.guichet.webhooks.delivery import make_event
from imio.guichet.webhooks.registry import Delivery
from imio.guichet.webhooks.registry import get_registry
from imio.guichet.webhooks.registry import SUBMISSION_ANONYMISED
from imio.guichet.webhooks.registry import SUBMISSION_CREATED
from imio.guichet.webhooks.registry import SUBMISSION_DELETED
from imio.guichet.webhooks.registry import SUBMISSION_MESSAGE
from imio.guichet.webhooks.registry import SUBMISSION_STATE_CHANGED
from plone import api
from plone.api.exc import CannotGetPortalError


def enqueue(submission, event_type: str) -> int:
    """Add a delivery per interested subscription; wake the worker at commit."""
    try:
        site = api.portal.get()
    except CannotGetPortalError:  # core functions used outside a site
        return 0
    registry = get_registry(site)
    if registry is None:
        return 0
    subscriptions = list(
        registry.subscriptions_for(submission.procedure_uid, event_type)
    )
    if not subscriptions:
        return 0
    now = datetime.now(UTC)
    for subscription in subscriptions:
        # The site's public URL when subscribed: never this request's Host.
        site_url = subscription.site_url or public_site_url()
        event = make_event(
            event_type,
            source=site_url,
            submission_id=submission.id,
            reference=submission.reference,
            procedure_uid=submission.procedure_uid,
            state=submission.state,
            link=f"{site_url}/@submissions/{submission.id}",
            now=now,
        )
        registry.add_delivery(
            Delivery(subscription_id=subscription.id, event=event, now=now)
        )
    worker.wake_after_commit(site)
    return len(subscriptions)


def submission_created(event) -> None:
    enqueue(event.submission, SUBMISSION_CREATED)


def state_changed(event) -> None:
    enqueue(event.submission, SUBMISSION_STATE_CHANGED)


def message_posted(event) -> None:
    enqueue(event.submission, SUBMISSION_MESSAGE)


def erased(event) -> None:
    """An anonymised or deleted request: the back offices that keep a copy
    delete theirs (the notice holds no personal data)."""
    deleted = event.how == DELETED
    enqueue(event.submission, SUBMISSION_DELETED if deleted else SUBMISSION_ANONYMISED)
