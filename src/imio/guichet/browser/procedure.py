"""The procedure page a citizen reads before applying."""

from functools import cached_property
from imio.guichet.content.availability import get_availability
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.procedure import INFORMATION_FIELDS
from imio.guichet.content.procedure import IProcedure
from plone import api
from Products.Five.browser import BrowserView
from urllib.parse import urlencode


class ProcedureView(BrowserView):
    @cached_property
    def availability(self):
        return get_availability(self.context)

    def sections(self) -> list[dict]:
        """The information sections that the webmaster filled, in order."""
        sections = []
        for name in INFORMATION_FIELDS:
            value = getattr(self.context, name, None)
            if value is None or not value.raw.strip():
                continue
            sections.append(
                {
                    "id": name.replace("_", "-"),
                    "title": IProcedure[name].title,
                    "html": value.output_relative_to(self.context),
                }
            )
        return sections

    @cached_property
    def login_required(self) -> bool:
        return not IOnlineForm(self.context).allow_anonymous and api.user.is_anonymous()

    def submit_url(self) -> str:
        return f"{self.context.absolute_url()}/@@submit"

    def login_url(self) -> str:
        portal_url = api.portal.get().absolute_url()
        return f"{portal_url}/login?{urlencode({'came_from': self.submit_url()})}"
