"""The privacy information of a procedure, complete or not.

What a procedure says of itself (purpose, lawful basis and its law,
recipients, whether the data are mandatory, categories of data subjects,
special categories) is completed by the authority's identity (controller,
data protection officer) and settings (the default of "mandatory", the
security measures) from the "Guichet: the authority" control panel.

**Opening needs it complete.** :func:`missing_information` says what is
missing; :func:`opening_refused` refuses to save a procedure open to
submissions without it (the behavior's invariant: a form error on the edit
form, 400 over REST), and :func:`takes_submissions` keeps a procedure
opened by other means (a script, an import) closed to citizens
(``content.availability``). Procedures that were open before this rule
(upgrade 1014) carry :data:`LEGACY_OPEN`: they keep taking submissions and
their editors see a warning, until they are closed or completed.
"""

from Acquisition import aq_base
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.authority import Authority
from imio.guichet.authority import get_authority
from imio.guichet.authority import IAuthority
from imio.guichet.content.translations import canonical
from imio.guichet.i18n import translate_for
from imio.guichet.privacy.schema import BASES_WITH_LAW
from imio.guichet.privacy.schema import MANDATORY_CHOICES
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility
from zope.i18nmessageid import Message
from zope.interface import Invalid


#: Attribute of a procedure that was open to submissions when the rule
#: came (upgrade 1014): it keeps taking them, incomplete, until closed.
LEGACY_OPEN = "guichet_privacy_legacy_open"

MISSING_PURPOSE = _("privacy_missing_purpose", default="the purpose")
MISSING_BASIS = _("privacy_missing_basis", default="the lawful basis")
MISSING_LAW = _(
    "privacy_missing_law", default="the law or regulation of the lawful basis"
)
MISSING_RECIPIENTS = _("privacy_missing_recipients", default="the recipients")
MISSING_MANDATORY = _(
    "privacy_missing_mandatory",
    default="whether providing the data is mandatory",
)
MISSING_DPO = _(
    "privacy_missing_dpo",
    default="the e-mail of the data protection officer (control panel "
    "'Guichet: the authority')",
)
INCOMPLETE = _(
    "error_privacy_incomplete",
    default="Online submissions cannot be open until the privacy "
    "information is complete (tab 'Online form'). Missing: ${missing}. "
    "Complete it, or uncheck 'Online submissions are open'.",
)
LEGACY_WARNING = _(
    "warning_privacy_legacy_open",
    default="This form was open before privacy information was required, and "
    "stays open, but citizens are not fully told what is done with their "
    "data. Missing: ${missing}. Complete it in the tab 'Online form': once "
    "closed, the form opens again only complete.",
)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _lines(value) -> tuple[str, ...]:
    return tuple(line.strip() for line in value or () if line and line.strip())


def effective_mandatory(source, authority: Authority | None = None) -> str:
    """Whether the data are mandatory: the procedure's choice, else the
    authority's default, else ``""``."""
    value = getattr(source, "privacy_mandatory", None)
    if value in MANDATORY_CHOICES:
        return value
    authority = authority or get_authority()
    default = authority.privacy_mandatory_default
    return default if default in MANDATORY_CHOICES else ""


def missing_information(source, authority: Authority | None = None) -> list[Message]:
    """What the privacy information of ``source`` (a procedure, or the
    values of its edit form) lacks to be complete, in the order of the
    form; empty when complete."""
    authority = authority or get_authority()
    missing = []
    if not _text(getattr(source, "privacy_purpose", None)):
        missing.append(MISSING_PURPOSE)
    basis = getattr(source, "privacy_legal_basis", None)
    if not basis:
        missing.append(MISSING_BASIS)
    elif basis in BASES_WITH_LAW and not _text(
        getattr(source, "privacy_legal_reference", None)
    ):
        missing.append(MISSING_LAW)
    if not _lines(getattr(source, "privacy_recipients", None)):
        missing.append(MISSING_RECIPIENTS)
    if not effective_mandatory(source, authority):
        missing.append(MISSING_MANDATORY)
    if not authority.dpo_email:
        missing.append(MISSING_DPO)
    return missing


#: A record that upgrade 1014 (or the install) adds: the rule is in force
#: once it is there. Between deploying this code and running the upgrade,
#: no form closes for want of privacy information.
_RULE_RECORD = f"{IAuthority.__identifier__}.privacy_mandatory_default"


def rule_in_force() -> bool:
    registry = queryUtility(IRegistry)
    return registry is not None and _RULE_RECORD in registry.records


def is_legacy_open(procedure) -> bool:
    return bool(getattr(aq_base(procedure), LEGACY_OPEN, False))


def takes_submissions(procedure) -> bool:
    """Whether the privacy information lets ``procedure`` take
    submissions: complete, or open since before the rule."""
    # A translation's privacy information is its original's (one form).
    procedure = canonical(procedure)
    if is_legacy_open(procedure) or not rule_in_force():
        return True
    return not missing_information(procedure)


def incomplete_message(
    missing: list[Message], language: str | None, message: Message = INCOMPLETE
) -> Message:
    """The refusal (or ``message``) naming what is missing, in
    ``language``."""
    names = ", ".join(translate_for(item, language) for item in missing)
    return Message(message, mapping={"missing": names})


def opening_refused(data, context, language: str | None) -> None:
    """Raise :class:`Invalid` when ``data`` (the values of a procedure's
    edit form, its other values read from ``context``) opens submissions
    while the privacy information is incomplete. A procedure open before
    the rule (:data:`LEGACY_OPEN`) may stay open; closed once, it opens
    again only complete."""
    if not getattr(data, "submissions_open", False):
        return
    if context is not None and is_legacy_open(context):
        return
    if not rule_in_force():
        return
    missing = missing_information(data)
    if missing:
        raise Invalid(incomplete_message(missing, language))


def forget_legacy(procedure, event=None) -> None:
    """Subscriber (procedure modified): a legacy procedure closed or
    completed loses its exemption; reopening it needs the information."""
    if not is_legacy_open(procedure):
        return
    if not getattr(procedure, "submissions_open", False) or not (
        missing_information(procedure)
    ):
        delattr(procedure, LEGACY_OPEN)


@dataclass(frozen=True)
class PrivacyInformation:
    """Everything the notice and the register say of a procedure."""

    controller: str
    controller_address: tuple[str, ...]
    controller_email: str
    dpo_name: str
    dpo_email: str
    purpose: str
    legal_basis: str
    legal_reference: str
    recipients: tuple[str, ...]
    mandatory: str
    data_subjects: tuple[str, ...]
    special_categories: tuple[str, ...]
    security_measures: str


def privacy_of(procedure, authority: Authority | None = None) -> PrivacyInformation:
    authority = authority or get_authority()
    # A translation's privacy information is its original's (one form).
    procedure = canonical(procedure)
    return PrivacyInformation(
        controller=authority.official_name,
        controller_address=authority.address_lines,
        controller_email=authority.email,
        dpo_name=authority.dpo_name,
        dpo_email=authority.dpo_email,
        purpose=_text(getattr(procedure, "privacy_purpose", None)),
        legal_basis=getattr(procedure, "privacy_legal_basis", None) or "",
        legal_reference=_text(getattr(procedure, "privacy_legal_reference", None)),
        recipients=_lines(getattr(procedure, "privacy_recipients", None)),
        mandatory=effective_mandatory(procedure, authority),
        data_subjects=_lines(getattr(procedure, "privacy_data_subjects", None)),
        special_categories=tuple(
            getattr(procedure, "privacy_special_categories", None) or ()
        ),
        security_measures=_text(authority.security_measures),
    )
