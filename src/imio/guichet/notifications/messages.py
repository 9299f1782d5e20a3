"""The e-mails of the guichet: who gets them and what they say.

Plain functions that take no request. Every text is an i18n message of the
``imio.guichet`` domain, translated into the submission's language, French
when that language's catalog lacks the message. E-mail is not a secure
channel: the messages carry the reference, the procedure's title, the state
and the service's public message, never the data of the form nor internal
notes (unless a webmaster's template asks for an answer, confirmed: see
:mod:`.templates`).
"""

from datetime import datetime
from email.headerregistry import Address
from imio.guichet import _
from imio.guichet.authority import get_authority
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import title_in
from imio.guichet.forms.display import format_value
from imio.guichet.forms.kinds.dates import format_datetime
from imio.guichet.forms.kinds.dates import format_day
from imio.guichet.forms.model import email_field_names
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.i18n import base_language
from imio.guichet.i18n import catalog_language
from imio.guichet.i18n import FALLBACK_LANGUAGE
from imio.guichet.i18n import site_languages
from imio.guichet.i18n import translate_for
from imio.guichet.identities import is_same_account
from imio.guichet.notifications import templates
from imio.guichet.notifications.composing import bare_address
from imio.guichet.notifications.composing import compose
from imio.guichet.notifications.composing import Composed
from imio.guichet.notifications.templates import MailTemplate
from imio.guichet.submissions.states import STATES
from imio.guichet.submissions.storage import Submission
from imio.guichet.submissions.storage import SubmissionStore
from imio.guichet.submissions.tracking import tracking_url
from imio.guichet.timezones import in_site_time
from imio.guichet.urls import public_site_url
from plone import api
from plone.intelligenttext.transforms import WebIntelligentToHtmlConverter
from zope.i18nmessageid import Message
from zope.schema.interfaces import ValidationError

import logging
import re


logger = logging.getLogger(__name__)

#: The logged-in citizen's list of requests (on the site root).
MY_REQUESTS_VIEW = "@@my-requests"

CONFIRMATION_SUBJECT = _(
    "mail_confirmation_subject",
    default="Your request ${reference} was received",
)
CONFIRMATION_BODY = _(
    "mail_confirmation_body",
    default="Hello,\n\n"
    'We received your request "${procedure}" on ${date}. Its reference is '
    "${reference}: please mention it whenever you contact us about it.\n\n"
    "Follow your request here:\n${link}\n\n"
    "For your privacy, this e-mail does not repeat what you filled in.",
)
SERVICE_SUBJECT = _(
    "mail_service_subject",
    default="New request ${reference}: ${procedure}",
)
SERVICE_BODY = _(
    "mail_service_body",
    default='A new request was filed for "${procedure}" on ${date}, '
    "reference ${reference}.\n\n"
    "Read it here (login required):\n${link}\n\n"
    "E-mail is not a secure channel: the citizen's data are not in this "
    "message.",
)
STATE_SUBJECT = _(
    "mail_state_subject",
    default="Your request ${reference}: ${state}",
)
STATE_BODY = _(
    "mail_state_body",
    default="Hello,\n\n"
    'Your request "${procedure}" (reference ${reference}) is now: ${state}.',
)
STATE_MESSAGE = _(
    "mail_state_message",
    default="Message from the service:\n${message}",
)
NOTE_SUBJECT = _(
    "mail_service_note_subject",
    default="Your request ${reference}: a message from the service",
)
NOTE_BODY = _(
    "mail_service_note_body",
    default="Hello,\n\n"
    'The service wrote to you about your request "${procedure}" (reference '
    "${reference}).",
)
NOTE_FILES = _(
    "mail_service_note_files",
    default="Files come with it (${count}): download them from your request's page.",
)
DRAFT_SUBJECT = _(
    "mail_draft_subject",
    default="Your draft: ${procedure}",
)
DRAFT_BODY = _(
    "mail_draft_body",
    default="Hello,\n\n"
    'You saved a draft of your request "${procedure}". You may resume it '
    "until ${date} with this link:\n${link}\n\n"
    "Keep this link: whoever has it can read and complete your draft. Files "
    "are not kept in drafts: add them again when you resume. A draft is not "
    "a request: nothing was sent to the service.\n\n"
    "For your privacy, this e-mail does not repeat what you filled in.",
)
STATE_LINK = _(
    "mail_state_link",
    default="Follow your request here:\n${link}",
)


def single_line(text: str) -> str:
    """``text`` fit for a header: titles are typed by people."""
    return " ".join(str(text).split())


def citizen_address(submission: Submission, procedure) -> str | None:
    """Where to write to the citizen about ``submission``, if anywhere.

    The procedure's e-mail field (the first e-mail field of the form the
    submission was filed with, unless the procedure names another), else
    the address of the logged-in submitter's account.
    """
    name = getattr(procedure, "citizen_email_field", None)
    if not name:
        try:
            schema = IOnlineForm(procedure).get_form_schema(submission.schema_version)
        except (InvalidFormSchema, KeyError):
            schema = None
        names = email_field_names(schema) if schema is not None else []
        name = names[0] if names else None
    address = submission.data.get(name) if name else None
    # The account's address only while it is the account that filed (not
    # a newer one with the same login: see imio.guichet.identities).
    submitter = submission.submitter
    if not address and is_same_account(submitter, submitter, submission.submitter_key):
        user = api.user.get(userid=submitter)
        address = user.getProperty("email", None) if user is not None else None
    return address or None


def draft_address(draft, procedure) -> str | None:
    """The e-mail address typed in a draft (in the field
    :func:`citizen_address` would use), if it is a valid one: a draft is
    not validated, and e-mails go to checked addresses only."""
    try:
        schema = IOnlineForm(procedure).get_form_schema()
    except InvalidFormSchema:
        return None
    name = getattr(procedure, "citizen_email_field", None)
    if not name:
        names = email_field_names(schema)
        name = names[0] if names else None
    field = schema.get(name) if name else None
    address = draft.data.get(name) if field is not None else None
    if not isinstance(address, str) or not address.strip():
        return None
    try:
        field.bind(procedure).validate(address.strip())
    except (ValidationError, ValueError):
        return None
    return address.strip()


def draft_message(
    address: str, procedure, link: str, expires: datetime, language: str | None
) -> Composed | None:
    """The anonymous citizen's link to resume the draft they saved."""
    mapping = {
        "procedure": single_line(title_in(procedure, language)),
        "date": format_day(in_site_time(expires).date(), language),
        "link": link,
    }
    return make_message(
        [address],
        translate_for(Message(DRAFT_SUBJECT, mapping=mapping), language),
        translate_for(Message(DRAFT_BODY, mapping=mapping), language),
    )


def citizen_link(store: SubmissionStore, submission: Submission) -> str:
    """The citizen's way back to the request: their space when they applied
    logged in, else the secret tracking link."""
    if submission.submitter:
        return f"{public_site_url()}/{MY_REQUESTS_VIEW}"
    return tracking_url(store, submission)


def sender() -> Address | None:
    """The site's sender (Mail control panel), None when not configured;
    without a sender's name there, the authority's official name."""
    address = api.portal.get_registry_record("plone.email_from_address", default="")
    if not address:
        return None
    name = (
        api.portal.get_registry_record("plone.email_from_name", default="")
        or get_authority().official_name
    )
    username, _at, domain = address.partition("@")
    return Address(single_line(name), username, domain)


def make_message(to: list[str], subject: str, body: str) -> Composed | None:
    """A plain-text message (with its HTML alternative) from the site's
    sender; None without a sender, or when no recipient is an address a
    message can be sent to (:func:`.composing.bare_address`)."""
    mfrom = sender()
    if mfrom is None:
        logger.warning("No sender address in the Mail control panel: no e-mail sent")
        return None
    recipients = [bare for bare in map(bare_address, to) if bare is not None]
    if len(recipients) < len(to):
        # Never the addresses themselves: the logs keep no personal data.
        logger.warning(
            "%d of %d recipients of a message left out: not addresses a "
            "message can be sent to",
            len(to) - len(recipients),
            len(to),
        )
    if not recipients:
        return None
    return compose(mfrom, recipients, single_line(subject), body, html_from_text(body))


class _EmailHtml(WebIntelligentToHtmlConverter):
    """plone.intelligenttext's conversion (every character escaped first,
    then links and line breaks), with two changes for e-mails: any http(s)
    URL becomes a link, not only those of the TLDs its pattern lists
    (``.gent``, ``.brussels`` and the test sites' ``nohost`` are not), and
    the link shows the whole address (the citizen may copy it) without
    ``rel="nofollow"``, which means nothing in a mailbox."""

    # Run on escaped text: the URL ends before a space or an escaped quote
    # or angle bracket (``&lt;`` after it is not part of it).
    urlRegexp = re.compile(r"(https?://(?:(?!&(?:lt|gt|quot|#39);)[^\s<>\"'])+)")

    @staticmethod
    def replaceURL(match):
        url = match.group(1)
        trimmed = url.rstrip(".,;:!?)")
        return f'<a href="{trimmed}">{trimmed}</a>{url[len(trimmed) :]}'


def html_from_text(text: str) -> str:
    """The HTML alternative of a plain-text body: paragraphs, line breaks and
    clickable links; everything else escaped (a citizen's text never
    becomes markup)."""
    content = "\n".join(
        f"<p>{_EmailHtml(paragraph)()}</p>" for paragraph in text.split("\n\n")
    )
    return f"<!DOCTYPE html>\n<html><body>\n{content}\n</body></html>\n"


def _date(submission: Submission, language: str | None = None) -> str:
    return format_datetime(submission.created, language)


# -- The webmasters' templates (see .templates) --------------------------------


def common_values(submission: Submission, procedure) -> dict[str, str]:
    """The values of the placeholders every e-mail knows."""
    return {
        "reference": submission.reference,
        "procedure_title": single_line(procedure.title),
        "date": _date(submission, submission.language),
        "authority_name": single_line(get_authority().official_name),
    }


def answer_values(
    template: MailTemplate, submission: Submission, procedure, language: str | None
) -> dict[str, str]:
    """``${answer:field}`` of ``template``: each answer as the pages show
    it (empty when not answered), only for the fields it names."""
    names = templates.answer_names(template)
    if not names or not template.allow_answers:
        return {}
    try:
        schema = IOnlineForm(procedure).get_form_schema(submission.schema_version)
    except (InvalidFormSchema, KeyError):
        schema = None
    values = {}
    for name in names:
        field = schema.get(name) if schema is not None else None
        value = submission.data.get(name)
        text = ""
        if field is not None and value not in (None, "", [], {}):
            shown = format_value(field, value, language)
            text = (
                translate_for(shown, language) if isinstance(shown, Message) else shown
            )
        values[f"{templates.ANSWER}{name}"] = str(text)
    return values


def template_for(procedure, kind: str, language: str | None) -> MailTemplate | None:
    """The webmaster's template of ``kind`` sent for a submission filed in
    ``language``: the one written in that language, never another
    language's (the citizen would get a text they may not read: without
    it, the default texts are sent in their language). The notice to the
    service is for staff, not the citizen: without a template in the
    submission's language, the one of the site's default language."""
    template = templates.get_template(procedure, kind, written_in(language))
    if template is None and kind == templates.SERVICE:
        template = templates.get_template(procedure, kind, site_languages()[0])
    return template


def written_in(language: str | None) -> str:
    """The language of the templates for a submission filed in
    ``language``; a submission without one gets the default texts in
    French (``i18n.catalog_language``), so the French templates."""
    return base_language(language) or FALLBACK_LANGUAGE


def from_template(
    to: list[str],
    template: MailTemplate,
    values: dict[str, str],
    submission: Submission,
    procedure,
) -> Composed | None:
    """The e-mail the webmaster wrote, its placeholders replaced."""
    language = template.language or submission.language
    values = {
        **values,
        # The procedure as it is named in the template's language.
        "procedure_title": single_line(title_in(procedure, language)),
        **answer_values(template, submission, procedure, language),
    }
    subject, body = render_template(template, values)
    return make_message(to, subject, body)


def render_template(template: MailTemplate, values: dict[str, str]) -> tuple[str, str]:
    """The subject (on one line) and the body of ``template`` with ``values``."""
    return (
        single_line(templates.render(template.subject, values)),
        templates.render(template.body, values),
    )


#: What the editor starts from: the default texts, with the placeholders'
#: names of the templates (``mapping`` of the catalogs' messages).
_EDITABLE = {
    "reference": "${reference}",
    "procedure": "${procedure_title}",
    "date": "${date}",
    "state": "${state}",
    "message": "${public_message}",
}


def default_template(kind: str, language: str | None) -> MailTemplate:
    """The default e-mail of ``kind`` (the catalogs' texts in
    ``language``), written as a template: what the editor shows before the
    webmaster changes it, and after a reset."""
    link = "${request_url}" if kind == templates.SERVICE else "${tracking_url}"
    mapping = {**_EDITABLE, "link": link}

    def text(message) -> str:
        return translate_for(Message(message, mapping=mapping), language)

    if kind == templates.CONFIRMATION:
        subject, body = text(CONFIRMATION_SUBJECT), text(CONFIRMATION_BODY)
    elif kind == templates.SERVICE:
        subject, body = text(SERVICE_SUBJECT), text(SERVICE_BODY)
    else:
        subject = text(STATE_SUBJECT)
        body = "\n\n".join(text(m) for m in (STATE_BODY, STATE_MESSAGE, STATE_LINK))
    return MailTemplate(subject, body, False, catalog_language(language))


def confirmation_message(
    store: SubmissionStore, submission: Submission, procedure
) -> Composed | None:
    """The citizen's confirmation of a new submission, if they get one."""
    if not getattr(procedure, "confirm_to_citizen", True):
        return None
    address = citizen_address(submission, procedure)
    if address is None:
        return None
    link = citizen_link(store, submission)
    template = template_for(procedure, templates.CONFIRMATION, submission.language)
    if template is not None:
        values = {**common_values(submission, procedure), "tracking_url": link}
        return from_template([address], template, values, submission, procedure)
    mapping = {
        "reference": submission.reference,
        "procedure": single_line(title_in(procedure, submission.language)),
        "date": _date(submission, submission.language),
        "link": link,
    }
    language = submission.language
    return make_message(
        [address],
        translate_for(Message(CONFIRMATION_SUBJECT, mapping=mapping), language),
        translate_for(Message(CONFIRMATION_BODY, mapping=mapping), language),
    )


def service_message(submission: Submission, procedure, link: str):
    """The service's notice of a new submission (no personal data)."""
    addresses = [a for a in getattr(procedure, "service_emails", None) or () if a]
    if not addresses:
        return None
    template = template_for(procedure, templates.SERVICE, submission.language)
    if template is not None:
        values = {**common_values(submission, procedure), "request_url": link}
        return from_template(addresses, template, values, submission, procedure)
    mapping = {
        "reference": submission.reference,
        "procedure": single_line(procedure.title),
        "date": _date(submission, FALLBACK_LANGUAGE),
        "link": link,
    }
    return make_message(
        addresses,
        translate_for(Message(SERVICE_SUBJECT, mapping=mapping), FALLBACK_LANGUAGE),
        translate_for(Message(SERVICE_BODY, mapping=mapping), FALLBACK_LANGUAGE),
    )


def state_change_message(
    store: SubmissionStore, submission: Submission, procedure, event: dict
) -> Composed | None:
    """The citizen's notice that ``submission`` changed state (``event``).

    Says the new state and the service's public message; never the
    internal note.
    """
    if not getattr(procedure, "notify_state_changes", True):
        return None
    address = citizen_address(submission, procedure)
    if address is None:
        return None
    language = submission.language
    state = STATES.get(event["to_state"], event["to_state"])
    template = template_for(procedure, templates.STATE, submission.language)
    if template is not None:
        values = {
            **common_values(submission, procedure),
            "tracking_url": citizen_link(store, submission),
            "state": translate_for(state, template.language or language),
            "public_message": event.get("public_message") or "",
        }
        return from_template([address], template, values, submission, procedure)
    mapping = {
        "reference": submission.reference,
        "procedure": single_line(title_in(procedure, submission.language)),
        "state": translate_for(state, language),
    }
    paragraphs = [translate_for(Message(STATE_BODY, mapping=mapping), language)]
    if event.get("public_message"):
        paragraphs.append(
            translate_for(
                Message(STATE_MESSAGE, mapping={"message": event["public_message"]}),
                language,
            )
        )
    paragraphs.append(
        translate_for(
            Message(STATE_LINK, mapping={"link": citizen_link(store, submission)}),
            language,
        )
    )
    return make_message(
        [address],
        translate_for(Message(STATE_SUBJECT, mapping=mapping), language),
        "\n\n".join(paragraphs),
    )


def service_note_message(
    store: SubmissionStore, submission: Submission, procedure, event: dict
) -> Composed | None:
    """The citizen's notice that the service wrote to them (a ``message``
    event of staff, the state unchanged): its text, how many files came
    with it (never the files: they are downloaded from the request's
    page), and the link to it. Sent as the notices of a change of state
    are (the procedure's setting, the citizen's address)."""
    if not getattr(procedure, "notify_state_changes", True):
        return None
    address = citizen_address(submission, procedure)
    if address is None:
        return None
    language = submission.language
    mapping = {
        "reference": submission.reference,
        "procedure": single_line(title_in(procedure, submission.language)),
    }
    texts = [
        Message(NOTE_BODY, mapping=mapping),
        Message(STATE_MESSAGE, mapping={"message": event["public_message"]}),
    ]
    if event.get("files"):
        texts.append(Message(NOTE_FILES, mapping={"count": len(event["files"])}))
    texts.append(Message(STATE_LINK, mapping={"link": citizen_link(store, submission)}))
    return make_message(
        [address],
        translate_for(Message(NOTE_SUBJECT, mapping=mapping), language),
        "\n\n".join(translate_for(text, language) for text in texts),
    )


# -- The editor's preview ---------------------------------------------------------

SAMPLE_REFERENCE = "K7M2P9QX"
SAMPLE_MESSAGE = _(
    "mail_sample_public_message",
    default="Your document is ready: you may collect it at the desk.",
)


def sample_values(procedure, language: str | None, now: datetime) -> dict:
    """Values of a made-up request of ``procedure`` for the editor's
    preview: the placeholders' shapes, nothing anybody filed."""
    site = public_site_url()
    values = {
        "reference": SAMPLE_REFERENCE,
        "procedure_title": single_line(procedure.title),
        "date": format_datetime(now, language),
        "authority_name": single_line(get_authority().official_name),
        "tracking_url": f"{site}/@@track-request?reference={SAMPLE_REFERENCE}"
        "&secret=...",
        "request_url": f"{site}/@submissions/...",
        "state": translate_for(STATES["accepted"], language),
        "public_message": translate_for(SAMPLE_MESSAGE, language),
    }
    try:
        schema = IOnlineForm(procedure).get_form_schema()
    except InvalidFormSchema:
        schema = None
    if schema is not None:
        for name in schema.names():
            title = schema[name].title or name
            shown = (
                translate_for(title, language) if isinstance(title, Message) else title
            )
            values[f"{templates.ANSWER}{name}"] = f"[{single_line(shown)}]"
    return values


def preview(procedure, template: MailTemplate, now: datetime) -> dict:
    """``template`` (checked) as a made-up request's e-mail would read:
    ``subject``, ``body`` (plain text) and ``html`` (its alternative)."""
    values = sample_values(procedure, template.language, now)
    subject, body = render_template(template, values)
    return {"subject": subject, "body": body, "html": html_from_text(body)}
