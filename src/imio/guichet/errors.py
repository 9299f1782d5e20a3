"""The one exception tree of the guichet.

Every refusal the core makes is a :class:`GuichetError`: a stable ``code``
(for machines and tests), the HTTP ``status`` it means, a translatable
``message`` (for people) and, for refused data, the faulty fields. The REST
layer maps it to a JSON error once (``services/errors.py``), the HTML layer
to a form or page error once (``browser/errors.py``). Nothing else is
caught broadly: a ``ValueError`` escaping the core is a bug, not a refusal.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from imio.guichet import _
from zope.i18nmessageid import Message


@dataclass(frozen=True)
class FieldError:
    """Why the value of one field was refused."""

    field: str
    code: str
    message: Message


class GuichetError(Exception):
    """A refusal of the core. Subclasses set ``status``, ``code`` and a
    default ``message``; an instance may carry its own message."""

    status: int = 400
    code: str = "invalid"
    message: Message | str = _("error_refused", default="This request was refused.")
    #: More keys of the JSON error (what a client needs to act on it).
    details: dict = {}  # noqa: RUF012 - never mutated, replaced per instance

    def __init__(
        self,
        message: Message | str | None = None,
        *,
        fields: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
    ):
        if message is not None:
            self.message = message
        self.fields = list(fields)
        #: Headers the answer must carry (``Retry-After``, ``ETag``...).
        self.headers = dict(headers or {})
        super().__init__(str(self.message))


# 400


class InvalidInput(GuichetError):
    """A parameter or a body is malformed (not the citizen's answers)."""

    code = "invalid_input"


class InvalidAssignee(InvalidInput):
    """A request can be assigned only to whoever handles its procedure."""

    code = "invalid_assignee"


class InvalidQuery(InvalidInput):
    """A listing was asked with parameters that make no sense."""

    code = "invalid_query"


class InvalidData(GuichetError):
    """Submitted answers were refused; ``fields`` lists every faulty field."""

    code = "invalid_data"
    message = _("error_invalid_data", default="The submission is not valid.")

    def __init__(self, errors: Sequence[FieldError], message=None):
        super().__init__(message, fields=errors)

    @property
    def errors(self) -> list[FieldError]:
        return self.fields


class MessageRequired(GuichetError):
    """This transition needs a message for the citizen."""

    code = "message_required"


# 401 / 403 / 404


class LoginRequired(GuichetError):
    """The caller must log in (anonymous, where only known people may act)."""

    status = 401
    code = "login_required"
    message = _("error_login_required", default="You must log in to do this.")


class IdentityLevelRequired(GuichetError):
    """The procedure asks for an identity verified by an identity provider
    (itsme, eID...) at a level of assurance the caller did not reach; 401
    when anonymous, 403 when logged in otherwise. ``details`` names the
    level."""

    status = 401
    code = "identity_level_required"
    message = _(
        "error_identity_level_required",
        default="This procedure requires you to identify with itsme or your "
        "eID card (level of assurance: ${level}).",
    )

    def __init__(self, level: str, *, anonymous: bool):
        super().__init__(
            _(
                "error_identity_level_required",
                default="This procedure requires you to identify with itsme or "
                "your eID card (level of assurance: ${level}).",
                mapping={"level": level},
            )
        )
        self.status = 401 if anonymous else 403
        self.details = {"required_level": level}


class Forbidden(GuichetError):
    """The caller is known but may not do this."""

    status = 403
    code = "forbidden"
    message = _("error_forbidden", default="You are not allowed to do this.")


class ProcedureClosed(Forbidden):
    """The procedure takes no submissions now."""

    code = "procedure_closed"


class NotFound(GuichetError):
    """No such thing, or none the caller may know of (never tell which)."""

    status = 404
    code = "not_found"
    message = _("error_not_found", default="Not found.")


# 405


class MethodNotAllowed(GuichetError):
    """The endpoint exists, not for this method; ``Allow`` lists those it
    answers."""

    status = 405
    code = "method_not_allowed"
    message = _("error_method_not_allowed", default="This method is not allowed here.")


# 409 / 412 / 413 / 415 / 428 / 429


class Conflict(GuichetError):
    """The thing is not in a state that allows this."""

    status = 409
    code = "conflict"


class OriginalHasTranslations(Conflict):
    """The original (canonical) procedure of translations cannot be deleted
    while they exist: its form, settings and requests are theirs too."""

    code = "original_has_translations"
    message = _(
        "error_original_has_translations",
        default="This procedure cannot be deleted: it is the original of its "
        "translations, which share its form, its settings and its requests. "
        "Delete its translations first.",
    )

    def __init__(self, message=None, *, url: str = "", **options):
        super().__init__(message, **options)
        #: The original procedure's address (the page to go back to).
        self.url = url


class TransitionNotAllowed(Conflict):
    """The submission cannot go to that state from where it is, by that actor."""

    code = "transition_not_allowed"


class StaleVersion(GuichetError):
    """The thing changed since the caller read it."""

    status = 412
    code = "stale_version"


class VersionRequired(GuichetError):
    """A change must say which version it was made on (``If-Match``)."""

    status = 428
    code = "version_required"


class PayloadTooLarge(GuichetError):
    status = 413
    code = "payload_too_large"
    message = _("error_payload_too_large", default="The request body is too large.")


class UnsupportedMediaType(GuichetError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(GuichetError):
    """Over a rate limit; ``retry_after`` says in how many seconds to retry."""

    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int, message=None):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


# 503


class Unavailable(GuichetError):
    """Something the operation needs is broken (a form that cannot be read):
    not the caller's fault; retrying later may help once it is mended."""

    status = 503
    code = "unavailable"
