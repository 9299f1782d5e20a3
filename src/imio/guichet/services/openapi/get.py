"""GET {site}/@guichet-openapi: the OpenAPI 3.1 document of the guichet.

The document is openapi.yaml beside this file (docs/openapi.yaml links to
it); the answer names the site it is asked from as its server.
"""

from copy import deepcopy
from functools import lru_cache
from imio.guichet.services.base import GuichetService
from pathlib import Path

import yaml


DOCUMENT = Path(__file__).parent / "openapi.yaml"


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


class OpenApiGet(GuichetService):
    def reply(self):
        document = deepcopy(openapi_document())
        document["servers"] = [
            {"url": self.context.absolute_url(), "description": self.context.Title()}
        ]
        return document
