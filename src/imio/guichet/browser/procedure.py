"""The procedure page a citizen reads before applying."""

from babel.numbers import format_currency
from imio.guichet.browser.chrome import ICitizenPage
from imio.guichet.catalogue.schemaorg import script_text
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.content.procedure import INFORMATION_FIELDS
from imio.guichet.content.procedure import IProcedure
from imio.guichet.forms.kinds.numbers import locale_of
from imio.guichet.usecases.catalogue import search_engine_description
from Products.Five.browser import BrowserView
from zope.interface import implementer


@implementer(ICitizenPage)
class ProcedureView(CallerOfRequest, BrowserView):
    def fee(self) -> str:
        """The fee as people write it in the page's language, or ``""``."""
        fee = getattr(self.context, "fee", None)
        if fee is None:
            return ""
        return format_currency(fee, "EUR", locale=locale_of(self.caller.language))

    def sections(self) -> list[dict]:
        """The information sections that the webmaster filled, in order."""
        sections = []
        for name in INFORMATION_FIELDS:
            value = getattr(self.context, name, None)
            has_text = value is not None and value.raw.strip()
            if not has_text and not (name == "cost" and self.fee()):
                continue
            sections.append(
                {
                    "id": name.replace("_", "-"),
                    "title": IProcedure[name].title,
                    "html": value.output_relative_to(self.context) if has_text else "",
                    "fee": self.fee() if name == "cost" else "",
                }
            )
        return sections

    def structured_data(self) -> str:
        """The schema.org description of the service, for search engines."""
        return script_text(search_engine_description(self.caller, self.context))
