"""The webhook outbox's background thread (the machinery of
:mod:`imio.guichet.outbox_worker`, shared with the e-mail outbox): it sends
what is due, then sleeps until the next retry or until a transaction adds a
delivery."""

from functools import partial
from imio.guichet import outbox_worker
from imio.guichet.metrics import counters
from imio.guichet.webhooks import delivery
from imio.guichet.webhooks.registry import get_registry


def _has_pending(site) -> bool:
    registry = get_registry(site)
    return registry is not None and len(registry.outbox) > 0


def _send_due(site, commit, abort):
    registry = get_registry(site)
    if registry is None:
        return None
    delivery.deliver_due(
        registry,
        commit,
        abort,
        on_outcome=partial(counters.count_webhook_attempt, site),
    )
    outbox_worker.sweep_committed(registry.outbox, commit, abort)
    abort()  # see what others committed meanwhile
    return delivery.next_due(registry)


WEBHOOKS = outbox_worker.OutboxKind("webhooks", _has_pending, _send_due)


def wake(db, site_path: tuple[str, ...]) -> None:
    """Start the site's worker if needed, and have it look now."""
    outbox_worker.wake(WEBHOOKS, db, site_path)


def wake_after_commit(site) -> None:
    outbox_worker.wake_after_commit(WEBHOOKS, site)


def resume_pending(event) -> None:
    """On start-up, restart delivery for sites whose outbox is not empty."""
    outbox_worker.resume_pending(WEBHOOKS, event)
