"""The e-mails a procedure sends, as its webmasters write them.

Reading, saving, resetting and previewing a procedure's templates
(:mod:`imio.guichet.notifications.templates`) asks the right to edit the
procedure ("Modify portal content"); saving and resetting are in the
audit trail (``edit_mail_template``, ``reset_mail_template``), with the
language and the answers a template puts in its e-mail. A preview writes
nothing.

Each e-mail has a template per language: the webmaster picks one of the
site's languages (``i18n.site_languages``, and any other one a template
is stored in, so that none is hidden) and edits, previews or resets the
e-mail in that language only.

Templates are edited in the browser (``@@guichet-emails``): the REST API
exposes no procedure settings of its own; they travel with the
procedure's models (``models/package.py``).
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from imio.guichet import _
from imio.guichet import audit
from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.errors import FieldError
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import LoginRequired
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.i18n import base_language
from imio.guichet.i18n import site_languages
from imio.guichet.notifications import messages
from imio.guichet.notifications import templates
from imio.guichet.notifications.templates import MailTemplate
from plone import api


@dataclass(frozen=True)
class EditedMail:
    """One e-mail of a procedure, as its editor shows it."""

    kind: str
    #: The language of this version of the e-mail (a base language).
    language: str
    #: The webmaster's template, else the default texts as a template.
    template: MailTemplate
    #: True when the webmaster's template is sent, not the default.
    customized: bool
    #: name -> what it is, for this e-mail (answers apart).
    placeholders: dict


def _check_may_edit(caller: Caller, procedure) -> None:
    if not api.user.has_permission("Modify portal content", obj=procedure):
        raise LoginRequired() if caller.is_anonymous else Forbidden()


def mail_languages(caller: Caller, procedure) -> list[str]:
    """The languages the e-mails of ``procedure`` may be written in: the
    site's (its default first), then any other one a template is stored in
    (a language the site no longer offers: shown, to be reset)."""
    _check_may_edit(caller, procedure)
    stored = {
        language
        for by_language in templates.get_templates(procedure).values()
        for language in by_language
    }
    site = site_languages()
    return [*site, *sorted(stored - set(site))]


def first_language(caller: Caller, procedure) -> str:
    """The language the editor opens on: the procedure's, when the site
    offers it, else the site's default."""
    languages = mail_languages(caller, procedure)
    own = base_language(procedure.Language() if hasattr(procedure, "Language") else "")
    return own if own in languages else languages[0]


def checked_language(caller: Caller, procedure, language: str | None) -> str:
    """``language`` if the e-mails may be written in it; InvalidInput next
    to the field ``language`` otherwise."""
    if language not in mail_languages(caller, procedure):
        unknown = _(
            "error_mail_language",
            default="The e-mails cannot be written in this language: "
            "choose one of the site's languages.",
        )
        raise InvalidInput(unknown, fields=[FieldError("language", "invalid", unknown)])
    return language


def _form_schema(procedure):
    try:
        return IOnlineForm(procedure).get_form_schema()
    except InvalidFormSchema:
        return None


def read_mail_templates(caller: Caller, procedure, language: str) -> list[EditedMail]:
    """Every e-mail a webmaster may rewrite, in :data:`templates.KINDS`
    order, with what is sent now to the submissions filed in
    ``language``."""
    language = checked_language(caller, procedure, language)
    result = []
    for kind in templates.KINDS:
        template = templates.get_template(procedure, kind, language)
        result.append(
            EditedMail(
                kind,
                language,
                template or messages.default_template(kind, language),
                template is not None,
                dict(templates.PLACEHOLDERS[kind]),
            )
        )
    return result


def customized_languages(caller: Caller, procedure) -> dict[str, list[str]]:
    """kind -> the languages its webmaster's templates are written in."""
    _check_may_edit(caller, procedure)
    return {
        kind: list(by_language)
        for kind, by_language in templates.get_templates(procedure).items()
    }


def answer_fields(caller: Caller, procedure) -> list[tuple[str, object]]:
    """(name, title) of the form's fields, for ``${answer:name}``."""
    _check_may_edit(caller, procedure)
    schema = _form_schema(procedure)
    if schema is None:
        return []
    return [(name, schema[name].title or name) for name in schema.names()]


def checked_template(
    caller: Caller,
    procedure,
    kind: str,
    *,
    language: str,
    subject: str,
    body: str,
    allow_answers,
) -> MailTemplate:
    """What the editor sent, as a template in ``language``; InvalidInput
    naming each problem next to its field."""
    language = checked_language(caller, procedure, language)
    template = MailTemplate(
        subject=(subject or "").strip(),
        body=(body or "").replace("\r\n", "\n").replace("\r", "\n").strip(),
        allow_answers=bool(allow_answers),
        language=language,
    )
    return templates.check_template(kind, template, _form_schema(procedure))


def save_mail_template(
    caller: Caller,
    procedure,
    kind: str,
    *,
    language: str,
    subject,
    body,
    allow_answers=False,
) -> MailTemplate:
    """Send the webmaster's ``subject`` and ``body`` as the ``kind`` e-mail
    of ``procedure`` to the submissions filed in ``language`` from now on."""
    template = checked_template(
        caller,
        procedure,
        kind,
        language=language,
        subject=subject,
        body=body,
        allow_answers=allow_answers,
    )
    templates.set_template(procedure, kind, template.language, template)
    audit.record(
        caller,
        "edit_mail_template",
        details={
            "procedure": api.content.get_uuid(procedure),
            "mail": kind,
            "language": template.language,
            "answers": templates.answer_names(template),
        },
    )
    return template


def reset_mail_template(caller: Caller, procedure, kind: str, *, language: str) -> None:
    """Send the default ``kind`` e-mail again (the catalogs' texts) to the
    submissions filed in ``language``."""
    language = checked_language(caller, procedure, language)
    if kind not in templates.KINDS:
        templates.check_template(kind, MailTemplate("", ""), None)  # refuses
    if templates.get_template(procedure, kind, language) is None:
        return
    templates.set_template(procedure, kind, language, None)
    audit.record(
        caller,
        "reset_mail_template",
        details={
            "procedure": api.content.get_uuid(procedure),
            "mail": kind,
            "language": language,
        },
    )


def preview_mail(
    caller: Caller,
    procedure,
    kind: str,
    *,
    language: str,
    subject,
    body,
    allow_answers=False,
    now: datetime | None = None,
) -> dict:
    """The e-mail ``subject`` and ``body`` would make, in ``language``, for
    a made-up request (``subject``, ``body``, ``html``); refused as saving
    would be. Nothing is written."""
    template = checked_template(
        caller,
        procedure,
        kind,
        language=language,
        subject=subject,
        body=body,
        allow_answers=allow_answers,
    )
    return messages.preview(procedure, template, now or datetime.now(UTC))
