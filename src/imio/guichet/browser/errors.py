"""The core's refusals (:class:`~imio.guichet.errors.GuichetError`) shown
in HTML pages: the one place where they become page errors.

401 raises Zope's ``Unauthorized`` (Plone then offers to log in), 403
``Forbidden`` and 404 ``NotFound``. Any other refusal keeps the page: its
status is set (a stale version, whose check a page makes with a form field
and not with ``If-Match``, is a 409 Conflict), each faulty field's message
goes next to that field and the refusal's message at the top (``form``).
"""

from collections.abc import Iterable
from imio.guichet.errors import FieldError
from imio.guichet.errors import GuichetError
from zExceptions import Forbidden
from zExceptions import NotFound
from zExceptions import Unauthorized


#: Statuses that mean something else for a page than for an API call.
PAGE_STATUS = {
    412: 409,  # the version seen is a form field, not an HTTP precondition
    428: 409,
}


def raise_for_page(exc: GuichetError) -> None:
    """Raise Zope's exception for a refusal that leaves nothing to show."""
    message = str(exc.message)
    if exc.status == 401:
        raise Unauthorized(message) from exc
    if exc.status == 403:
        raise Forbidden(message) from exc
    if exc.status == 404:
        raise NotFound(message) from exc


def field_messages(fields: Iterable[FieldError]) -> dict:
    """Field name -> the message to show next to it."""
    return {field.field: field.message for field in fields}


def show_on_page(view, exc: GuichetError) -> None:
    """Keep ``view``'s page, with why ``exc`` refused (in ``view.errors``,
    which the page's template shows); 401, 403 and 404 raise instead."""
    raise_for_page(exc)
    response = view.request.response
    response.setStatus(PAGE_STATUS.get(exc.status, exc.status))
    for name, value in exc.headers.items():
        response.setHeader(name, value)
    view.errors["form"] = exc.message
    view.errors.update(field_messages(exc.fields))
