"""GET {site}/@guichet-tokens: the API tokens (never the tokens themselves)."""

from imio.guichet.caller import REST
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.errors import GuichetError
from imio.guichet.services.base import GuichetService
from imio.guichet.services.errors import guichet_error
from imio.guichet.usecases import admin


def serialize_token(site, record: dict) -> dict:
    return {
        "@id": f"{site.absolute_url()}/@guichet-tokens/{record['id']}",
        **{
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in record.items()
        },
    }


class TokensGet(GuichetService):
    def reply(self):
        try:
            tokens = admin.list_tokens(caller_from_request(self.request, REST))
        except GuichetError as exc:
            return guichet_error(self.request, exc)
        return {
            "@id": f"{self.context.absolute_url()}/@guichet-tokens",
            "items_total": len(tokens),
            "items": [serialize_token(self.context, record) for record in tokens],
        }
