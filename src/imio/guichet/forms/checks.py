"""The check before publishing: what a webmaster should look at in a form
before citizens fill it. Warnings, never refusals (a refusal is
forms.model.check_form_schema's): the form may be published anyway.

Each check is one function of a :class:`CheckedForm` that yields
:class:`FormWarning`; :data:`CHECKS` lists them in the order they are
shown. Another check is one more function, added with :func:`form_check`::

    @form_check
    def long_titles(form: CheckedForm):
        if ...:
            yield FormWarning(_("warning_...", default="..."))
"""

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from imio.guichet import _
from imio.guichet.forms.conditions import conditions
from imio.guichet.forms.kinds.base import kind_of
from imio.guichet.forms.kinds.dates import format_datetime
from imio.guichet.forms.uploads import file_field_settings
from imio.guichet.forms.uploads import FILE_TYPES
from imio.guichet.forms.uploads import or_list
from imio.guichet.forms.uploads import size_beyond_procedure
from imio.guichet.forms.uploads import types_beyond_procedure
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.i18n import counted
from imio.guichet.prefill.declarations import prefill_specs
from imio.guichet.privacy.information import missing_information
from imio.guichet.timezones import as_datetime
from imio.guichet.timezones import in_site_time
from zope.i18nmessageid import Message
from zope.interface.interface import InterfaceClass
from zope.schema import getFieldsInOrder

import html
import re


#: A field title longer than this is hard to read next to its input.
MAX_TITLE_LENGTH = 80
#: More required fields than this discourage citizens.
MAX_REQUIRED_FIELDS = 25
#: A sentence of the information text longer than this (in words).
MAX_SENTENCE_WORDS = 25
#: The kinds of identifiers a citizen should be told why they are asked.
IDENTIFIER_KINDS = ("be-niss", "iban", "be-enterprise-number")
#: What a verified identity gives (identities.VerifiedIdentity): a form
#: asking for it makes the citizen type it again.
IDENTITY_FIELD_NAMES = frozenset(
    {
        "niss",
        "national_number",
        "first_name",
        "firstname",
        "given_name",
        "prenom",
        "last_name",
        "lastname",
        "family_name",
        "nom",
    }
)
#: The procedure's information fields (content.procedure.INFORMATION_FIELDS)
#: and its summary, read for long sentences.
INFORMATION_ATTRIBUTES = (
    "description",
    "eligibility",
    "required_documents",
    "cost",
    "delay",
    "legal_basis",
    "contact",
)


@dataclass(frozen=True)
class FormWarning:
    """Something to look at: ``message`` (a translatable Message), about
    the field ``field`` when it concerns one."""

    message: Message
    field: str | None = None
    code: str = ""


@dataclass
class CheckedForm:
    """What a check reads: the form's schema, and the procedure's settings
    (the content object with the online form; None for a form alone);
    ``language``, its reader's, for the dates and sizes its warnings write
    (the view or service passes the page's or caller's; None: the site's
    default language)."""

    schema: InterfaceClass
    procedure: object = None
    language: str | None = None
    fields: list = dataclass_field(init=False)

    def __post_init__(self):
        self.fields = getFieldsInOrder(self.schema)

    def setting(self, name: str, default=None):
        return getattr(self.procedure, name, default)


Check = Callable[[CheckedForm], Iterable[FormWarning]]
#: Every check, in the order its warnings are shown.
CHECKS: list[Check] = []


def form_check(check: Check) -> Check:
    """Add ``check`` to :data:`CHECKS`."""
    CHECKS.append(check)
    return check


def check_form(
    schema: InterfaceClass, procedure=None, language: str | None = None
) -> list[FormWarning]:
    """Every warning of every check about the form ``schema`` of
    ``procedure``, for a reader of ``language``."""
    form = CheckedForm(schema, procedure, language)
    return [warning for check in CHECKS for warning in check(form)]


def _title(field) -> str:
    return str(field.title or "").strip()


def _named(field, name: str) -> dict:
    return {"field": _title(field) or name}


# -- the checks


@form_check
def field_titles(form: CheckedForm):
    """A field without a title, or with one too long to read."""
    for name, field in form.fields:
        title = _title(field)
        if not title:
            yield FormWarning(
                _(
                    "warning_field_without_title",
                    default='The field "${field}" has no title: citizens will '
                    "not know what to answer.",
                    mapping={"field": name},
                ),
                name,
                "no_title",
            )
        elif len(title) > MAX_TITLE_LENGTH:
            yield FormWarning(
                _(
                    "warning_field_long_title",
                    default='The title of "${field}" has more than ${max} '
                    "characters: keep the title short and explain in the "
                    "help text.",
                    mapping={"field": name, "max": MAX_TITLE_LENGTH},
                ),
                name,
                "long_title",
            )


@form_check
def identifier_help(form: CheckedForm):
    """An identifier (national number, IBAN, enterprise number) asked
    without saying why."""
    for name, field in form.fields:
        kind = kind_of(field)
        if kind is None or kind.name not in IDENTIFIER_KINDS:
            continue
        if not str(field.description or "").strip():
            yield FormWarning(
                _(
                    "warning_identifier_without_help",
                    default='"${field}" has no help text: say why it is asked '
                    "and where the citizen finds it.",
                    mapping=_named(field, name),
                ),
                name,
                "identifier_without_help",
            )


@form_check
def required_fields(form: CheckedForm):
    """Too many required fields."""
    count = sum(1 for _name, field in form.fields if field.required)
    if count > MAX_REQUIRED_FIELDS:
        yield FormWarning(
            _(
                "warning_many_required_fields",
                default="${count} fields are required (more than ${max}): "
                "ask only what the service needs.",
                mapping={"count": count, "max": MAX_REQUIRED_FIELDS},
            ),
            None,
            "many_required",
        )


def _file_fields(form: CheckedForm) -> list[tuple[str, object]]:
    return [
        (name, field)
        for name, field in form.fields
        if (kind := kind_of(field)) is not None and kind.is_file
    ]


@form_check
def file_types(form: CheckedForm):
    """A file field that accepts no type of file: the procedure accepts
    none, or none of those the field itself accepts."""
    if form.procedure is None:
        return
    procedure_types = upload_limits(form.procedure).allowed_types
    for name, field in _file_fields(form):
        if upload_limits(form.procedure, field).allowed_types:
            continue
        own = file_field_settings(field).allowed_types
        if not procedure_types or not own:
            message = _(
                "warning_file_without_types",
                default='"${field}" asks for a file, but the procedure '
                "accepts no type of file (Online form settings).",
                mapping=_named(field, name),
            )
        else:
            message = _(
                "warning_file_types_not_in_procedure",
                default='"${field}" accepts only ${types}, which the procedure '
                "does not accept (Online form settings): no file can be sent.",
                mapping={
                    **_named(field, name),
                    "types": or_list([FILE_TYPES[key][1] for key in own]),
                },
            )
        yield FormWarning(message, name, "file_without_types")


@form_check
def file_settings_beyond_procedure(form: CheckedForm):
    """A file field whose own settings accept more than the procedure (an
    imported form; the editor refuses it): the procedure's limits hold."""
    if form.procedure is None:
        return
    for name, field in _file_fields(form):
        own = file_field_settings(field)
        if (
            types_beyond_procedure(form.procedure, own.allowed_types) is None
            and size_beyond_procedure(form.procedure, own.max_size_mb, form.language)
            is None
        ):
            continue
        if not upload_limits(form.procedure, field).allowed_types:
            continue  # said by file_types
        yield FormWarning(
            _(
                "warning_file_settings_beyond_procedure",
                default='"${field}" accepts more than the procedure: citizens '
                "may send ${limits} (Online form settings).",
                mapping={
                    **_named(field, name),
                    "limits": upload_limits(form.procedure, field).in_words(
                        form.language
                    ),
                },
            ),
            name,
            "file_settings_beyond_procedure",
        )


#: The files a procedure accepts per request, fewer than its form's file
#: fields (i18n.counted, on the files; the fields are then 2 or more).
MORE_FILE_FIELDS_THAN_FILES = {
    "one": _(
        "warning_more_file_fields_than_files_one",
        default="The form has ${fields} file fields, but the procedure "
        "accepts ${count} file per request (Online form settings): the "
        "files beyond are refused.",
    ),
    "other": _(
        "warning_more_file_fields_than_files_other",
        default="The form has ${fields} file fields, but the procedure "
        "accepts ${count} files per request (Online form settings): the "
        "files beyond are refused.",
    ),
}


@form_check
def file_fields_beyond_count(form: CheckedForm):
    """More file fields than the procedure accepts files per request: the
    files beyond are refused (all of them, when it accepts none)."""
    if form.procedure is None:
        return
    count = len(_file_fields(form))
    most = upload_limits(form.procedure).max_files
    if count <= most:
        return
    if most == 0:
        message = _(
            "warning_file_fields_without_files",
            default="The form asks for files, but the procedure accepts none "
            "(Online form settings): no file can be sent.",
        )
    else:
        message = counted(
            MORE_FILE_FIELDS_THAN_FILES,
            most,
            form.language,
            fields=count,
        )
    yield FormWarning(message, None, "more_file_fields_than_files")


@form_check
def never_shown(form: CheckedForm):
    """A field whose conditions can never all hold: two of them (its own,
    its step's, those of the fields it depends on) want other answers to
    the same question."""
    for name, field in form.fields:
        wanted: dict[str, set] = {}
        for condition in conditions(form.schema).get(name, ()):
            values = set(condition.values) & _possible_answers(
                form.schema.get(condition.field), condition.values
            )
            wanted[condition.field] = wanted.get(condition.field, values) & values
        if any(not values for values in wanted.values()):
            yield FormWarning(
                _(
                    "warning_field_never_shown",
                    default='"${field}" is never shown: its conditions (or '
                    "those of its step) ask for different answers to the "
                    "same question.",
                    mapping=_named(field, name),
                ),
                name,
                "never_shown",
            )


def _possible_answers(field, values) -> set:
    """Of ``values``, those a citizen can give to ``field``: a required
    checkbox (yes/no) must be ticked, so only "yes" is ever answered."""
    if (
        field is not None
        and field.required
        and getattr(kind_of(field), "checkbox", False)
    ):
        return {value for value in values if value is True}
    return set(values)


def _options(field) -> int | None:
    """How many options a choice offers (None: not a choice)."""
    kind = kind_of(field)
    if kind is None or kind.name not in ("choice", "multiple-choice"):
        return None
    choice = getattr(field, "value_type", None) or field
    vocabulary = getattr(choice, "vocabulary", None)
    if vocabulary is None:
        return None  # a named vocabulary, filled elsewhere
    return len(vocabulary)


@form_check
def single_option(form: CheckedForm):
    """A choice with a single option: nothing to choose."""
    for name, field in form.fields:
        if _options(field) == 1:
            yield FormWarning(
                _(
                    "warning_choice_one_option",
                    default='"${field}" offers a single option: add the others, '
                    "or use a yes/no field.",
                    mapping=_named(field, name),
                ),
                name,
                "one_option",
            )


@form_check
def identity_asked_again(form: CheckedForm):
    """The procedure requires a verified identity, which gives the national
    number and the names, and the form asks for them anyway (not filled
    from the identity)."""
    if not form.setting("require_verified_identity", False):
        return
    prefilled = prefill_specs(form.schema)
    for name, field in form.fields:
        if name in prefilled and prefilled[name][0] == "identity":
            continue
        kind = kind_of(field)
        is_niss = kind is not None and kind.name == "be-niss"
        if name in IDENTITY_FIELD_NAMES or is_niss:
            yield FormWarning(
                _(
                    "warning_identity_asked_again",
                    default='"${field}" asks for what the verified identity '
                    "already gives (national number, names): remove it, or "
                    "fill it from the identity.",
                    mapping=_named(field, name),
                ),
                name,
                "identity_asked_again",
            )


_TAGS = re.compile(r"<[^>]*>")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _plain_text(value) -> str:
    """A rich text's (or a plain string's) words, without markup."""
    raw = getattr(value, "raw", value)
    if not isinstance(raw, str):
        return ""
    # Block ends are sentence ends.
    raw = re.sub(r"</(p|li|h\d|div|td|tr)>|<br\s*/?>", "\n", raw, flags=re.I)
    return html.unescape(_TAGS.sub(" ", raw))


@form_check
def long_sentences(form: CheckedForm):
    """Sentences too long in the information citizens read before applying."""
    if form.procedure is None:
        return
    for attribute in INFORMATION_ATTRIBUTES:
        text = _plain_text(form.setting(attribute))
        for sentence in _SENTENCE_END.split(text):
            words = sentence.split()
            if len(words) > MAX_SENTENCE_WORDS:
                yield FormWarning(
                    _(
                        "warning_long_sentence",
                        default="A sentence of the information has ${count} "
                        'words ("${start}…"): split it, ${max} words at most '
                        "are easy to read.",
                        mapping={
                            "count": len(words),
                            "start": " ".join(words[:6]),
                            "max": MAX_SENTENCE_WORDS,
                        },
                    ),
                    None,
                    "long_sentence",
                )


def _moment(value):
    """A Zope DateTime or a datetime, comparable (the site's time)."""
    value = as_datetime(value)
    return None if value is None else in_site_time(value)


def _day(moment, language: str | None) -> str:
    return format_datetime(moment, language)


@form_check
def dates_together(form: CheckedForm):
    """Dates that leave citizens no time to file: submissions take place
    within both the opening and closing dates and the page's publication
    dates (content.availability.submission_window), so that submissions
    opening before the page is published, or closing after it expires, are
    harmless; but a window that ends before it starts is not."""
    if form.procedure is None:
        return
    starts = [
        moment
        for moment in (
            _moment(form.setting("opening_date")),
            _moment(form.setting("effective_date")),
        )
        if moment is not None
    ]
    ends = [
        moment
        for moment in (
            _moment(form.setting("closing_date")),
            _moment(form.setting("expiration_date")),
        )
        if moment is not None
    ]
    if starts and ends and max(starts) >= min(ends):
        yield FormWarning(
            _(
                "warning_submissions_never_open",
                default="Citizens can never file this procedure online: "
                "submissions would open on ${opens} but close on ${closes} "
                "(the opening and closing dates of online submissions, within "
                "the page's publication dates). Change one of these dates.",
                mapping={
                    "opens": _day(max(starts), form.language),
                    "closes": _day(min(ends), form.language),
                },
            ),
            None,
            "submissions_never_open",
        )


@form_check
def privacy_information(form: CheckedForm):
    """What the procedure's privacy information lacks: it cannot open to
    citizens without it (issue #15), and they would not be told why their
    data are asked. One warning per item, each translated with it."""
    if form.procedure is None:
        return
    for item in missing_information(form.procedure):
        yield FormWarning(
            _(
                "warning_privacy_missing",
                default="The privacy information lacks ${item} (Online form "
                "settings): the form cannot open to citizens without it.",
                mapping={"item": item},
            ),
            None,
            "privacy_incomplete",
        )
