"""GET {site}/@guichet-webhooks[/{id}]: subscriptions and their delivery log.

For Site Administrators ("imio.guichet: Manage integrations"). Secrets are
shown once, when a subscription is made, never here.
"""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import error
from imio.guichet.services.traversal import PathService
from imio.guichet.webhooks.api import delivery_log
from imio.guichet.webhooks.api import get_subscription
from imio.guichet.webhooks.api import list_subscriptions
from imio.guichet.webhooks.api import pending_count


def serialize_subscription(site, subscription) -> dict:
    return {
        "@id": f"{site.absolute_url()}/@guichet-webhooks/{subscription.id}",
        "id": subscription.id,
        "procedure": subscription.procedure_uid,
        "url": subscription.url,
        "events": list(subscription.event_types),
        "created": subscription.created.isoformat(),
        "created_by": subscription.created_by,
    }


class WebhooksGet(GuichetService, PathService):
    def reply(self):
        if not self.path:
            subscriptions = list_subscriptions()
            return {
                "@id": f"{self.context.absolute_url()}/@guichet-webhooks",
                "items_total": len(subscriptions),
                "items": [
                    serialize_subscription(self.context, s) for s in subscriptions
                ],
            }
        subscription = get_subscription(self.path[0])
        if subscription is None:
            return error(self.request, 404, "No such webhook subscription.")
        return {
            **serialize_subscription(self.context, subscription),
            "pending": pending_count(subscription.id),
            "deliveries": delivery_log(subscription.id),
        }
