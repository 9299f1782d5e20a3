"""GET {site}/@guichet-webhooks[/{id}]: subscriptions and their delivery log.

For Site Administrators ("imio.guichet: Manage integrations"). Secrets are
shown once, when a subscription is made, never here.
"""

from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import guichet_error
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
        caller = caller_from_request(self.request, REST)
        try:
            return self.one(caller) if self.path else self.listing(caller)
        except GuichetError as exc:
            return guichet_error(self.request, exc)

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
