"""The e-mails a procedure sends, as its webmasters write them.

Reading, saving, resetting and previewing a procedure's templates
(:mod:`imio.guichet.notifications.templates`) asks the right to edit the
procedure ("Modify portal content"); saving and resetting are in the
audit trail (``edit_mail_template``, ``reset_mail_template``), with the
answers a template puts in its e-mail. A preview writes nothing.

Templates are edited in the browser (``@@guichet-emails``): the REST API
exposes no procedure settings of its own; they travel with the
procedure's models (``models/package.py``).
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.errors import Forbidden
from imio.guichet.errors import LoginRequired
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.i18n import catalog_language
from imio.guichet.notifications import messages
from imio.guichet.notifications import templates
from imio.guichet.notifications.templates import MailTemplate
from plone import api


@dataclass(frozen=True)
class EditedMail:
    """One e-mail of a procedure, as its editor shows it."""

    kind: str
    #: The webmaster's template, else the default texts as a template.
    template: MailTemplate
    #: True when the webmaster's template is sent, not the default.
    customized: bool
    #: name -> what it is, for this e-mail (answers apart).
    placeholders: dict


def _check_may_edit(caller: Caller, procedure) -> None:
    if not api.user.has_permission("Modify portal content", obj=procedure):
        raise LoginRequired() if caller.is_anonymous else Forbidden()


def procedure_language(procedure) -> str:
    """The language a procedure's templates are written in: its own, else
    the site's (one of the catalogs' languages)."""
    language = procedure.Language() if hasattr(procedure, "Language") else ""
    return catalog_language(
        language or api.portal.get_registry_record("plone.default_language", default="")
    )


def _form_schema(procedure):
    try:
        return IOnlineForm(procedure).get_form_schema()
    except InvalidFormSchema:
        return None


def read_mail_templates(caller: Caller, procedure) -> list[EditedMail]:
    """Every e-mail a webmaster may rewrite, in :data:`templates.KINDS`
    order, with what is sent now."""
    _check_may_edit(caller, procedure)
    language = procedure_language(procedure)
    result = []
    for kind in templates.KINDS:
        template = templates.get_template(procedure, kind)
        result.append(
            EditedMail(
                kind,
                template or messages.default_template(kind, language),
                template is not None,
                dict(templates.PLACEHOLDERS[kind]),
            )
        )
    return result


def answer_fields(caller: Caller, procedure) -> list[tuple[str, object]]:
    """(name, title) of the form's fields, for ``${answer:name}``."""
    _check_may_edit(caller, procedure)
    schema = _form_schema(procedure)
    if schema is None:
        return []
    return [(name, schema[name].title or name) for name in schema.names()]


def checked_template(
    procedure, kind: str, subject: str, body: str, allow_answers: bool
) -> MailTemplate:
    """What the editor sent, as a template; InvalidInput naming each
    problem next to its field."""
    template = MailTemplate(
        subject=(subject or "").strip(),
        body=(body or "").replace("\r\n", "\n").replace("\r", "\n").strip(),
        allow_answers=bool(allow_answers),
        language=procedure_language(procedure),
    )
    return templates.check_template(kind, template, _form_schema(procedure))


def save_mail_template(
    caller: Caller, procedure, kind: str, *, subject, body, allow_answers=False
) -> MailTemplate:
    """Send the webmaster's ``subject`` and ``body`` as the ``kind`` e-mail
    of ``procedure`` from now on."""
    _check_may_edit(caller, procedure)
    template = checked_template(procedure, kind, subject, body, allow_answers)
    templates.set_template(procedure, kind, template)
    audit.record(
        caller,
        "edit_mail_template",
        details={
            "procedure": api.content.get_uuid(procedure),
            "mail": kind,
            "answers": templates.answer_names(template),
        },
    )
    return template


def reset_mail_template(caller: Caller, procedure, kind: str) -> None:
    """Send the default ``kind`` e-mail again (the catalogs' texts)."""
    _check_may_edit(caller, procedure)
    if kind not in templates.KINDS:
        templates.check_template(kind, MailTemplate("", ""), None)  # refuses
    if templates.get_template(procedure, kind) is None:
        return
    templates.set_template(procedure, kind, None)
    audit.record(
        caller,
        "reset_mail_template",
        details={"procedure": api.content.get_uuid(procedure), "mail": kind},
    )


def preview_mail(
    caller: Caller,
    procedure,
    kind: str,
    *,
    subject,
    body,
    allow_answers=False,
    now: datetime | None = None,
) -> dict:
    """The e-mail ``subject`` and ``body`` would make for a made-up
    request (``subject``, ``body``, ``html``); refused as saving would be.
    Nothing is written."""
    _check_may_edit(caller, procedure)
    template = checked_template(procedure, kind, subject, body, allow_answers)
    return messages.preview(procedure, template, now or datetime.now(UTC))
