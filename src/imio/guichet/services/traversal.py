"""Services that take path parts after their name (``@name/{id}/...``)."""

from plone.restapi.services import Service
from zExceptions import NotFound
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


@implementer(IPublishTraverse)
class PathService(Service):
    """Collects what follows the service's name in ``self.path``; no more
    than ``max_path`` parts (more: 404)."""

    max_path = 1

    def __init__(self, context, request):
        super().__init__(context, request)
        self.path = []

    def publishTraverse(self, request, name):
        if len(self.path) >= self.max_path:
            raise NotFound(self, name, request)
        self.path.append(name)
        return self
