"""Applying a newer version of a model to a procedure made from an older
one, keeping the authority's local parameters and deliberate changes.

A package's procedure is cut into *parts* (title, description, each text,
the fee, each setting, each e-mail with its templates in every language,
the form); the part values of
the version applied (the base), of the newer version and of the procedure
now are merged part by part (``diff.three_way``).
"""

from decimal import Decimal
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.models.diff import Merged
from imio.guichet.models.diff import TEXT_PARTS
from imio.guichet.models.diff import three_way
from imio.guichet.models.form_merge import merge_forms
from imio.guichet.models.package import FORM_SETTINGS
from imio.guichet.models.package import mail_templates_of
from imio.guichet.models.package import procedure_content
from imio.guichet.models.package import set_setting
from imio.guichet.notifications.templates import KINDS
from imio.guichet.notifications.templates import MailTemplate
from imio.guichet.notifications.templates import set_templates
from plone.app.textfield.value import RichTextValue


#: The parts of the webmasters' e-mails: ``mail:<kind>``.
MAIL = "mail:"


def local_names(*packages: dict) -> set[str]:
    return {p["name"] for package in packages for p in package["parameters"]}


def package_parts(package: dict, local: set[str]) -> dict:
    """The parts of a package that a model governs (never a local one)."""
    return _parts(package["procedure"], local)


def procedure_parts(procedure, local: set[str]) -> dict:
    """The same parts, read from the procedure as it is now (as a package
    of it would give them), its form as the webmaster edits it (with the
    changes of a working copy not published yet)."""
    parts = _parts(procedure_content(procedure, local), local)
    parts["form"] = IOnlineForm(procedure).edited_form_schema
    return parts


def _parts(given: dict, local: set[str]) -> dict:
    parts = {
        "title": given["title"],
        "description": given.get("description", ""),
        "form": given["form"]["schema"],
    }
    for name in TEXT_PARTS:
        if name not in local:
            parts[f"text:{name}"] = given.get("texts", {}).get(name, "")
    if "fee" not in local:
        parts["fee"] = given.get("fee")
    for name in FORM_SETTINGS:
        if name in given.get("settings", {}):
            parts[f"setting:{name}"] = given["settings"][name]
    templates = mail_templates_of(given)
    for kind in KINDS:
        by_language = templates.get(kind)
        parts[f"{MAIL}{kind}"] = (
            {language: t.as_dict() for language, t in by_language.items()}
            if by_language
            else None
        )
    return parts


def apply_parts(procedure, parts: dict) -> None:
    form = IOnlineForm(procedure)
    for part, value in parts.items():
        if part == "title":
            procedure.title = value
        elif part == "description":
            procedure.description = value
        elif part == "fee":
            procedure.fee = Decimal(value) if value else None
        elif part.startswith("text:"):
            name = part.removeprefix("text:")
            setattr(
                procedure,
                name,
                RichTextValue(value, "text/html", "text/x-html-safe")
                if value
                else None,
            )
        elif part.startswith("setting:"):
            set_setting(procedure, part.removeprefix("setting:"), value)
        elif part.startswith(MAIL):
            by_language = {
                language: MailTemplate(**template)
                for language, template in (value or {}).items()
            }
            set_templates(procedure, part.removeprefix(MAIL), by_language)
    if parts.get("form") and parts["form"] != form.edited_form_schema:
        # As any change of the form: in the working copy while citizens see
        # the procedure (they keep the published form until the webmaster
        # publishes it); then a new version, submissions keeping theirs.
        form.edit_form_schema(parts["form"])


def merge_update(procedure, base: dict, newer: dict) -> Merged:
    """The merged parts of ``newer`` over ``procedure``, which was made
    from ``base``. When both changed the form, it is merged field by field
    (``form_merge``); if that gives no valid form, the authority's form is
    kept whole, as any other part both changed."""
    local = local_names(base, newer)
    mine = procedure_parts(procedure, local)
    merged = three_way(package_parts(base, local), package_parts(newer, local), mine)
    if "form" not in merged.kept_local_changes:
        return merged
    by_field = merge_forms(
        base["procedure"]["form"]["schema"],
        newer["procedure"]["form"]["schema"],
        mine["form"],
    )
    if by_field is None:
        return merged
    form, kept_in_form = by_field
    kept = [part for part in merged.kept_local_changes if part != "form"]
    return Merged(
        values={**merged.values, "form": form},
        kept_local_changes=(*kept, *kept_in_form),
    )
