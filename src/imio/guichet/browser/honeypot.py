"""A field of the anonymous form that people never see, and robots fill.

It is rendered off-screen, hidden from assistive technologies and out of
the tab order, with autocomplete off, so that neither a person nor a
browser's autofill fills it. A submission that has it filled is refused and
nothing is stored.
"""

from html import escape
from imio.guichet import _
from Products.Five.browser import BrowserView
from z3c.form.browser.text import TextWidget
from z3c.form.interfaces import ITextWidget
from z3c.form.widget import FieldWidget
from zope.i18n import translate
from zope.interface import implementer
from zope.schema import TextLine


HONEYPOT_NAME = "guichet_website"

honeypot_field = TextLine(
    __name__=HONEYPOT_NAME,
    title=_("label_honeypot", default="Leave this field empty"),
    required=False,
)


def honeypot_value(form) -> str | None:
    """What the form's honeypot field received (robots fill it)."""
    return form.request.form.get(f"{form.prefix}widgets.{HONEYPOT_NAME}")


class IHoneypotWidget(ITextWidget):
    """The honeypot's widget."""


@implementer(IHoneypotWidget)
class HoneypotWidget(TextWidget):
    pass


def HoneypotFieldWidget(field, request):
    return FieldWidget(field, HoneypotWidget(request))


class RenderHoneypot(BrowserView):
    """The honeypot's own wrapper, in place of Plone's (label, help, error):
    see ``SubmitForm.render_widget``."""

    def __call__(self) -> str:
        widget = self.context
        label = translate(widget.label, context=self.request)
        return (
            '<div class="imio-guichet-hp" aria-hidden="true" style="position:'
            'absolute;left:-10000px;width:1px;height:1px;overflow:hidden">'
            f'<label for="{escape(widget.id)}">{escape(label)}</label>'
            f'<input type="text" id="{escape(widget.id)}" '
            f'name="{escape(widget.name)}" value="" tabindex="-1" '
            'autocomplete="off" /></div>'
        )
