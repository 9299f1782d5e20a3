"""The authority that runs the site: set once, in the "Guichet: authority"
control panel, and read from here by everything that names it (the public
service catalogue in CPSV-AP and schema.org, and later the receipts, the
e-mails and the privacy notice).

An authority is a commune, a CPAS, a police or rescue zone: its territory
is identified by the NIS (INS) code of Statistics Belgium, which the
catalogue turns into the URI of Belgif's REFNIS code list.
"""

from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.privacy.schema import DEFAULT_MANDATORY
from imio.guichet.privacy.schema import MANDATORY_VOCABULARY
from plone.registry.interfaces import IRegistry
from plone.schema.email import _isemail as is_email_address
from urllib.parse import urlsplit
from zope import schema
from zope.component import getUtility
from zope.interface import Interface
from zope.interface import Invalid

import re


#: Belgif's URI of a REFNIS code (the federal code list of Belgian
#: administrative units), from the NIS code of a municipality, district,
#: province or region.
REFNIS_URI = "http://vocab.belgif.be/auth/refnis2019/{code}#id"
_NIS_CODE = re.compile(r"[0-9]{5}\Z")
_POSTAL_CODE = re.compile(r"[1-9][0-9]{3}\Z")


def _is_nis_code(value: str) -> bool:
    if value and not _NIS_CODE.match(value):
        raise Invalid(
            _("error_nis_code", default="A NIS code has five digits, e.g. 92094.")
        )
    return True


def _is_email(value: str) -> bool:
    # plone.schema's check, as its Email field does; the registry stores
    # TextLine records only.
    if value and not is_email_address(value):
        raise Invalid(
            _("error_authority_email", default="An e-mail address, e.g. info@namur.be.")
        )
    return True


def _is_postal_code(value: str) -> bool:
    if value and not _POSTAL_CODE.match(value):
        raise Invalid(
            _("error_postal_code", default="A Belgian postal code has four digits.")
        )
    return True


def _is_web_address(value: str) -> bool:
    parts = urlsplit(value or "")
    if value and not (parts.scheme in ("http", "https") and parts.netloc):
        raise Invalid(
            _(
                "error_web_address",
                default="An address starting with https:// or http://.",
            )
        )
    return True


class IAuthority(Interface):
    """The authority's identity (registry records)."""

    official_name = schema.TextLine(
        title=_("label_authority_name", default="Official name"),
        description=_(
            "help_authority_name",
            default="As the authority signs, e.g. 'Ville de Namur', "
            "'CPAS de Namur', 'Zone de police Namur Capitale'.",
        ),
        required=False,
        default="",
    )
    nis_code = schema.TextLine(
        title=_("label_authority_nis_code", default="NIS code"),
        description=_(
            "help_authority_nis_code",
            default="The code of the authority's territory in Statistics "
            "Belgium's list (REFNIS), e.g. 92094 for Namur. The public "
            "service catalogue (CPSV-AP) needs it.",
        ),
        required=False,
        default="",
        constraint=_is_nis_code,
    )
    territory_uri = schema.TextLine(
        title=_("label_authority_territory_uri", default="Territory URI"),
        description=_(
            "help_authority_territory_uri",
            default="Leave empty: it is built from the NIS code. Give it for "
            "a territory that has no NIS code (a police or rescue zone "
            "spanning several municipalities).",
        ),
        required=False,
        default="",
        constraint=_is_web_address,
    )
    street = schema.TextLine(
        title=_("label_authority_street", default="Street and number"),
        required=False,
        default="",
    )
    postal_code = schema.TextLine(
        title=_("label_authority_postal_code", default="Postal code"),
        required=False,
        default="",
        constraint=_is_postal_code,
    )
    locality = schema.TextLine(
        title=_("label_authority_locality", default="Locality"),
        required=False,
        default="",
    )
    website = schema.TextLine(
        title=_("label_authority_website", default="Website"),
        required=False,
        default="",
        constraint=_is_web_address,
    )
    email = schema.TextLine(
        title=_("label_authority_email", default="E-mail"),
        required=False,
        default="",
        constraint=_is_email,
    )
    telephone = schema.TextLine(
        title=_("label_authority_telephone", default="Telephone"),
        required=False,
        default="",
    )
    logo = schema.Bytes(
        title=_("label_authority_logo", default="Logo of the authority"),
        description=_(
            "help_authority_logo",
            default="On the acknowledgements of receipt (PNG or JPEG). Empty: "
            "the site's logo, if it has one.",
        ),
        required=False,
    )
    dpo_name = schema.TextLine(
        title=_("label_authority_dpo_name", default="Data protection officer"),
        required=False,
        default="",
    )
    dpo_email = schema.TextLine(
        title=_(
            "label_authority_dpo_email",
            default="E-mail of the data protection officer",
        ),
        required=False,
        default="",
        constraint=_is_email,
    )
    privacy_mandatory_default = schema.Choice(
        title=_(
            "label_privacy_mandatory_default",
            default="Must citizens provide the data? (default of the procedures)",
        ),
        description=_(
            "help_privacy_mandatory_default",
            default="Said in the privacy notice of every form whose "
            "procedure does not say otherwise.",
        ),
        vocabulary=MANDATORY_VOCABULARY,
        required=False,
        default=DEFAULT_MANDATORY,
    )
    security_measures = schema.Text(
        title=_("label_security_measures", default="Security measures"),
        description=_(
            "help_security_measures",
            default="The technical and organisational measures that protect "
            "the data, as the register of processing activities states them. "
            "Leave empty for the guichet's own description.",
        ),
        required=False,
        default="",
        max_length=3000,
    )


@dataclass(frozen=True)
class Authority:
    """What is known of the authority; empty strings where nothing is set."""

    official_name: str = ""
    nis_code: str = ""
    territory_uri: str = ""
    street: str = ""
    postal_code: str = ""
    locality: str = ""
    website: str = ""
    email: str = ""
    telephone: str = ""
    dpo_name: str = ""
    dpo_email: str = ""
    privacy_mandatory_default: str = ""
    security_measures: str = ""
    #: The logo as the image widget stores it (``filenameb64:…;datab64:…``),
    #: or b"".
    logo: bytes = b""

    @property
    def territory(self) -> str:
        """The URI of the authority's territory, or ``""``."""
        if self.territory_uri:
            return self.territory_uri
        if self.nis_code:
            return REFNIS_URI.format(code=self.nis_code)
        return ""

    @property
    def address_lines(self) -> tuple[str, ...]:
        locality = " ".join(p for p in (self.postal_code, self.locality) if p)
        return tuple(line for line in (self.street, locality) if line)


def get_authority() -> Authority:
    """The authority of the current site, from its registry (a record not
    there yet, on a site whose upgrade to it has not run, reads empty)."""
    # Each record read once from the registry: api.portal.get_registry_record
    # would check its arguments and read each record twice, and every
    # filing reads the authority (its e-mails' sender, its privacy notice).
    registry = getUtility(IRegistry)
    prefix = IAuthority.__identifier__
    values = {}
    for name in IAuthority.names():
        value = registry.get(f"{prefix}.{name}", "")
        if value:
            values[name] = value
    return Authority(**values)
