"""GET {procedure}/@cpsv-ap and GET {site}/@cpsv-ap: the public service
catalogue in CPSV-AP 3.2.0, as JSON-LD (docs/catalogue.md)."""

from imio.guichet.catalogue.cpsv import MEDIA_TYPE
from imio.guichet.services.base import GuichetService
from imio.guichet.usecases import catalogue


class ServiceDescriptionGet(GuichetService):
    content_type = MEDIA_TYPE

    def reply(self):
        return catalogue.service_description(self.caller, self.context)


class CatalogueGet(GuichetService):
    content_type = MEDIA_TYPE

    def reply(self):
        return catalogue.catalogue_description(self.caller)
