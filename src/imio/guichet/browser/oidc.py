"""The pages of the OpenID Connect login (see imio.guichet.oidc).

- ``@@guichet-identify?came_from=…`` (site root): sends the browser to the
  identity provider;
- ``@@guichet-oidc-callback`` (site root): where the provider sends it
  back (the client's redirect URI);
- the ``login`` page, with "Log in with <provider>" beside the local form;
- ``logout``: ends the Plone session and, when the citizen came with the
  provider and it offers one, the provider's session.
"""

from imio.guichet import _
from imio.guichet.identities import verified_identity_of
from imio.guichet.oidc.flow import end_session_url
from imio.guichet.oidc.flow import finish_login
from imio.guichet.oidc.flow import LoginFailed
from imio.guichet.oidc.flow import ProviderUnavailable
from imio.guichet.oidc.flow import sign_in
from imio.guichet.oidc.flow import start_login
from imio.guichet.oidc.session import end_login
from imio.guichet.oidc.session import login_id_of
from imio.guichet.oidc.settings import is_configured
from imio.guichet.oidc.settings import provider_display_name
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from Products.CMFPlone.browser.login.login import LoginForm
from Products.CMFPlone.browser.login.logout import LogoutView
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from zope.interface import alsoProvides

import logging


logger = logging.getLogger(__name__)

IDENTIFY_VIEW = "@@guichet-identify"


def safe_came_from(came_from) -> str:
    """``came_from`` when it is a page of this site, else the site."""
    portal_url = api.portal.get_tool("portal_url")
    if isinstance(came_from, str) and came_from and portal_url.isURLInPortal(came_from):
        return came_from
    return api.portal.get().absolute_url()


def identify_url(came_from: str) -> str:
    """The link that identifies the citizen with the provider, then brings
    them back to ``came_from``."""
    portal_url = api.portal.get().absolute_url()
    return f"{portal_url}/{IDENTIFY_VIEW}?{urlencode({'came_from': came_from})}"


def _no_store(request) -> None:
    request.response.setHeader("Cache-Control", "no-store")


class IdentifyView(BrowserView):
    """Send the browser to the identity provider."""

    def __call__(self):
        _no_store(self.request)
        came_from = safe_came_from(self.request.form.get("came_from"))
        if not is_configured():
            api.portal.show_message(
                _(
                    "error_oidc_not_configured",
                    default="Identification with an identity provider is not "
                    "available on this site.",
                ),
                self.request,
                "error",
            )
            return self.request.response.redirect(came_from)
        try:
            url = start_login(self.request, came_from)
        except ProviderUnavailable as unavailable:
            api.portal.show_message(unavailable.message, self.request, "error")
            return self.request.response.redirect(came_from)
        return self.request.response.redirect(url)


class CallbackView(BrowserView):
    """The provider's answer: log the person in, back where they were."""

    def __call__(self):
        _no_store(self.request)
        # A GET that writes (the account, its verified identity): what
        # protects it is the state, checked against this browser's cookie.
        alsoProvides(self.request, IDisableCSRFProtection)
        portal_url = api.portal.get().absolute_url()
        try:
            identity, came_from = finish_login(self.request)
        except LoginFailed as failed:
            logger.warning("OpenID login refused: %s", failed.reason)
            api.portal.show_message(failed.message, self.request, "error")
            self.request.response.redirect(f"{portal_url}/login")
            return ""
        sign_in(self.request, identity)
        self.request.response.redirect(safe_came_from(came_from))
        return ""


class GuichetLoginForm(LoginForm):
    """Plone's login form, with the identity provider's button."""

    index = ViewPageTemplateFile("templates/login.pt")

    def provider_available(self) -> bool:
        return is_configured()

    def provider_name(self):
        return provider_display_name()

    def provider_login_url(self) -> str:
        return identify_url(safe_came_from(self.get_came_from()))


class GuichetLogoutView(LogoutView):
    """Plone's logout; then the provider's, for a citizen who came with it."""

    def __call__(self):
        user_id = None if api.user.is_anonymous() else api.user.get_current().getId()
        identity = verified_identity_of(user_id, login_id_of(self.request))
        end_login(self.request)
        super().__call__()
        if identity is None or not is_configured():
            return
        back_to = f"{api.portal.get().absolute_url()}/logged-out"
        url = end_session_url(back_to)
        if url is not None:
            self.request.response.redirect(url)
