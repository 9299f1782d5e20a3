"""What anyone does with a procedure's online form itself (not with what
was filed): read it, in the version asked for; and what its webmaster
does with the working copy (content.online_form): check it, publish it
as the next version, or drop it.

Who may read it is Zope's security, asked of the caller's session: the
form is public with its procedure, and back offices read it too, to make
sense of what was filed, even once the procedure is no longer published
(see :func:`~imio.guichet.submissions.access.may_see_form`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from imio.guichet import _
from imio.guichet.audit.api import record
from imio.guichet.caller import Caller
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import NotFound
from imio.guichet.errors import Unavailable
from imio.guichet.forms.checks import check_form
from imio.guichet.forms.checks import FormWarning
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.translations import form_texts
from imio.guichet.forms.translations import labels_from_texts
from imio.guichet.forms.translations import Text
from imio.guichet.forms.translations import translation_of
from imio.guichet.i18n import site_languages
from imio.guichet.submissions.access import may_see_form
from imio.guichet.submissions.query import whole_number
from imio.guichet.urls import public_url_of
from plone import api


NO_CHANGES = "No change of the form is waiting to be published."
UNKNOWN_LANGUAGE = _(
    "error_form_translation_language",
    default="The site is not available in this language.",
)


@dataclass(frozen=True)
class PublishedForm:
    """The form's version now filled by citizens, and the check's warnings."""

    version: int
    warnings: list[FormWarning]


def form_schema(
    caller: Caller, procedure, version: object = None, language: str | None = None
) -> tuple:
    """``(schema, version)``: the form of ``procedure`` in ``version`` (a
    number, or its digits as text; None: the current one), its texts in
    ``language`` where translated (the fields are the same in every one).

    Raises LoginRequired/Forbidden for a caller who may not see the form,
    InvalidInput for a version that does not exist and Unavailable for a
    stored form that cannot be read."""
    if not may_see_form(procedure):
        raise LoginRequired() if caller.is_anonymous else Forbidden()
    form = IOnlineForm(procedure)
    if version is None:
        version = form.form_schema_version
    elif whole_number(version) is not None:
        version = whole_number(version)
    try:
        return form.get_form_schema(version, language), version
    except (KeyError, TypeError):
        raise InvalidInput("No such version of this form.") from None
    except InvalidFormSchema:
        raise Unavailable("This procedure's form is unavailable.") from None


# -- the webmaster's side: the working copy, its check and its publication


def may_edit_form(procedure) -> bool:
    """Whether the current user edits the form (and sees its working copy)."""
    return api.user.has_permission("Modify portal content", obj=procedure)


def _check_may_edit(caller: Caller, procedure) -> None:
    if not may_edit_form(procedure):
        raise LoginRequired() if caller.is_anonymous else Forbidden()


def edited_form(caller: Caller, procedure):
    """The form as the editor and the preview show it: the working copy,
    else the published form (only for who may edit the procedure)."""
    _check_may_edit(caller, procedure)
    try:
        return IOnlineForm(procedure).get_edited_form_schema()
    except InvalidFormSchema:
        raise Unavailable("This procedure's form is unavailable.") from None


def form_warnings(caller: Caller, procedure) -> list[FormWarning]:
    """The check before publishing (forms.checks) of the form being
    edited: warnings, never a refusal."""
    return check_form(edited_form(caller, procedure), procedure, caller.language)


def publish_form_version(caller: Caller, procedure) -> PublishedForm:
    """Make the working copy the form citizens fill, and say what the
    check before publishing found in it. NotFound when no change is
    pending."""
    _check_may_edit(caller, procedure)
    form = IOnlineForm(procedure)
    if form.working_copy is None:
        raise NotFound(NO_CHANGES)
    warnings = check_form(form.get_edited_form_schema(), procedure, caller.language)
    form.publish_working_copy()
    record(
        caller,
        "publish_form",
        details={
            "procedure": public_url_of(procedure),
            "version": form.form_schema_version,
            "warnings": [warning.code for warning in warnings],
        },
    )
    return PublishedForm(form.form_schema_version, warnings)


def discard_form_changes(caller: Caller, procedure) -> None:
    """Drop the working copy: the editor shows the published form again.
    NotFound when no change is pending."""
    _check_may_edit(caller, procedure)
    if not IOnlineForm(procedure).discard_working_copy():
        raise NotFound(NO_CHANGES)
    record(
        caller,
        "discard_form_changes",
        details={"procedure": public_url_of(procedure)},
    )


@dataclass(frozen=True)
class FormVersionStatus:
    """The version citizens fill, whether changes wait, the check's warnings."""

    version: int
    changes_waiting: bool
    warnings: list[FormWarning]


def form_version_status(caller: Caller, procedure) -> FormVersionStatus:
    """What the editor's version box says (for who may edit the procedure)."""
    warnings = form_warnings(caller, procedure)
    form = IOnlineForm(procedure)
    return FormVersionStatus(
        form.form_schema_version, form.working_copy is not None, warnings
    )


# -- the form's texts in other languages (forms.translations): one set per
#    language, shared by every translation of the procedure


@dataclass(frozen=True)
class FormTranslation:
    """Each text of the form with what it says in ``language`` ("" where
    not translated: the form's own text is shown)."""

    language: str
    rows: list[tuple[Text, str]]


def _check_language(language: object) -> str:
    if not isinstance(language, str) or language not in site_languages():
        raise InvalidInput(UNKNOWN_LANGUAGE)
    return language


def form_translation(caller: Caller, procedure, language: object) -> FormTranslation:
    """The translation page's table for ``language`` (for who may edit the
    procedure's form)."""
    original = canonical(procedure)
    _check_may_edit(caller, original)
    language = _check_language(language)
    form = IOnlineForm(original)
    labels = form.form_labels(language)
    # The form being edited: the working copy when changes wait.
    texts = form_texts(form.edited_form_schema)
    rows = [(text, translation_of(text, labels)) for text in texts]
    return FormTranslation(language, rows)


def translate_form(
    caller: Caller, procedure, language: object, given: Mapping[str, object]
) -> FormTranslation:
    """Keep ``given`` (a text's key -> its translation) as the form's texts
    in ``language``; an empty text falls back to the form's own. The
    fields, values and rules do not change. Audited."""
    original = canonical(procedure)
    _check_may_edit(caller, original)
    language = _check_language(language)
    form = IOnlineForm(original)
    # The texts of the form being edited (the working copy when changes
    # wait); those only the published form still has keep their
    # translation, which citizens read until the copy is published.
    texts = form_texts(form.edited_form_schema)
    keys = {text.key for text in texts}
    kept = [text for text in form_texts(form.form_schema) if text.key not in keys]
    known = form.form_labels(language)
    given = {
        **{text.key: translation_of(text, known) for text in kept},
        **{key: value for key, value in given.items() if key in keys},
    }
    labels = labels_from_texts(texts + kept, given)
    form.set_form_labels(language, labels)
    record(
        caller,
        "translate_form",
        details={"procedure": public_url_of(original), "language": language},
    )
    return form_translation(caller, original, language)
