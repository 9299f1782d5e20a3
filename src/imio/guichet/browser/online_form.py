"""The "Apply online" card of any content with an online form.

The Démarche page shows it below its information sections; on other
content with the behavior (a site package's own procedure type, a page), a
viewlet shows it below the content.
"""

from functools import cached_property
from imio.guichet.browser.oidc import identify_url
from imio.guichet.browser.procedure import ProcedureView
from imio.guichet.caller import HTML
from imio.guichet.channels.caller import caller_from_request
from imio.guichet.content.availability import get_availability
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.errors import IdentityLevelRequired
from imio.guichet.oidc.settings import is_configured
from imio.guichet.oidc.settings import provider_display_name
from imio.guichet.privacy.information import incomplete_message
from imio.guichet.privacy.information import is_legacy_open
from imio.guichet.privacy.information import LEGACY_WARNING
from imio.guichet.privacy.information import missing_information
from imio.guichet.usecases.filing import check_identity_level
from plone import api
from plone.app.layout.viewlets import ViewletBase
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode


class ApplyOnlineView(BrowserView):
    """@@guichet-apply-online: whether the form is open, and the way to it
    (straight to the form, or through the login page)."""

    index = ViewPageTemplateFile("templates/apply_online.pt")

    def __call__(self):
        return self.index()

    @cached_property
    def availability(self):
        return get_availability(
            self.context, language=api.portal.get_current_language()
        )

    def privacy_warning(self):
        """For its editors, why a procedure open before the privacy rule
        (upgrade 1014) must be completed; None otherwise."""
        if not is_legacy_open(self.context):
            return None
        if not api.user.has_permission("Modify portal content", obj=self.context):
            return None
        missing = missing_information(self.context)
        if not missing:
            return None
        return incomplete_message(
            missing, api.portal.get_current_language(), LEGACY_WARNING
        )

    @cached_property
    def login_required(self) -> bool:
        form = IOnlineForm(self.context)
        if form.require_verified_identity:
            return False  # the form is open to all, sending it asks more
        return not form.allow_anonymous and api.user.is_anonymous()

    @cached_property
    def identification_required(self) -> bool:
        """Whether the procedure asks for a verified identity that this
        visitor has not shown (they will be asked when sending)."""
        caller = caller_from_request(self.request, HTML)
        try:
            check_identity_level(caller, self.context)
        except IdentityLevelRequired:
            return True
        return False

    def provider_available(self) -> bool:
        return is_configured()

    def provider_name(self):
        return provider_display_name()

    def identify_url(self) -> str:
        return identify_url(self.submit_url())

    def submit_url(self) -> str:
        return f"{self.context.absolute_url()}/@@submit"

    def login_url(self) -> str:
        portal_url = api.portal.get().absolute_url()
        return f"{portal_url}/login?{urlencode({'came_from': self.submit_url()})}"


class ApplyOnlineViewlet(ViewletBase):
    """The card below the content, except on the Démarche page, which
    places it itself."""

    def available(self) -> bool:
        return not isinstance(self.view, ProcedureView)

    def render(self) -> str:
        if not self.available():
            return ""
        return ApplyOnlineView(self.context, self.request)()
