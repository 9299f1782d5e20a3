"""On the edit form of a procedure's translation, the fieldsets whose
settings are the original procedure's (the online form and its settings,
its privacy information, its e-mails and its handling: shared by every
language, docs/multilingual.md) say so at their top, with a link to the
original; a status message says it once above the form. Editing them on a
translation changes them for every language: a webmaster must not believe
they change the German version only."""

from html import escape
from imio.guichet import _
from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.content.translations import canonical
from imio.guichet.interfaces import IImioGuichetLayer
from plone import api
from plone.uuid.interfaces import IUUID
from plone.z3cform.fieldsets.extensible import FormExtender
from plone.z3cform.fieldsets.group import GroupFactory
from plone.z3cform.fieldsets.interfaces import IFormExtender
from z3c.form.interfaces import IEditForm
from zope.component import adapter
from zope.i18n import translate
from zope.i18nmessageid import Message
from zope.interface import implementer


#: The fieldsets of the online form's behavior: the original's settings.
SHARED_FIELDSETS = ("online_form", "notifications", "handling")

SHARED_SETTINGS = _(
    "help_shared_settings",
    default="These settings are shared by every language of this procedure: "
    "changing them here changes them in the original (${original}) and in "
    "all its translations.",
)


@adapter(IHasOnlineForm, IImioGuichetLayer, IEditForm)
@implementer(IFormExtender)
class SharedSettingsNotice(FormExtender):
    """Says, on a translation's edit form, which settings are shared."""

    order = 100

    def update(self):
        original = canonical(self.context)
        if IUUID(original, None) == IUUID(self.context, None):
            return  # the original, or a procedure in one language
        link = (
            f'<a href="{escape(original.absolute_url(), quote=True)}/edit" '
            f'lang="{escape(original.Language() or "", quote=True)}">'
            f"{escape(original.Title())}</a>"
        )
        text = translate(
            Message(SHARED_SETTINGS, mapping={"original": "\x00"}), context=self.request
        )
        # The text escaped, the original's link put in (rendered as HTML).
        description = escape(text).replace("\x00", link)
        described = f'<span class="guichet-shared-settings">{description}</span>'
        groups = []
        for group in self.form.groups:
            if getattr(group, "__name__", None) in SHARED_FIELDSETS:
                # A copy: the form's own factory is left as it was.
                groups.append(
                    GroupFactory(
                        group.__name__,
                        group.fields,
                        group.label,
                        described,
                        getattr(group, "order", None),
                    )
                )
            else:
                groups.append(group)
        self.form.groups = groups
        if self.request.method == "GET":
            message = Message(SHARED_SETTINGS, mapping={"original": original.Title()})
            api.portal.show_message(message, self.request, type="warning")
