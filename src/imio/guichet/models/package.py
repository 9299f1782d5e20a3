"""A model package: a procedure as one versioned JSON document.

Built from a procedure (:func:`package_of`), checked when read
(:func:`check_package`: its JSON Schema, then the form it carries), and
applied to a procedure with the authority's local parameters
(:func:`apply_package`). The local parameters' values never travel in a
package: they are the using authority's own (its fee, contact, service
addresses...).
"""

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from functools import cache
from imio.guichet import _
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.procedure import INFORMATION_FIELDS
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidInput
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.i18n import base_language
from imio.guichet.i18n import site_languages
from imio.guichet.notifications.templates import check_template
from imio.guichet.notifications.templates import get_templates
from imio.guichet.notifications.templates import MailTemplate
from imio.guichet.notifications.templates import set_templates
from imio.guichet.privacy.schema import PRIVACY_FIELDS
from imio.guichet.retention.settings import IRetention
from jsonschema import Draft202012Validator
from pathlib import Path
from plone.app.textfield.value import RichTextValue
from plone.schema.email import _isemail as is_email_address
from types import SimpleNamespace
from zope import schema
from zope.i18n import translate
from zope.interface import Invalid
from zope.schema import ValidationError

import json


FORMAT = "imio.guichet.model"
FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "package.schema.json"

#: The settings of a procedure that travel with a model, and the schema of
#: each (what reads, writes and checks it): the online form's, its privacy
#: information (purpose, lawful basis...; the authority's data protection
#: officer is its own), its retention.
FORM_SETTINGS = (
    "allow_anonymous",
    "require_verified_identity",
    "allow_correcting_prefill",
    "confirm_to_citizen",
    "notify_state_changes",
    "citizen_email_field",
    "max_file_size",
    "max_files",
    "allowed_file_types",
    "processing_days",
    "processing_day_kind",
    "list_columns",
    *PRIVACY_FIELDS,
    "retention_days",
    "retention_action",
    "retention_kept_fields",
)


def setting_schema(name: str):
    """The schema (and behavior) of the setting ``name``."""
    return IRetention if name in IRetention else IOnlineForm


def setting_of(procedure, name: str):
    value = getattr(setting_schema(name)(procedure), name, None)
    if isinstance(setting_schema(name)[name], schema.List):
        return list(value or [])
    return value


def set_setting(procedure, name: str, value) -> None:
    setattr(setting_schema(name)(procedure), name, value)


@dataclass(frozen=True)
class LocalParameter:
    """A setting each authority gives for itself."""

    name: str
    title: object
    #: "decimal", "html" or "emails".
    kind: str


#: The settings a model may leave to each authority, in display order.
LOCAL_PARAMETERS = {
    parameter.name: parameter
    for parameter in (
        LocalParameter("fee", _("label_fee", default="Fee (euros)"), "decimal"),
        LocalParameter("cost", _("label_cost", default="Cost"), "html"),
        LocalParameter("delay", _("label_delay", default="Delay"), "html"),
        LocalParameter(
            "contact", _("label_contact", default="Service and contact"), "html"
        ),
        LocalParameter(
            "opening_hours",
            _("label_opening_hours", default="Opening hours"),
            "html",
        ),
        LocalParameter(
            "legal_basis", _("label_legal_basis", default="Legal basis"), "html"
        ),
        LocalParameter(
            "service_emails",
            _("label_service_emails", default="Service addresses to notify"),
            "emails",
        ),
    )
}


@cache
def package_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _html(rich_text) -> str:
    return (rich_text.raw or "") if rich_text is not None else ""


def package_of(
    procedure,
    *,
    model_id: str,
    version: int,
    published: datetime,
    changes: str,
    parameters: list[dict],
    publisher: dict,
) -> dict:
    """The package of ``procedure`` as it is now: what the model gives,
    without the values of its local parameters."""
    local = {parameter["name"] for parameter in parameters}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": model_id,
        "version": version,
        "published": published.isoformat(),
        "changes": changes,
        "publisher": publisher,
        "procedure": procedure_content(procedure, local),
        "parameters": parameters,
    }


def procedure_content(procedure, local: set[str]) -> dict:
    """What a model gives of ``procedure`` (a package's ``procedure``), its
    ``local`` parameters left out: the one reading of a procedure, for
    sharing it and for comparing it with a model's versions."""
    form = IOnlineForm(procedure)
    texts = {
        name: _html(getattr(procedure, name, None))
        for name in INFORMATION_FIELDS
        if name not in local and _html(getattr(procedure, name, None)).strip()
    }
    fee = getattr(procedure, "fee", None)
    settings = {name: setting_of(procedure, name) for name in FORM_SETTINGS}
    return {
        "title": procedure.title,
        "description": procedure.description or "",
        "texts": texts,
        "fee": None if fee is None or "fee" in local else format(fee, "f"),
        "form": {"schema": form.form_schema},
        "settings": settings,
        "mail_templates": {
            kind: {
                language: template.as_dict()
                for language, template in by_language.items()
            }
            for kind, by_language in get_templates(procedure).items()
        },
    }


def _given_templates(given: dict) -> list[tuple[str, str, str | None, dict]]:
    """(kind, language, where in the package, template) of each template of
    a package's ``procedure``. Older packages give one template per e-mail
    (no language level: ``where`` is None), written in its ``language``,
    else in the site's default language."""
    found = []
    for kind, value in given.get("mail_templates", {}).items():
        if "subject" in value:
            language = base_language(value.get("language")) or site_languages()[0]
            found.append((kind, language, None, value))
        else:
            found.extend(
                (kind, language, language, template)
                for language, template in value.items()
            )
    return found


def mail_templates_of(given: dict) -> dict[str, dict[str, MailTemplate]]:
    """kind -> language -> template, of a package's ``procedure``."""
    templates = {}
    for kind, language, _where, template in _given_templates(given):
        templates.setdefault(kind, {})[language] = MailTemplate(
            **{**template, "language": language}
        )
    return templates


def _path(error) -> str:
    return "/".join(str(part) for part in error.absolute_path) or "(package)"


def check_package(data: object) -> dict:
    """``data`` if it is a package this site can use; InvalidInput naming
    every problem otherwise (its JSON Schema, then its form)."""
    validator = Draft202012Validator(package_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise InvalidInput(
            "This is not a procedure model this site can read.",
            fields=[
                FieldError(_path(error), "invalid", error.message) for error in errors
            ],
        )
    try:
        schema = check_form_schema(data["procedure"]["form"]["schema"])
    except InvalidFormSchema as error:
        raise InvalidInput(
            "The model's form cannot be used.",
            fields=[
                FieldError("procedure/form/schema", "invalid_form", problem)
                for problem in error.in_english()
            ],
        ) from error
    _check_settings(data["procedure"])
    errors = []
    for kind, _language, where, given in _given_templates(data["procedure"]):
        try:
            check_template(kind, MailTemplate(**given), schema)
        except InvalidInput as refused:
            path = f"procedure/mail_templates/{kind}" + (f"/{where}" if where else "")
            errors.extend(
                FieldError(
                    f"{path}/{field.field}",
                    field.code,
                    field.message,
                )
                for field in refused.fields
            )
    if errors:
        raise InvalidInput("The model's e-mails cannot be used.", fields=errors)
    return data


def _check_settings(procedure: dict) -> None:
    """The settings a package carries, checked by the online form's own
    fields and invariants, as the procedure's edit form would check them
    (a package written by hand or by another version must not set what
    that form refuses)."""
    settings = procedure.get("settings", {})
    errors = []
    for name, value in settings.items():
        field = setting_schema(name)[name]
        if value is None and not field.required:
            continue
        try:
            field.validate(value)
        except ValidationError as error:
            errors.append(
                FieldError(f"procedure/settings/{name}", "invalid", error.doc())
            )
    if not errors:
        given = SimpleNamespace(form_schema=procedure["form"]["schema"], **settings)
        problems = []
        with suppress(Invalid):  # each problem is in ``problems``
            IOnlineForm.validateInvariants(given, problems)
        errors = [
            FieldError("procedure/settings", "invalid", _message(problem))
            for problem in problems
        ]
    if errors:
        raise InvalidInput("The model's settings cannot be used.", fields=errors)


def _message(problem: Invalid) -> str:
    return translate(problem.args[0], target_language="en") if problem.args else ""


def check_local_values(package: dict, values: dict) -> dict:
    """The local parameters' values, converted; InvalidInput naming each
    missing or wrong one."""
    converted, errors = {}, []
    for parameter in package["parameters"]:
        name = parameter["name"]
        kind = LOCAL_PARAMETERS[name].kind
        raw = values.get(name)
        if raw in (None, "", []):
            if parameter["required"]:
                errors.append(FieldError(name, "required", "Required."))
            continue
        if kind == "decimal":
            try:
                value = Decimal(str(raw).replace(",", "."))
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite() or value < 0:
                errors.append(FieldError(name, "invalid", "An amount, e.g. 5.00."))
                continue
            converted[name] = value
        elif kind == "emails":
            addresses = raw if isinstance(raw, list) else str(raw).split()
            wrong = [a for a in addresses if not is_email_address(a)]
            if wrong:
                errors.append(
                    FieldError(name, "invalid_email", f"Not an address: {wrong[0]}")
                )
                continue
            converted[name] = addresses
        else:
            converted[name] = str(raw)
    if errors:
        raise InvalidInput("Some local parameters are missing or wrong.", fields=errors)
    return converted


def _rich(html: str) -> RichTextValue:
    return RichTextValue(html, "text/html", "text/x-html-safe")


def apply_package(procedure, package: dict, local_values: dict) -> None:
    """Make ``procedure`` (a new one) what ``package`` describes, with the
    authority's ``local_values`` (already checked) for its local
    parameters."""
    given = package["procedure"]
    procedure.title = given["title"]
    procedure.description = given.get("description", "")
    local = {parameter["name"] for parameter in package["parameters"]}
    texts = given.get("texts", {})
    for name in INFORMATION_FIELDS:
        if name not in local:
            html = texts.get(name, "")
            setattr(procedure, name, _rich(html) if html else None)
    if "fee" not in local:
        procedure.fee = Decimal(given["fee"]) if given.get("fee") else None
    for name, value in given.get("settings", {}).items():
        set_setting(procedure, name, value)
    form = IOnlineForm(procedure)
    if form.form_schema != given["form"]["schema"]:
        form.form_schema = given["form"]["schema"]
    for kind, by_language in mail_templates_of(given).items():
        set_templates(procedure, kind, by_language)
    apply_local_values(procedure, local_values)


def apply_local_values(procedure, local_values: dict) -> None:
    """Set the local parameters of ``local_values`` (already checked)."""
    for name, value in local_values.items():
        kind = LOCAL_PARAMETERS[name].kind
        if kind == "html":
            setattr(procedure, name, _rich(value) if value else None)
        elif kind == "emails":
            IOnlineForm(procedure).service_emails = value
        else:
            setattr(procedure, name, value)
