"""GET {site}/@guichet-models: the procedure models this site publishes,
and GET {site}/@guichet-models/{model_id}: one model's package (the latest
version, or ``?version=N``). Readable without login (docs/models.md)."""

from imio.guichet.errors import InvalidQuery
from imio.guichet.services.base import GuichetService
from imio.guichet.services.methods import ANY
from imio.guichet.submissions.query import whole_number
from imio.guichet.usecases import models


class ModelsGet(GuichetService):
    paths = ((), (ANY,))

    def reply(self):
        url = f"{self.context.absolute_url()}/@guichet-models"
        if self.path:
            return self.package(self.path[0])
        items = models.list_models(self.caller, self.request.form.get("q", ""))
        return {
            "@id": url,
            "items_total": len(items),
            "items": [{"@id": f"{url}/{item['model_id']}", **item} for item in items],
        }

    def package(self, model_id: str) -> dict:
        version = self.request.form.get("version")
        if version is not None and not whole_number(version):
            raise InvalidQuery(f"version must be a number, not {version!r}")
        return models.model_package(
            self.caller, model_id, whole_number(version) if version else None
        )
