"""Widgets of the citizen's form for the guichet's own field types."""

from imio.guichet import _
from imio.guichet.forms.fields import ADDRESS_PARTS
from imio.guichet.forms.fields import IAddress
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.forms.uploads import UploadLimits
from plone import api
from plone.formwidget.namedfile.widget import NamedFileWidget
from z3c.form.browser.widget import HTMLInputWidget
from z3c.form.converter import BaseDataConverter
from z3c.form.interfaces import IFieldWidget
from z3c.form.interfaces import IFormLayer
from z3c.form.interfaces import IWidget
from z3c.form.interfaces import NO_VALUE
from z3c.form.widget import FieldWidget
from z3c.form.widget import Widget
from zope.component import adapter
from zope.i18n import translate
from zope.interface import implementer


ADDRESS_LABELS = {
    "street": _("label_address_street", default="Street"),
    "number": _("label_address_number", default="Number"),
    "box": _("label_address_box", default="Box"),
    "postal_code": _("label_address_postal_code", default="Postal code"),
    "locality": _("label_address_locality", default="Locality"),
}
ADDRESS_AUTOCOMPLETE = {"postal_code": "postal-code", "locality": "address-level2"}


class IAddressWidget(IWidget):
    """One text input per part of an address."""


@implementer(IAddressWidget)
class AddressWidget(HTMLInputWidget, Widget):
    """Its value is the dict of the parts as typed; the field checks it."""

    klass = "address-widget"
    value = None

    def extract(self, default=NO_VALUE):
        parts = {
            part: self.request.get(f"{self.name}.{part}") for part in ADDRESS_PARTS
        }
        if not any(isinstance(text, str) and text.strip() for text in parts.values()):
            return default
        return {part: text for part, text in parts.items() if isinstance(text, str)}

    def parts(self) -> list[dict]:
        value = self.value if isinstance(self.value, dict) else {}
        return [
            {
                "name": f"{self.name}.{part}",
                "id": f"{self.id}-{part.replace('_', '-')}",
                "label": translate(ADDRESS_LABELS[part], context=self.request),
                "value": value.get(part, ""),
                "max_length": max_length,
                "autocomplete": ADDRESS_AUTOCOMPLETE.get(part, "off"),
            }
            for part, max_length in ADDRESS_PARTS.items()
        ]


@adapter(IAddress, IFormLayer)
@implementer(IFieldWidget)
def AddressFieldWidget(field, request):
    return FieldWidget(field, AddressWidget(request))


@adapter(IAddress, IAddressWidget)
class AddressConverter(BaseDataConverter):
    def toWidgetValue(self, value):
        return dict(value) if isinstance(value, dict) else {}

    def toFieldValue(self, value):
        return dict(value) if value else self.field.missing_value


class UploadWidget(NamedFileWidget):
    """A file input that keeps nothing.

    plone.formwidget.namedfile keeps a file sent with a form that has
    errors in the site's annotations, for the next try: here a refused
    file must leave no trace, and anonymous visitors may not write to the
    site. After an error the citizen chooses the file again.

    Its own template (templates/upload_input.pt) leaves out the widget's
    line "Allowed types: application/pdf, image/png." (media types, in
    English): the citizen reads the limits in words, in the page's language.
    """

    file_upload_id = ""
    allow_nochange = False

    @property
    def limits(self) -> UploadLimits:
        """The procedure's limits, narrowed by the field's own."""
        return upload_limits(self.form.context, self.field)

    @property
    def accept(self):
        # A hint for the browser's file chooser; the server sniffs anyway.
        return ", ".join(self.limits.allowed_content_types)

    def update(self):
        super().update()
        self.value = None  # show an empty file input again

    @property
    def limits_id(self) -> str:
        return f"{self.id}-limits"

    def limits_text(self) -> str:
        """ "PDF, PNG or JPEG, up to 10 MB." in the page's language."""
        limits = self.limits.in_words(api.portal.get_current_language())
        return translate(limits, context=self.request) + "."


def UploadFieldWidget(field, request):
    return FieldWidget(field, UploadWidget(request))
