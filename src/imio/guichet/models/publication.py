"""What a site publishes as models, and what it made from others' models.

A procedure shared as a model keeps each version it published, frozen
(the package's JSON text): ``?version=N`` answers what was published as N,
whatever the procedure has become since. A procedure made from a model
keeps where it came from and the package it applied (the base of a later
update's comparison). Both are annotations of the procedure: they move
and go with it.
"""

from BTrees.IOBTree import IOBTree
from datetime import datetime
from persistent import Persistent
from zope.annotation.interfaces import IAnnotations
from zope.interface import alsoProvides
from zope.interface import Interface
from zope.interface import noLongerProvides

import json


PUBLICATION_KEY = "imio.guichet.models.publication"
ORIGIN_KEY = "imio.guichet.models.origin"


class IPublishedModel(Interface):
    """Marker of a procedure shared as a model (found by the catalog's
    ``object_provides``)."""


class ModelPublication(Persistent):
    """The versions of one model, by number."""

    def __init__(self, model_id: str):
        self.model_id = model_id
        self.versions = IOBTree()

    @property
    def latest_version(self) -> int:
        return self.versions.maxKey() if self.versions else 0

    def add(self, package: dict) -> None:
        self.versions[package["version"]] = json.dumps(
            package, ensure_ascii=False, sort_keys=True
        )

    def package(self, version: int | None = None) -> dict | None:
        if not self.versions:
            return None
        text = self.versions.get(
            version if version is not None else self.latest_version
        )
        return json.loads(text) if text is not None else None

    def history(self) -> list[dict]:
        """Each version's number, date and summary of changes, newest first."""
        entries = []
        for version in reversed(self.versions.keys()):
            package = json.loads(self.versions[version])
            entries.append(
                {
                    "version": version,
                    "published": package["published"],
                    "changes": package.get("changes", ""),
                }
            )
        return entries


def get_publication(procedure) -> ModelPublication | None:
    return IAnnotations(procedure).get(PUBLICATION_KEY)


def start_publication(procedure, model_id: str) -> ModelPublication:
    publication = ModelPublication(model_id)
    IAnnotations(procedure)[PUBLICATION_KEY] = publication
    alsoProvides(procedure, IPublishedModel)
    procedure.reindexObject(idxs=["object_provides"])
    return publication


def stop_publication(procedure) -> None:
    IAnnotations(procedure).pop(PUBLICATION_KEY, None)
    noLongerProvides(procedure, IPublishedModel)
    procedure.reindexObject(idxs=["object_provides"])


class ModelOrigin(Persistent):
    """Where a procedure made from a model came from."""

    def __init__(self, catalogue: str, package: dict, applied: datetime, values: dict):
        self.catalogue = catalogue
        self.model_id = package["model_id"]
        self.version = package["version"]
        self.applied = applied
        #: The package as applied: what a later version is compared with.
        self.package_text = json.dumps(package, ensure_ascii=False, sort_keys=True)
        #: The names of the local parameters the authority gave.
        self.local_names = tuple(sorted(values))

    @property
    def package(self) -> dict:
        return json.loads(self.package_text)


def get_origin(procedure) -> ModelOrigin | None:
    return IAnnotations(procedure).get(ORIGIN_KEY)


def set_origin(procedure, origin: ModelOrigin) -> None:
    IAnnotations(procedure)[ORIGIN_KEY] = origin


def forget_copied_publication(procedure, event) -> None:
    """A copy of a shared procedure is not the model: two procedures would
    claim one model id (subscriber of IObjectCopiedEvent)."""
    if get_publication(procedure) is not None:
        stop_publication(procedure)
