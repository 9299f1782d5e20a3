"""The register of processing activities (GDPR art. 30(1)): each
procedure with an online form is one processing activity.

Computed from the procedures each time it is read, so it follows every
change of a form or of its settings without being stored anywhere. The
categories of personal data come from the kinds of the form's fields
(:data:`KIND_CATEGORIES`), the special categories from what the webmaster
ticked; a procedure that requires a verified identity records the
national register number whatever its form asks.
"""

from imio.guichet import _
from imio.guichet.authority import get_authority
from imio.guichet.content.availability import get_availability
from imio.guichet.content.behaviors import find_online_forms
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.forms.kinds import kind_of
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.i18n import translate_for
from imio.guichet.privacy.information import missing_information
from imio.guichet.privacy.information import privacy_of
from imio.guichet.privacy.notice import basis_text
from imio.guichet.privacy.notice import procedure_retention
from imio.guichet.privacy.schema import SPECIAL_CATEGORIES
from imio.guichet.urls import public_url_of
from imio.guichet.webhooks.registry import get_registry
from urllib.parse import urlsplit
from zope.i18nmessageid import Message
from zope.schema import getFieldsInOrder


#: The categories of personal data, in the register's order.
DATA_CATEGORIES = {
    "identification": _("data_category_identification", default="Identification"),
    "contact": _("data_category_contact", default="Contact details"),
    "national_register_number": _(
        "data_category_national_register_number",
        default="National register number",
    ),
    "financial": _("data_category_financial", default="Financial (IBAN)"),
    "files": _("data_category_files", default="Documents (files)"),
    "free_text": _("data_category_free_text", default="Free text"),
}
#: What each kind of field (forms.kinds) collects. Kinds not named here
#: (choices, numbers, dates, web addresses) answer the procedure's own
#: questions and add no category of their own.
KIND_CATEGORIES = {
    "text": ("identification",),
    "be-enterprise-number": ("identification",),
    "be-niss": ("identification", "national_register_number"),
    "email": ("contact",),
    "phone": ("contact",),
    "be-address": ("contact",),
    "be-postal-code": ("contact",),
    "iban": ("financial",),
    "file": ("files",),
    "long-text": ("free_text",),
}
DEFAULT_SECURITY_MEASURES = _(
    "default_security_measures",
    default="Requests are readable only by the staff of the services that "
    "handle them, each access is recorded in an audit trail; connections are "
    "encrypted (HTTPS); back offices receive them with personal API tokens; "
    "the database is backed up; requests are kept no longer than their "
    "retention period.",
)

#: The register's columns (CSV), in order.
COLUMNS = (
    ("procedure", _("register_procedure", default="Processing activity")),
    ("controller", _("register_controller", default="Controller")),
    ("dpo", _("register_dpo", default="Data protection officer")),
    ("purpose", _("register_purpose", default="Purpose")),
    ("legal_basis", _("register_legal_basis", default="Lawful basis")),
    ("data_subjects", _("register_data_subjects", default="Data subjects")),
    (
        "data_categories",
        _("register_data_categories", default="Categories of personal data"),
    ),
    (
        "special_categories",
        _("register_special_categories", default="Special categories"),
    ),
    ("recipients", _("register_recipients", default="Recipients")),
    ("retention", _("register_retention", default="Retention")),
    ("security_measures", _("register_security", default="Security measures")),
    ("complete", _("register_complete", default="Information complete")),
)
YES = _("register_yes", default="Yes")
NO = _("register_no", default="No")


def data_categories(procedure) -> tuple[str, ...]:
    """The categories of personal data ``procedure``'s form collects."""
    found = set()
    try:
        fields = getFieldsInOrder(IOnlineForm(procedure).get_form_schema())
    except InvalidFormSchema:
        fields = []
    for _name, field in fields:
        kind = kind_of(field)
        found.update(KIND_CATEGORIES.get(kind.name if kind else "", ()))
    if getattr(procedure, "require_verified_identity", False):
        found.update(("identification", "national_register_number"))
    return tuple(name for name in DATA_CATEGORIES if name in found)


def back_offices(procedure_uid: str) -> list[str]:
    """The hosts of the back offices told of ``procedure``'s requests by
    webhook (*Guichet: back-office integrations*): recipients the register
    names whether or not the webmaster listed them."""
    registry = get_registry()
    if registry is None:
        return []
    hosts = []
    for subscription_id in registry.by_procedure.get(procedure_uid, ()):
        subscription = registry.subscriptions.get(subscription_id)
        if subscription is None or not subscription.active:
            continue
        host = urlsplit(subscription.url).hostname
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def _tr(value, language) -> str:
    return translate_for(value, language) if isinstance(value, Message) else value


def activity(procedure, language: str | None, authority=None) -> dict:
    """``procedure`` as an activity of the register, as JSON, texts in
    ``language``."""
    authority = authority or get_authority()
    info = privacy_of(procedure, authority)
    categories = data_categories(procedure)
    retention = procedure_retention(procedure, language)
    return {
        "@id": public_url_of(procedure),
        "uid": procedure.UID(),
        "title": procedure.Title(),
        "open": get_availability(procedure).is_open,
        "complete": not missing_information(procedure, authority),
        "missing": [
            translate_for(item, language)
            for item in missing_information(procedure, authority)
        ],
        "controller": {
            "name": info.controller,
            "address": "\n".join(info.controller_address),
            "email": info.controller_email,
        },
        "dpo": {"name": info.dpo_name, "email": info.dpo_email},
        "purpose": info.purpose,
        "legal_basis": info.legal_basis or None,
        "legal_basis_title": _tr(basis_text(info), language),
        "legal_reference": info.legal_reference,
        "data_subjects": list(info.data_subjects),
        "data_categories": list(categories),
        "data_category_titles": [
            translate_for(DATA_CATEGORIES[name], language) for name in categories
        ],
        "special_categories": list(info.special_categories),
        "special_category_titles": [
            translate_for(SPECIAL_CATEGORIES[name], language)
            for name in info.special_categories
            if name in SPECIAL_CATEGORIES
        ],
        "recipients": list(info.recipients),
        "back_offices": back_offices(procedure.UID()),
        "retention": translate_for(retention, language) if retention else None,
        "security_measures": info.security_measures
        or translate_for(DEFAULT_SECURITY_MEASURES, language),
    }


def activities(language: str | None) -> list[dict]:
    """Every procedure with an online form, by title, as the register's
    activities (whatever the reader may see of them: the register is the
    authority's, read by those allowed to read it)."""
    authority = get_authority()
    return [
        activity(brain._unrestrictedGetObject(), language, authority)
        for brain in find_online_forms(sort_on="sortable_title")
    ]


def row(entry: dict, language: str | None) -> list[str]:
    """An activity as the cells of the register's CSV (:data:`COLUMNS`)."""
    controller = entry["controller"]
    dpo = entry["dpo"]
    cells = {
        "procedure": entry["title"],
        "controller": "\n".join(
            part for part in (controller["name"], controller["address"]) if part
        ),
        "dpo": dpo_text_of(dpo),
        "purpose": entry["purpose"],
        "legal_basis": entry["legal_basis_title"],
        "data_subjects": "\n".join(entry["data_subjects"]),
        "data_categories": "\n".join(entry["data_category_titles"]),
        "special_categories": "\n".join(entry["special_category_titles"]),
        "recipients": "\n".join([*entry["recipients"], *entry["back_offices"]]),
        "retention": entry["retention"] or "",
        "security_measures": entry["security_measures"],
        "complete": translate_for(YES if entry["complete"] else NO, language),
    }
    return [cells[name] for name, _title in COLUMNS]


def dpo_text_of(dpo: dict) -> str:
    if dpo["name"] and dpo["email"]:
        return f"{dpo['name']} ({dpo['email']})"
    return dpo["email"] or dpo["name"]


def header(language: str | None) -> list[str]:
    return [translate_for(title, language) for _name, title in COLUMNS]
