"""The e-mails a procedure's webmaster writes: subject and body with
placeholders, one template per e-mail, per language and per procedure.

Three e-mails may be rewritten (:data:`KINDS`): the citizen's
confirmation, the notice to the service and the citizen's notice of a
change of state. A template is written in one language (a base language
of the site, ``i18n.site_languages``: "fr", "nl", "de", "en"...) and is
sent to the submissions filed in that language (the state's name is put
in that language too). Without a template in the submission's language,
the default texts of the message catalogs are sent, in the submission's
language (``messages.py``), never another language's template: a citizen
who applied in German must not receive the French text a webmaster
wrote. The notice to the service goes to staff, not to the citizen: it
falls back to the template of the site's default language
(``messages.template_for``).

Placeholders are ``${name}``, from a closed list per e-mail
(:data:`PLACEHOLDERS`); anything else between ``${`` and ``}`` is refused
when the template is saved, with its name. A citizen's answer
(``${answer:field}``) goes into an e-mail only when the webmaster ticked
*allow_answers*: e-mail is not a secure channel.

Values are put in one pass (a value that looks like a placeholder stays
text) into the plain-text body; the HTML alternative escapes the whole
text after (``messages.html_from_text``), and the subject is put on one
line: nothing a citizen typed becomes markup or a header.
"""

from dataclasses import asdict
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.errors import FieldError
from imio.guichet.errors import InvalidInput
from persistent.mapping import PersistentMapping
from zope.annotation.interfaces import IAnnotations
from zope.schema import getFieldNames

import re


ANNOTATION_KEY = "imio.guichet.mail_templates"

CONFIRMATION = "confirmation"
SERVICE = "service"
STATE = "state"
KINDS = (CONFIRMATION, SERVICE, STATE)

#: The placeholders of every e-mail, and what they are (for the editor).
COMMON = {
    "reference": _("placeholder_reference", default="The request's reference"),
    "procedure_title": _(
        "placeholder_procedure_title", default="The procedure's title"
    ),
    "date": _("placeholder_date", default="The filing date and time"),
    "authority_name": _(
        "placeholder_authority_name", default="The authority's official name"
    ),
}
TRACKING_URL = {
    "tracking_url": _(
        "placeholder_tracking_url",
        default="The citizen's link to the request (their space, or the "
        "secret tracking link)",
    )
}
PLACEHOLDERS = {
    CONFIRMATION: {**COMMON, **TRACKING_URL},
    SERVICE: {
        **COMMON,
        "request_url": _(
            "placeholder_request_url",
            default="The link to the request for the staff (login required)",
        ),
    },
    STATE: {
        **COMMON,
        **TRACKING_URL,
        "state": _("placeholder_state", default="The new state"),
        "public_message": _(
            "placeholder_public_message",
            default="The service's message to the citizen (a paragraph with "
            "it is left out when there is none)",
        ),
    },
}
ANSWER = "answer:"
#: Anything between ``${`` and ``}``: checked, never left as it is.
PLACEHOLDER = re.compile(r"\$\{([^{}\n]*)\}")
#: The placeholder whose paragraph is left out when it is empty.
OPTIONAL_PARAGRAPH = "public_message"

MAX_SUBJECT = 250
MAX_BODY = 10000


@dataclass(frozen=True)
class MailTemplate:
    """A webmaster's version of one e-mail of a procedure."""

    subject: str
    body: str
    #: The webmaster confirmed that answers (``${answer:…}``) go by e-mail.
    allow_answers: bool = False
    #: The language it is written in, and sent to (a base language).
    language: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def placeholders_in(text: str) -> list[str]:
    """The names between ``${`` and ``}`` in ``text``, in order, once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def answer_names(template: MailTemplate) -> list[str]:
    """The fields whose answers ``template`` puts in the e-mail."""
    return [
        name[len(ANSWER) :]
        for name in placeholders_in(f"{template.subject}\n{template.body}")
        if name.startswith(ANSWER)
    ]


def _unknown(kind: str, text: str, field_names: set[str]) -> list[str]:
    known = PLACEHOLDERS[kind]
    return [
        name
        for name in placeholders_in(text)
        if name not in known
        and not (name.startswith(ANSWER) and name[len(ANSWER) :] in field_names)
    ]


def check_template(kind: str, template: MailTemplate, form_schema) -> MailTemplate:
    """``template`` if it can be sent for ``kind``; InvalidInput naming
    each problem next to its field otherwise: an empty subject or body, a
    placeholder this e-mail does not know (an answer of a field the form
    does not have), an answer in the subject (shown by mailboxes, phones
    and the outbox's log), an answer without the webmaster's
    confirmation."""
    if kind not in KINDS:
        unknown = _("error_unknown_mail_kind", default="There is no such e-mail.")
        raise InvalidInput(unknown, fields=[FieldError("kind", "invalid", unknown)])
    field_names = set(getFieldNames(form_schema)) if form_schema is not None else set()
    errors = []
    for name, text, limit in (
        ("subject", template.subject, MAX_SUBJECT),
        ("body", template.body, MAX_BODY),
    ):
        if not text.strip():
            errors.append(
                FieldError(
                    name,
                    "required",
                    _("error_required", default="This field is required."),
                )
            )
            continue
        if len(text) > limit:
            errors.append(
                FieldError(
                    name,
                    "too_long",
                    _(
                        "error_mail_template_too_long",
                        default="At most ${max} characters.",
                        mapping={"max": limit},
                    ),
                )
            )
            continue
        unknown = _unknown(kind, text, field_names)
        if unknown:
            errors.append(
                FieldError(
                    name,
                    "unknown_placeholder",
                    _(
                        "error_unknown_placeholder",
                        default="Unknown placeholders: ${names}. Use those "
                        "listed on this page.",
                        mapping={"names": ", ".join(f"${{{n}}}" for n in unknown)},
                    ),
                )
            )
    if any(name.startswith(ANSWER) for name in placeholders_in(template.subject)):
        errors.append(
            FieldError(
                "subject",
                "answer_in_subject",
                _(
                    "error_answer_in_subject",
                    default="An answer may be put in the text, never in the "
                    "subject: mailboxes, phones and logs show subjects to "
                    "anyone who looks.",
                ),
            )
        )
    if answer_names(template) and not template.allow_answers:
        errors.append(
            FieldError(
                "allow_answers",
                "confirmation_required",
                _(
                    "error_answers_need_confirmation",
                    default="This e-mail would carry the citizen's answers: "
                    "tick the box to confirm that they may travel by e-mail, "
                    "or remove the ${answer:...} placeholders.",
                ),
            )
        )
    if errors:
        raise InvalidInput(
            _("error_mail_template", default="The e-mail cannot be saved as it is."),
            fields=errors,
        )
    return template


# -- Storage: an annotation of the procedure ------------------------------------
#
# ``{kind: {language: MailTemplate.as_dict()}}`` (since upgrade step 1025;
# one template per kind before, ``v1025.py``).


def get_template(procedure, kind: str, language: str) -> MailTemplate | None:
    """The webmaster's template of ``kind`` in ``language`` (a base
    language) for ``procedure``, if any (a read: nothing is created)."""
    stored = (IAnnotations(procedure).get(ANNOTATION_KEY) or {}).get(kind) or {}
    template = stored.get(language)
    return MailTemplate(**template) if template else None


def get_templates(procedure) -> dict[str, dict[str, MailTemplate]]:
    """kind -> language -> template, for the kinds and languages that have
    one, each in :data:`KINDS` order and languages sorted."""
    stored = IAnnotations(procedure).get(ANNOTATION_KEY) or {}
    return {
        kind: {
            language: MailTemplate(**stored[kind][language])
            for language in sorted(stored[kind])
        }
        for kind in KINDS
        if stored.get(kind)
    }


def set_template(
    procedure, kind: str, language: str, template: MailTemplate | None
) -> None:
    """Store ``template`` (checked) for ``kind`` in ``language``; None
    removes it (back to the default texts in that language)."""
    annotations = IAnnotations(procedure)
    stored = annotations.get(ANNOTATION_KEY)
    if template is None:
        if stored is not None and language in stored.get(kind, {}):
            del stored[kind][language]
            if not stored[kind]:
                del stored[kind]
        return
    if stored is None:
        stored = annotations[ANNOTATION_KEY] = PersistentMapping()
    if kind not in stored:
        stored[kind] = PersistentMapping()
    stored[kind][language] = template.as_dict()


def set_templates(procedure, kind: str, by_language: dict[str, MailTemplate]) -> None:
    """``by_language`` as the templates of ``kind``, in every language (a
    model's): the languages it leaves out are sent the default texts."""
    for language in list(get_templates(procedure).get(kind, {})):
        if language not in by_language:
            set_template(procedure, kind, language, None)
    for language, template in by_language.items():
        set_template(procedure, kind, language, template)


# -- Rendering ------------------------------------------------------------------


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each placeholder replaced by its value, in one pass;
    a paragraph that uses an empty ``${public_message}`` is left out."""
    if OPTIONAL_PARAGRAPH in values and not values[OPTIONAL_PARAGRAPH]:
        marker = f"${{{OPTIONAL_PARAGRAPH}}}"
        text = "\n\n".join(p for p in text.split("\n\n") if marker not in p)
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text)
