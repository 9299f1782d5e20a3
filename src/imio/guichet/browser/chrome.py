"""The citizen's pages without the CMS around them.

Plone shows its editing toolbar to every logged-in account (the permission
*Show Toolbar* is given to *Authenticated*) and the byline ("by admin —
last modified") to every logged-in visitor. On the guichet's pages for
citizens (the procedure page, the form and its review, the confirmation,
drafts, tracking and *Mes démarches*: views marked :class:`ICitizenPage`),
a citizen sees neither: both are for those who work on the site. Whoever
may edit, review, add content or handle requests where the page is still
sees them.

Done where Plone decides: ``plone_context_state.is_toolbar_visible`` (the
toolbar and the body classes that make room for it both ask it) and the
byline viewlet's ``show``, for this add-on's browser layer only. The
header's member tools (Plone's own, where the toolbar is not shown) give
the citizen what the toolbar's user menu gave them: *Mes démarches*,
their preferences, logging out.
"""

from AccessControl import getSecurityManager
from plone.app.layout.globals.context import ContextState
from plone.app.layout.viewlets.common import PersonalBarViewlet
from plone.app.layout.viewlets.common import ViewletBase
from plone.app.layout.viewlets.content import DocumentBylineViewlet
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zope.interface import Interface


#: The user action to Mes démarches (profiles/default/actions.xml).
MY_REQUESTS_ACTION = "guichet-my-requests"


class ICitizenPage(Interface):
    """A view of the guichet made for citizens."""


#: What makes someone staff where a page is: they work on the site there.
STAFF_PERMISSIONS = (
    "Modify portal content",
    "Review portal content",
    "Add portal content",
    "imio.guichet: Read submissions",
)


def is_citizen_page(request) -> bool:
    """Whether the page being published is one of the guichet's pages for
    citizens."""
    return ICitizenPage.providedBy(request.get("PUBLISHED"))


def works_here(context) -> bool:
    """Whether the current user may work on the site at ``context``."""
    security = getSecurityManager()
    return any(security.checkPermission(name, context) for name in STAFF_PERMISSIONS)


def hides_cms(context, request) -> bool:
    """Whether this page is shown without the CMS's toolbar and byline:
    a citizen's page, for someone who does not work on the site there."""
    return is_citizen_page(request) and not works_here(context)


class CitizenContextState(ContextState):
    """``plone_context_state`` that keeps the toolbar for staff on the
    citizen's pages."""

    def is_toolbar_visible(self):
        if hides_cms(self.context, self.request):
            return False
        return super().is_toolbar_visible()


class CitizenAwareByline(DocumentBylineViewlet):
    """The byline, left out of the citizen's pages for citizens."""

    def show(self):
        if hides_cms(self.context, self.request):
            return False
        return super().show()


class CitizenLinksViewlet(PersonalBarViewlet):
    """Plone's member tools in the site header (``plone.membertools``,
    which Plone shows where the toolbar is not shown), for this add-on's
    layer: *Mes démarches* for every logged-in visitor, and where the
    toolbar is not shown, their name and the user actions (preferences,
    logging out) as plain links: no drop-down menu to open, and markup
    that assistive technologies read (Plone's is an ARIA menu without its
    menu items)."""

    index = ViewPageTemplateFile("templates/citizen_links.pt")

    def my_requests_url(self) -> str:
        return f"{self.portal_state.portal_url()}/@@my-requests"

    def toolbar_shown(self) -> bool:
        context_state = self.context.restrictedTraverse("@@plone_context_state")
        return bool(context_state.is_toolbar_visible())

    def other_actions(self) -> list[dict]:
        """The user actions but *Mes démarches* (the first link already)."""
        return [
            action
            for action in self.user_actions
            if action["id"] != f"personaltools-{MY_REQUESTS_ACTION}"
        ]

    def render(self):
        return "" if self.anonymous else self.index()


class CitizenStylesViewlet(ViewletBase):
    """The guichet's stylesheet (focus, phones), on its citizen's pages."""

    def render(self):
        if not is_citizen_page(self.request):
            return ""
        url = f"{self.portal_state.portal_url()}/++resource++imio.guichet/guichet.css"
        return f'<link rel="stylesheet" href="{url}" />'
