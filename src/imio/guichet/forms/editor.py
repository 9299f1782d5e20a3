"""Registration of the guichet's field types with plone.supermodel (so
that a form's XML may use them) and plone.schemaeditor (so that the
schema editor offers them); see configure.zcml."""

from imio.guichet import _
from imio.guichet.forms import fields
from plone.schemaeditor.fields import FieldFactory
from plone.supermodel.exportimport import BaseHandler


NISSHandler = BaseHandler(fields.NISS)
IBANHandler = BaseHandler(fields.IBAN)
EnterpriseNumberHandler = BaseHandler(fields.EnterpriseNumber)
PostalCodeHandler = BaseHandler(fields.PostalCode)
PhoneHandler = BaseHandler(fields.Phone)
AddressHandler = BaseHandler(fields.Address)
RelativeDateHandler = BaseHandler(fields.RelativeDate)

NISSFactory = FieldFactory(
    fields.NISS, _("label_niss_field", default="National register number (NISS)")
)
IBANFactory = FieldFactory(
    fields.IBAN, _("label_iban_field", default="Bank account (IBAN)")
)
EnterpriseNumberFactory = FieldFactory(
    fields.EnterpriseNumber,
    _("label_enterprise_number_field", default="Enterprise number (BCE/KBO)"),
)
PostalCodeFactory = FieldFactory(
    fields.PostalCode, _("label_postal_code_field", default="Belgian postal code")
)
PhoneFactory = FieldFactory(
    fields.Phone, _("label_phone_field", default="Phone number")
)
AddressFactory = FieldFactory(
    fields.Address, _("label_address_field", default="Postal address")
)
RelativeDateFactory = FieldFactory(
    fields.RelativeDate,
    _("label_relative_date_field", default="Date (bounds counted from today)"),
)
