"""The privacy notice of a procedure's form: a concise one on the form (its
first step and its review step) and on the PDF receipt, the full text on
the procedure's ``@@guichet-privacy`` page.

Both are made here from :func:`~imio.guichet.privacy.information.privacy_of`
as rows of (heading, text), each a :class:`Message` or plain text that the
page or the receipt translates in its reader's language.

**Retention.** How long requests are kept is the retention policy's
(:func:`imio.guichet.retention.policy.retention_of`: the procedure's own,
else the site's default), worded by :func:`retention_sentence`.
"""

from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.i18n import counted
from imio.guichet.privacy.information import privacy_of
from imio.guichet.privacy.information import PrivacyInformation
from imio.guichet.privacy.schema import LEGAL_BASES
from imio.guichet.privacy.schema import MANDATORY_CHOICES
from imio.guichet.retention.policy import retention_of
from zope.i18nmessageid import Message


#: The address of a procedure's full privacy information.
PRIVACY_VIEW = "@@guichet-privacy"

HEADING = _("privacy_notice_heading", default="Your personal data")
CONTROLLER = _("privacy_notice_controller", default="Controller")
PURPOSE = _("privacy_notice_purpose", default="Purpose")
BASIS = _("privacy_notice_basis", default="Lawful basis")
RECIPIENTS = _("privacy_notice_recipients", default="Recipients")
MANDATORY = _("privacy_notice_mandatory", default="Providing the data")
RETENTION = _("privacy_notice_retention", default="Retention")
RIGHTS = _("privacy_notice_rights", default="Your rights")
DPO = _("privacy_notice_dpo", default="Data protection officer")
FULL_TEXT = _("privacy_notice_full_text", default="Full privacy information")
RIGHTS_TEXT = _(
    "privacy_notice_rights_text",
    default="You may access your data, have them corrected or erased, restrict "
    "or object to their processing, and lodge a complaint with the Data "
    "Protection Authority (www.autoriteprotectiondonnees.be). Write to the "
    "data protection officer: ${dpo}.",
)
CONSENT_TEXT = _(
    "privacy_notice_consent",
    default="You may withdraw your consent at any time, without affecting "
    "what was done before.",
)
BASIS_WITH_LAW = _("privacy_notice_basis_with_law", default="${basis}: ${law}")
#: How long requests are kept, then anonymised (i18n.counted, in days:
#: a period may be of 1 day).
RETENTION_ANONYMISE = {
    "one": _(
        "privacy_retention_anonymise_one",
        default="Your request is kept ${count} day after it ends (closed, "
        "rejected or withdrawn); then your data are removed from it.",
    ),
    "other": _(
        "privacy_retention_anonymise_other",
        default="Your request is kept ${count} days after it ends (closed, "
        "rejected or withdrawn); then your data are removed from it.",
    ),
}
#: How long requests are kept, then deleted (i18n.counted, in days).
RETENTION_DELETE = {
    "one": _(
        "privacy_retention_delete_one",
        default="Your request is kept ${count} day after it ends (closed, "
        "rejected or withdrawn); then it is deleted.",
    ),
    "other": _(
        "privacy_retention_delete_other",
        default="Your request is kept ${count} days after it ends (closed, "
        "rejected or withdrawn); then it is deleted.",
    ),
}


def retention_sentence(
    days: int | None, action: str | None, language: str | None = None
) -> Message | None:
    """How long requests are kept, in a sentence for readers of
    ``language`` (the days counted as they count; None: the site's default
    language); None without a period.

    ``action`` is what happens at its end: ``"delete"``, or anonymisation
    (``"anonymise"``, the default)."""
    if not days:
        return None
    forms = RETENTION_DELETE if action == "delete" else RETENTION_ANONYMISE
    return counted(forms, days, language)


def retention_of_procedure(procedure) -> tuple[int | None, str | None]:
    """(days, action) of ``procedure``'s retention (the site's default
    where the procedure sets none)."""
    retention = retention_of(procedure)
    return retention.days, retention.action


def procedure_retention(procedure, language: str | None = None) -> Message | None:
    """``procedure``'s retention in a sentence for readers of ``language``."""
    return retention_sentence(*retention_of_procedure(procedure), language)


def basis_text(info: PrivacyInformation) -> Message | str:
    basis = LEGAL_BASES.get(info.legal_basis)
    if basis is None:
        return ""
    if info.legal_reference:
        return Message(
            BASIS_WITH_LAW, mapping={"basis": basis, "law": info.legal_reference}
        )
    return basis


def dpo_text(info: PrivacyInformation) -> str:
    if info.dpo_name and info.dpo_email:
        return f"{info.dpo_name} ({info.dpo_email})"
    return info.dpo_email or info.dpo_name


@dataclass(frozen=True)
class Notice:
    """The concise notice: rows of (heading, text), and where the full
    text is."""

    rows: tuple[tuple[Message, Message | str], ...]
    full_text_url: str


def _rows(procedure, info: PrivacyInformation, language: str | None) -> list[tuple]:
    rows = [
        (CONTROLLER, info.controller),
        (PURPOSE, info.purpose),
        (BASIS, basis_text(info)),
        (RECIPIENTS, ", ".join(info.recipients)),
        (MANDATORY, MANDATORY_CHOICES.get(info.mandatory, "")),
        (RETENTION, procedure_retention(procedure, language) or ""),
        # Without a DPO (a form open before the rule), the authority's own
        # address.
        (
            RIGHTS,
            Message(
                RIGHTS_TEXT, mapping={"dpo": dpo_text(info) or info.controller_email}
            ),
        ),
    ]
    return rows


def concise_notice(
    procedure, procedure_url: str, language: str | None = None
) -> Notice:
    """The notice shown on the form and printed on the receipt:
    ``procedure_url`` is the procedure's address (the site's public one
    on a receipt); ``language`` the one it is read in (its counts are
    counted as its readers count; None: the site's default language)."""
    info = privacy_of(procedure)
    rows = tuple(
        (head, text) for head, text in _rows(procedure, info, language) if text
    )
    return Notice(rows=rows, full_text_url=f"{procedure_url}/{PRIVACY_VIEW}")


def full_notice(procedure, language: str | None = None) -> list[tuple]:
    """The full privacy information of ``procedure`` (art. 13): every row
    of the concise notice, the controller's address and contact, the data
    protection officer, and consent's withdrawal for basis (a); for
    readers of ``language`` (as :func:`concise_notice`)."""
    info = privacy_of(procedure)
    contact = (info.controller, *info.controller_address, info.controller_email)
    rows = []
    for head, text in _rows(procedure, info, language):
        if head is RIGHTS:
            rows.append((DPO, dpo_text(info)))
        if head is CONTROLLER:
            rows.append((head, "\n".join(part for part in contact if part)))
        else:
            rows.append((head, text))
    if info.legal_basis == "a":
        rows.append((RIGHTS, CONSENT_TEXT))
    return [(head, text) for head, text in rows if text]
