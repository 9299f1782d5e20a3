"""Build the :class:`~imio.guichet.caller.Caller` of a request, once."""

from AccessControl import getSecurityManager
from functools import cached_property
from imio.guichet.caller import Caller
from imio.guichet.caller import HTML
from imio.guichet.identities import verified_identity_of
from imio.guichet.oidc.session import login_id_of
from plone import api


def is_anonymous() -> bool:
    """Whether nobody is logged in, as ``plone.api.user.is_anonymous`` (that
    is, ``portal_membership.isAnonymousUser``) says, without looking up the
    tool and checking the call's arguments: every page of a filing asks it
    more than once."""
    user = getSecurityManager().getUser()
    return user is None or user.getUserName() == "Anonymous User"


def caller_from_request(request, channel: str) -> Caller:
    """The caller behind ``request``, as it reached us through ``channel``.

    The client address is Zope's ``getClientAddr()``, which honours the
    ``trusted-proxy`` settings of zope.conf (behind a load balancer the
    rate limit then sees the citizen's address, not the balancer's).
    """
    if is_anonymous():
        user_id, roles, identity = None, frozenset(), None
    else:
        user = api.user.get_current()
        user_id, roles = user.getId(), frozenset(user.getRoles())
        identity = verified_identity_of(user_id, login_id_of(request))
    return Caller(
        user_id=user_id,
        roles=roles,
        channel=channel,
        client_address=request.getClientAddr() or "unknown",
        language=api.portal.get_current_language() or None,
        identity=identity,
    )


class CallerOfRequest:
    """For a view or a service: ``self.caller``, the caller of its request,
    built once; a subclass names the ``channel`` it is part of."""

    channel: str = HTML

    @cached_property
    def caller(self) -> Caller:
        return caller_from_request(self.request, self.channel)


def accepted_language(request, languages) -> str | None:
    """The first of ``languages`` that the request's Accept-Language asks
    for (by preference, then order; a region's tag counts for its language),
    or None when it asks for none of them."""
    header = request.getHeader("Accept-Language") or ""
    asked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if code in languages and quality > 0:
            asked.append((-quality, position, code))
    return min(asked)[2] if asked else None
