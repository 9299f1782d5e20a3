"""GET {site}/@guichet-openapi: the OpenAPI 3.1 document of the guichet.

The document is openapi.yaml beside this file (docs/openapi.yaml links to
it); the answer names the site it is asked from as its server.
"""

from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from plone.restapi.services import Service

import yaml


DOCUMENT = Path(__file__).parent / "openapi.yaml"


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


class OpenApiGet(Service):
    def reply(self):
        document = deepcopy(openapi_document())
        document["servers"] = [
            {"url": self.context.absolute_url(), "description": self.context.Title()}
        ]
        return document
