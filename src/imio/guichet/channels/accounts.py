"""Accounts deleted through Plone's own user management (its control panel,
its ``@users`` service or a script): the guichet's use case is told, with
the caller who deleted the account."""

from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.caller import REST
from imio.guichet.caller import script_caller
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.usecases import admin
from plone import api
from plone.api.exc import CannotGetPortalError
from plone.rest.interfaces import IAPIRequest
from zope.globalrequest import getRequest


def deleting_caller() -> Caller:
    """Who is deleting the account: the user of the request being served
    (an event brings no request of its own), or of the script's session."""
    request = getRequest()
    if request is None or not hasattr(request, "getClientAddr"):
        user = None if api.user.is_anonymous() else api.user.get_current().getId()
        return script_caller(user)
    return caller_from_request(
        request, REST if IAPIRequest.providedBy(request) else HTML
    )


def account_deleted(event) -> None:
    """Subscriber of PAS's IPrincipalDeletedEvent."""
    try:
        api.portal.get()
    except CannotGetPortalError:  # deleted outside a site (a Zope root user)
        return
    principal = event.principal
    user_id = principal if isinstance(principal, str) else principal.getId()
    admin.account_deleted(deleting_caller(), user_id)
