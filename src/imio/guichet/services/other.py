"""``<guichet:otherMethods />``: every name of the guichet answers every
method, 405 where none of its services takes it (see ``methods.py``)."""

from imio.guichet.interfaces import IImioGuichetLayer
from imio.guichet.services.base import GuichetService
from imio.guichet.services.methods import METHODS
from imio.guichet.services.methods import NAMES
from plone.rest.zcml import serviceDirective
from zope.interface import Interface


class OtherMethod(GuichetService):
    """Serves no path: answers 405 with ``Allow`` (404 where no method
    serves the path). Registered for any context, so that the real
    services, registered for the site or what has an online form, win."""

    paths = ()


class IOtherMethodsDirective(Interface):
    """``<guichet:otherMethods />`` takes no attribute."""


def other_methods(_context) -> None:
    """Handler of ``<guichet:otherMethods />``."""
    for name in NAMES:
        for method in METHODS:
            serviceDirective(
                _context,
                method=method,
                accept="application/json",
                factory=OtherMethod,
                for_=Interface,
                permission="zope.Public",
                layer=IImioGuichetLayer,
                name=name,
            )
