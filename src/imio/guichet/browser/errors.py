"""The core's refusals (:class:`~imio.guichet.errors.GuichetError`) shown
in HTML pages: the one place where they become page errors.

401 raises Zope's ``Unauthorized`` (Plone then offers to log in), 403
``Forbidden``, 404 ``NotFound`` and 503 :class:`ServiceUnavailable` (what
the page needs is broken: the audit journal cannot be written, say, and
then the page shows nothing). Any other refusal keeps the page: its
status is set (a stale version, whose check a page makes with a form field
and not with ``If-Match``, is a 409 Conflict), each faulty field's message
goes next to that field and the refusal's message at the top (``form``).

On the citizen's z3c.form forms (``show_on_form``), refused answers
(:class:`~imio.guichet.errors.InvalidData`) go next to their widgets, as
z3c.form shows its own errors (the page is the form again: no error
status); a procedure that is closed or needs a login sends the citizen
back to its page with the reason; any other refusal is the form's status
message, with its HTTP status and headers (``Retry-After`` over the rate
limit).

Each refusal is counted here for the metrics (``guichet_refusals_total``,
by its code), once: when it raises, when its status is set on the page,
or when a form shows it.
"""

from collections.abc import Iterable
from imio.guichet import _
from imio.guichet.caller import HTML
from imio.guichet.caller import REST
from imio.guichet.errors import FieldError
from imio.guichet.errors import GuichetError
from imio.guichet.errors import InvalidData
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import ProcedureClosed
from imio.guichet.forms.validation import LIMITED_REFUSALS
from imio.guichet.forms.validation import MESSAGES
from imio.guichet.forms.validation import refusal_code
from imio.guichet.forms.validation import refusal_message
from imio.guichet.forms.validation import typed_value_code
from imio.guichet.metrics.counters import count_refusal
from plone import api
from plone.rest.interfaces import IAPIRequest
from z3c.form.converter import FormatterValidationError
from z3c.form.interfaces import IErrorViewSnippet
from zExceptions import Forbidden
from zExceptions import HTTPServiceUnavailable
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.component import getMultiAdapter
from zope.i18n import translate
from zope.interface import Invalid

import json


class ServiceUnavailable(HTTPServiceUnavailable):
    """503 for Plone's error page too, which sets the status from the
    exception's class name (``HTTPServiceUnavailable`` is not one it
    knows: it would answer 500)."""


#: Statuses that mean something else for a page than for an API call.
PAGE_STATUS = {
    412: 409,  # the version seen is a form field, not an HTTP precondition
    428: 409,
}


#: Refusals that a page does not show: Zope's exception answers them (401
#: offers to log in; 503: a read that cannot be recorded).
PAGE_EXCEPTIONS = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    503: ServiceUnavailable,
}


def raise_for_page(exc: GuichetError) -> None:
    """Raise Zope's exception for a refusal that leaves nothing to show."""
    page_exception = PAGE_EXCEPTIONS.get(exc.status)
    if page_exception is not None:
        count_refusal(HTML, exc.code)
        raise page_exception(str(exc.message)) from exc


def field_messages(fields: Iterable[FieldError]) -> dict:
    """Field name -> the message to show next to it."""
    return {field.field: field.message for field in fields}


def show_on_page(view, exc: GuichetError) -> None:
    """Keep ``view``'s page, with why ``exc`` refused (in ``view.errors``,
    which the page's template shows, and the codes in
    ``view.error_codes``); 401, 403 and 404 raise instead."""
    raise_for_page(exc)
    set_answer_status(view.request, exc)
    fields = field_messages(exc.fields)
    view.error_codes = {field.field: field.code for field in exc.fields}
    if exc.message not in fields.values():  # said next to its field: once
        view.errors["form"] = exc.message
        view.error_codes["form"] = exc.code
    view.errors.update(fields)


def set_answer_status(request, exc: GuichetError) -> None:
    """The HTTP status and headers of a refusal, on the page answering it."""
    count_refusal(HTML, exc.code)
    request.response.setStatus(PAGE_STATUS.get(exc.status, exc.status))
    for name, value in exc.headers.items():
        request.response.setHeader(name, value)


class RefusedField(Invalid):
    """A field refused by the core, as z3c.form shows an error: it keeps
    the core's code."""

    def __init__(self, field_error: FieldError):
        super().__init__(field_error.message)
        self.code = field_error.code


def error_code(snippet) -> str:
    """The core's code of the error a widget shows (see
    :data:`~imio.guichet.errors.FieldError.code`): the core's own refusal,
    or what the core calls the error z3c.form found checking the widget."""
    error = snippet.error
    if isinstance(error, RefusedField):
        return error.code
    if isinstance(error, FormatterValidationError):
        # The text typed is not a value of the field's type.
        return typed_value_code(snippet.field, snippet.widget.value)
    return refusal_code(error, snippet.field)


def field_error_snippet(form, widget, field_error: FieldError):
    """z3c.form's error snippet of one refused field, for its widget."""
    snippet = getMultiAdapter(
        (
            RefusedField(field_error),
            form.request,
            widget,
            widget.field,
            form,
            form.getContent(),
        ),
        IErrorViewSnippet,
    )
    snippet.update()
    return snippet


#: z3c.form's texts for a number its widget cannot read, in the guichet's
#: words: more helpful than the core's "wrong type" for a typed text.
WIDGET_MESSAGES = {
    "The entered value is not a valid integer literal.": _(
        "error_not_whole_number", default="Enter a whole number, for instance 12."
    ),
    "The entered value is not a valid decimal literal.": _(
        "error_not_number", default="Enter a number, for instance 12.5."
    ),
}


def guichet_message(snippet):
    """The message of an error that z3c.form found itself, in the core's
    words (as the API says it, and translated by the guichet's catalogs:
    zope.schema's and z3c.form's lack some of their texts in Dutch)."""
    error = snippet.error
    if isinstance(error, RefusedField):
        return snippet.message
    if isinstance(error, FormatterValidationError) and error.args:
        own = WIDGET_MESSAGES.get(str(error.args[0]))
        if own is not None:
            return own
    return MESSAGES.get(error_code(snippet), snippet.message)


def _saying_the_limit(form, snippet):
    """z3c.form's error for a value beyond a field's limit, which it found
    before the core: with the core's message, which says the limit (as
    the REST API does)."""
    widget = getattr(snippet, "widget", None)
    field = getattr(snippet, "field", None)
    if widget is None or field is None or isinstance(snippet.error, RefusedField):
        return snippet
    code = error_code(snippet)
    if code not in LIMITED_REFUSALS:
        return snippet
    bound = field.bind(form.context) if hasattr(field, "bind") else field
    # The limit as the page's reader writes it (31.12.2026 in German).
    message = refusal_message(bound, code, api.portal.get_current_language())
    return field_error_snippet(
        form, widget, FieldError(widget.field.__name__, code, message)
    )


def set_widget_errors(form, widgets: dict, snippets, field_errors) -> None:
    """Show z3c.form's error ``snippets`` and the core's ``field_errors``
    next to their ``widgets`` (name -> widget), and in the error summary."""
    snippets = [_saying_the_limit(form, snippet) for snippet in snippets]
    for snippet in snippets:
        if getattr(snippet, "widget", None) is not None:
            snippet.message = guichet_message(snippet)
    for field_error in field_errors:
        widget = widgets.get(field_error.field)
        if widget is not None:
            # As the core said it: a limit already in the page's language
            # (clean_data's language, the caller's).
            snippets.append(field_error_snippet(form, widget, field_error))
    for snippet in snippets:
        if getattr(snippet, "widget", None) is not None:
            snippet.widget.error = snippet
    form.widgets.errors = tuple(snippets)
    form.status = form.formErrorsMessage


def count_widget_refusal() -> None:
    """Count answers that z3c.form's own widget checks refused before the
    core saw them (a required field left empty, a date that is not one),
    as the core's refusal of the same answers over REST is counted."""
    count_refusal(HTML, InvalidData.code)


def show_refusal(form, exc: GuichetError) -> None:
    """A refusal that no field explains: the form's status message, with
    the HTTP status and headers it means."""
    set_answer_status(form.request, exc)
    form.status = exc.message


def show_on_form(form, exc: GuichetError) -> None:
    """Show ``exc`` on ``form`` (a z3c.form form of a procedure); a form
    with steps shows refused fields itself (its ``show_errors``)."""
    if isinstance(exc, InvalidData | ProcedureClosed | LoginRequired):
        count_refusal(HTML, exc.code)  # the others set their status
    if isinstance(exc, InvalidData):
        show_errors = getattr(form, "show_errors", None)
        if show_errors is not None:
            show_errors(exc)
        else:
            set_widget_errors(form, dict(form.widgets.items()), [], exc.fields)
    elif isinstance(exc, ProcedureClosed | LoginRequired):
        api.portal.show_message(exc.message, form.request, "warning")
        form.request.response.redirect(form.context.absolute_url())
    else:
        show_refusal(form, exc)


class OriginalHasTranslationsView:
    """The answer (an exception view) when someone deletes the original of
    translated procedures: a page goes back to the procedure with the
    reason as an error message; an API call (plone.restapi's ``DELETE``)
    gets the JSON error of a refusal, 409."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def __call__(self):
        exc, response = self.context, self.request.response
        if IAPIRequest.providedBy(self.request) or not exc.url:
            count_refusal(REST, exc.code)
            # Locked: plone.transformchain sets the status from the
            # exception's class name afterwards (500 for a name it does
            # not know).
            response.setStatus(exc.status, lock=True)
            response.setHeader("Content-Type", "application/json")
            message = translate(exc.message, context=self.request)
            error = {"type": "Conflict", "message": message, "code": exc.code}
            return json.dumps({"error": error})
        count_refusal(HTML, exc.code)
        api.portal.show_message(exc.message, self.request, type="error")
        response.redirect(exc.url, status=303, lock=True)
        return ""
