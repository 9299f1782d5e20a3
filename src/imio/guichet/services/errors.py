"""JSON error answers shared by the guichet's services.

Every error a service answers itself has plone.restapi's shape,
``{"error": {"type": ..., "message": ...}}``, with extra keys (the list of
faulty fields of a refused submission, for instance) beside them.
"""

from imio.guichet.caller import REST
from imio.guichet.metrics.counters import count_refusal
from zope.i18n import translate


STATUS_TYPES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    428: "PreconditionRequired",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}


def error(request, status: int, message, **extra) -> dict:
    """Set ``status`` on the response and return the JSON error body."""
    request.response.setStatus(status)
    body = {
        "type": STATUS_TYPES[status],
        "message": translate(message, context=request),
    }
    body.update(extra)
    return {"error": body}


def guichet_error(request, exc) -> dict:
    """The JSON answer to a :class:`~imio.guichet.errors.GuichetError`: the
    one place where the core's refusals become HTTP (and are counted for
    the metrics)."""
    for name, value in exc.headers.items():
        request.response.setHeader(name, value)
    request.response.setStatus(exc.status)
    return {"error": refusal_body(request, exc)}


def refusal_body(request, exc) -> dict:
    """What the JSON error of a refusal says (counted for the metrics),
    without touching the answer: also for each item of an answer about
    several submissions (``@submissions-bulk``)."""
    count_refusal(REST, exc.code)
    body = {
        "type": STATUS_TYPES[exc.status],
        "message": translate(exc.message, context=request),
        "code": exc.code,
        **exc.details,
    }
    if exc.fields:
        body["errors"] = [
            {
                "field": field.field,
                "code": field.code,
                "message": translate(field.message, context=request),
            }
            for field in exc.fields
        ]
    return body
