"""The procedure ("Démarche"): what a citizen needs to know.

Its online form is the ``imio.guichet.online_form`` behavior
(``content/behaviors.py``), enabled in the type's FTI.
"""

from decimal import Decimal
from imio.guichet import _
from imio.guichet.content.online_form import OnlineForm
from plone.app.textfield import RichText
from plone.dexterity.content import Item
from plone.supermodel import model
from zope import schema
from zope.interface import implementer


#: The portal type of the Démarche (for creating one, not for finding the
#: content with a form: that is ``IHasOnlineForm``).
PROCEDURE_TYPE = "imio.guichet.Procedure"

#: The rich-text fields a citizen reads before applying, in display order.
INFORMATION_FIELDS = (
    "eligibility",
    "required_documents",
    "cost",
    "delay",
    "legal_basis",
    "contact",
    "opening_hours",
)


class IProcedure(model.Schema):
    """An online procedure of the municipality."""

    eligibility = RichText(
        title=_("label_eligibility", default="Who may apply"),
        required=False,
    )
    required_documents = RichText(
        title=_("label_required_documents", default="Documents to provide"),
        required=False,
    )
    cost = RichText(title=_("label_cost", default="Cost"), required=False)
    fee = schema.Decimal(
        title=_("label_fee", default="Fee (euros)"),
        description=_(
            "help_fee",
            default="The amount a citizen pays, e.g. 5.00; 0 if the procedure "
            "is free; empty if it depends (explain it under Cost). Published "
            "in the service catalogue and to search engines.",
        ),
        required=False,
        min=Decimal(0),
        max=Decimal(100000),
    )
    delay = RichText(title=_("label_delay", default="Delay"), required=False)
    legal_basis = RichText(
        title=_("label_legal_basis", default="Legal basis"), required=False
    )
    contact = RichText(
        title=_("label_contact", default="Service and contact"), required=False
    )
    opening_hours = RichText(
        title=_("label_opening_hours", default="Opening hours"),
        description=_(
            "help_opening_hours",
            default="When the service receives the public or answers the "
            "phone, e.g. Monday to Friday, 9:00 to 12:00.",
        ),
        required=False,
    )


@implementer(IProcedure)
class Procedure(Item):
    """A procedure. Its online form is the behavior's (``IOnlineForm``);
    these shortcuts read and change it, for code holding a procedure.

    They use the behavior's adapter class itself, not a lookup: the content
    factory sets ``form_schema`` in the constructor, before the object
    knows its portal type (hence its behaviors).
    """

    @property
    def form_schema(self) -> str:
        return OnlineForm(self).form_schema

    @form_schema.setter
    def form_schema(self, value: str) -> None:
        OnlineForm(self).form_schema = value

    @property
    def form_schema_version(self) -> int:
        return OnlineForm(self).form_schema_version

    def form_schema_xml(self, version: int | None = None) -> str:
        return OnlineForm(self).form_schema_xml(version)

    def get_form_schema(self, version: int | None = None):
        return OnlineForm(self).get_form_schema(version)
