"""Secrets never reach a log.

A tracking link (``@@track-request?reference=…&secret=…``), a confirmation,
a receipt or a saved draft opens a citizen's request to whoever holds its
URL, and whoever reads the logs would hold them all. So every value of a
parameter that carries a secret is replaced by ``[redacted]`` before a
line is written: in the access log (:mod:`.accesslog`, the request line
and the Referer, which repeats the previous page's URL) and in the event
log (:class:`RedactingFilter`, for URLs Zope writes with errors and
tracebacks). Headers holding credentials (``Authorization``,
``X-Draft-Secret``, ``X-Tracking-Secret``, cookies) are never written by
the access log; if one appears in a message, its value is redacted too.
"""

import logging
import re


REDACTED = "[redacted]"

#: Parameters whose value is a secret: by name, or by a name that contains
#: ``secret`` or ``token`` (``draft_secret``, ``access_token``…). Zope's
#: converters (``secret:string``) belong to the name.
_NAME_PART = r"[^=&;?#\s\"'<>]*"
_NAME = rf"(?:{_NAME_PART}(?:secret|token){_NAME_PART}|key|code|state)(?::[\w:]+)?"

#: ``name=value`` in a query string (after ``?``, ``&`` or ``;``).
_QUERY_PARAMETER = re.compile(
    rf"(?P<lead>[?&;](?:amp;)?(?P<name>{_NAME})=)(?P<value>[^&;#\s\"'<>]*)",
    re.IGNORECASE,
)
#: A header line or a mapping's item: ``Authorization: Basic …``,
#: ``'secret': '…'``, ``"X-Tracking-Secret": "…"``, ``HTTP_COOKIE=…``: any
#: name that contains ``secret``, ``token``, ``authorization`` or
#: ``cookie`` (headers added later are covered without a list to keep).
#: Not a query parameter (after ``?``, ``&``, ``;``): its value ends at the
#: next parameter, :data:`_QUERY_PARAMETER` redacts it.
_HEADER = re.compile(
    r"(?P<lead>(?<![\w?&;=/.-])[\w-]*(?:secret|token|authorization|cookie)"
    r"[\w-]*['\"]?\s*[:=]\s*)(?P<value>['\"]?[^\r\n'\"]*)",
    re.IGNORECASE,
)
_ITEM = re.compile(
    rf"(?P<lead>(?P<quote>['\"])(?P<name>{_NAME})(?P=quote)\s*:\s*)"
    r"(?P<value>(?P<vquote>['\"])[^'\"]*(?P=vquote))",
    re.IGNORECASE,
)
#: A row of a request printed as HTML (Zope's error log keeps ``str(request)``):
#: ``<th>secret</th><td>'…'</td>``, for parameters and credential headers.
_HTML_ROW = re.compile(
    rf"(?P<lead><th>(?:{_NAME}|[\w-]*(?:secret|token|authorization|cookie)[\w-]*)"
    r"</th><td>)(?P<value>[^<]*)",
    re.IGNORECASE,
)


def redact_query(text: str) -> str:
    """``text`` with the value of every secret query parameter redacted
    (a request line, a URL, a Referer)."""
    if "=" not in text:
        return text
    return _QUERY_PARAMETER.sub(lambda match: match["lead"] + REDACTED, text)


def redact(text: str) -> str:
    """Any log message with secrets redacted: URLs' query parameters,
    credential headers and ``'secret': '…'`` items of a printed mapping."""
    if not text:
        return text
    text = redact_query(text)
    text = _HTML_ROW.sub(lambda match: match["lead"] + REDACTED, text)
    text = _HEADER.sub(lambda match: match["lead"] + REDACTED, text)
    return _ITEM.sub(
        lambda match: f"{match['lead']}{match['vquote']}{REDACTED}{match['vquote']}",
        text,
    )


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback with :func:`redact`.

    Attached to a handler, it sees every record that handler writes, those
    of Zope's error log (``Zope.SiteErrorLog``: the URL, then the
    traceback) included; the record is rewritten in place, so that the
    other handlers (the console) write the redacted text too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFileHandler(logging.FileHandler):
    """A :class:`logging.FileHandler` with a :class:`RedactingFilter`
    (``fileConfig``, which reads ``zope.ini``, cannot attach filters)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.addFilter(RedactingFilter())


class RedactingStreamHandler(logging.StreamHandler):
    """A :class:`logging.StreamHandler` with a :class:`RedactingFilter`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.addFilter(RedactingFilter())
