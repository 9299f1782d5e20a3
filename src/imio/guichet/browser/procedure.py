"""The procedure page a citizen reads before applying."""

from imio.guichet.browser.chrome import ICitizenPage
from imio.guichet.content.procedure import INFORMATION_FIELDS
from imio.guichet.content.procedure import IProcedure
from Products.Five.browser import BrowserView
from zope.interface import implementer


@implementer(ICitizenPage)
class ProcedureView(BrowserView):
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
