"""Which methods an endpoint of the guichet answers; 405 for the others.

plone.rest finds a service by the request's method and the name after
``@``: a method without a service of that name falls back to Zope's
traversal, which answers 404, as if ``@submissions`` did not exist. So
every name of the guichet also has a service for every method
(``OtherMethod``, registered for any context in ``configure.zcml``); the
real services are registered for more specific contexts (the site, what
has an online form) and win wherever they exist.

Each service says which paths below its name it serves (``paths``): a
real service asked for another path (``POST @submissions/{id}``, where
only ``@submissions/{id}/@ack`` is POSTed) and ``OtherMethod`` answer
405 with the methods that do serve that path in ``Allow``, or 404 when
none does. ``services/base.GuichetService`` does it, before ``reply()``.
"""

from imio.guichet.errors import MethodNotAllowed
from imio.guichet.errors import NotFound
from plone.rest.negotiation import lookup_service_id
from zope.component import queryMultiAdapter


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

#: A segment of a path that any value matches (``{id}``, ``{name}``).
ANY = None

#: The names of the guichet's services, each answering every method.
NAMES = (
    "@form-schema",
    "@form-version",
    "@cpsv-ap",
    "@guichet-models",
    "@submissions",
    "@submissions-export",
    "@submissions-bulk",
    "@drafts",
    "@guichet-openapi",
    "@guichet-audit",
    "@guichet-register",
    "@guichet-webhooks",
    "@guichet-tokens",
    "@guichet-mail-outbox",
    "@my-data",
    "@guichet-person",
    "@guichet-dashboard",
)


def serves(paths, path) -> bool:
    """Whether ``path`` (the parts after the service's name) is one of
    ``paths`` (tuples of literal parts and ``ANY``)."""
    return any(
        len(shape) == len(path)
        and all(
            part is ANY or part == given
            for part, given in zip(shape, path, strict=True)
        )
        for shape in paths
    )


def allowed_methods(context, request, name: str, path) -> list[str]:
    """The methods whose service of this name serves ``path`` here."""
    accept = request.getHeader("Accept") or "application/json"
    allowed = []
    for method in METHODS:
        service_id = lookup_service_id(method, accept)
        if service_id is None:
            continue
        service = queryMultiAdapter((context, request), name=service_id + name)
        if service is not None and serves(getattr(service, "paths", ()), path):
            allowed.append(method)
    return allowed


def service_name(service) -> str:
    """The name a service answers at (``@submissions``)."""
    # plone.rest names the service's class "<method>_<media type>_<name>".
    return service.__name__.removeprefix(service.request._rest_service_id)


def refuse_method(service) -> None:
    """Raise the 405 (or 404) that ``service`` answers for a path it does
    not serve."""
    name = service_name(service)
    path = tuple(getattr(service, "path", ()))
    allowed = allowed_methods(service.context, service.request, name, path)
    if not allowed:
        raise NotFound("No such resource.")
    raise MethodNotAllowed(headers={"Allow": ", ".join(allowed)})
