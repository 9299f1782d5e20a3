"""GET {site}/@guichet-webhooks[/{id}]: subscriptions and their delivery log.

For Site Administrators ("imio.guichet: Manage integrations"). Secrets are
shown once, when a subscription is made, never here.
"""

from imio.guichet.services.base import GuichetService
from imio.guichet.services.methods import ANY
from imio.guichet.usecases import admin


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


class WebhooksGet(GuichetService):
    paths = ((), (ANY,))

    def reply(self):
        return self.one(self.caller) if self.path else self.listing(self.caller)

    def listing(self, caller) -> dict:
        subscriptions = admin.list_webhooks(caller)
        return {
            "@id": f"{self.context.absolute_url()}/@guichet-webhooks",
            "items_total": len(subscriptions),
            "items": [serialize_subscription(self.context, s) for s in subscriptions],
        }

    def one(self, caller) -> dict:
        state = admin.read_webhook(caller, self.path[0])
        return {
            **serialize_subscription(self.context, state.subscription),
            "pending": state.pending,
            "deliveries": state.deliveries,
        }
