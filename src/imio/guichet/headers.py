"""The security headers of the guichet's pages, set in one place.

Every page and REST service of the guichet (procedure page, form,
confirmation, tracking, receipt, drafts, "Mes démarches", the back
office's requests, the ``@submissions``/``@drafts``… services) gets:

- ``Content-Security-Policy``: scripts only from the site itself (the
  guichet's templates have no inline script nor ``on…=`` attribute; its
  JavaScript is in ``browser/static``), no plugins, no framing by another
  site;
- ``Referrer-Policy: same-origin``: a tracking, receipt or draft link's
  secret never leaves the site in a Referer;
- ``X-Content-Type-Options: nosniff``;
- ``Cache-Control: private, no-store``: each of these pages may show
  someone's request (or a form prefilled with their identity), so no
  browser or proxy keeps a copy. The procedure's public description is
  among them: it is cheap to render, and a page of the guichet is never
  cached rather than cached by mistake.

Which pages? Those whose published object (the view, the service, or
the object of a published method) is an instance of a class defined in
``imio.guichet``: Five and plone.rest wrap a registered class in a
generated subclass, so the rule reads the whole class hierarchy. It
follows every view and service the add-on registers, now and later,
without a list to maintain, and leaves Plone's own pages (the front page,
the control panels of other add-ons, static resources) untouched.
"""

from imio.guichet.oidc.settings import provider_origin
from zope.component import adapter
from zope.globalrequest import getRequest
from ZPublisher.interfaces import IPubBeforeAbort
from ZPublisher.interfaces import IPubBeforeCommit
from ZPublisher.interfaces import IPubBeforeStreaming


PACKAGE = "imio.guichet"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Plone's patterns and the guichet's templates set style attributes.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
NO_STORE = "private, no-store"


def is_guichet_page(published) -> bool:
    """Whether ``published`` is one of the guichet's views or services."""
    published = getattr(published, "__self__", published)  # a method
    return any(
        cls.__module__ == PACKAGE or cls.__module__.startswith(PACKAGE + ".")
        for cls in type(published).__mro__
    )


def content_security_policy() -> str:
    """The policy; a form may also lead to the site's identity provider
    (a citizen below a procedure's level of identity is sent there, and
    browsers check every redirect of a form's submission)."""
    origin = provider_origin()
    if origin is None:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    )


def set_security_headers(request) -> None:
    if request is None or not is_guichet_page(request.get("PUBLISHED")):
        return
    response = request.response
    for name, value in HEADERS.items():
        response.setHeader(name, value)
    response.setHeader("Content-Security-Policy", content_security_policy())
    if "no-store" not in (response.getHeader("Cache-Control") or ""):
        response.setHeader("Cache-Control", NO_STORE)


@adapter(IPubBeforeCommit)
def before_commit(event):
    set_security_headers(event.request)


@adapter(IPubBeforeAbort)
def before_abort(event):
    """An error page of the guichet (its 404, a refusal) shows no less."""
    set_security_headers(event.request)


@adapter(IPubBeforeStreaming)
def before_streaming(event):
    """A streamed answer (a file) has its headers sent before the commit."""
    set_security_headers(getRequest())
