"""The access log, in Apache's combined format, without secrets.

Paste's translogger writes each request's line as it came, query string
and Referer included: a tracking, confirmation, receipt or draft link's
``secret`` would be in the log. :class:`AccessLogger` writes the same line
with those values redacted (:func:`~imio.guichet.wsgi.redaction.redact_query`).
In ``zope.ini``::

    [filter:translogger]
    use = egg:imio.guichet#accesslog
"""

from imio.guichet.wsgi.redaction import redact_query
from paste.translogger import TransLogger
from paste.util.converters import asbool

import logging


class AccessLogger(TransLogger):
    """Paste's translogger, with secret parameters redacted from the
    request line and the Referer (no other header is written)."""

    def write_log(self, environ, method, req_uri, start, status, bytes):  # noqa: PLR0917 - Paste's signature
        referer = environ.get("HTTP_REFERER")
        if referer:
            environ = {**environ, "HTTP_REFERER": redact_query(referer)}
        super().write_log(environ, method, redact_query(req_uri), start, status, bytes)


def make_filter(
    global_conf,
    *,
    logger_name="wsgi",
    format=None,
    logging_level="INFO",
    setup_console_handler=False,
    set_logger_level="DEBUG",
):
    """The paste.filter_factory ``egg:imio.guichet#accesslog``; the options
    of ``egg:Paste#translogger``."""
    return lambda app: AccessLogger(
        app,
        format=format or None,
        logging_level=logging.getLevelName(logging_level)
        if isinstance(logging_level, str)
        else logging_level,
        logger_name=logger_name,
        setup_console_handler=asbool(setup_console_handler),
        set_logger_level=logging.getLevelName(set_logger_level)
        if isinstance(set_logger_level, str)
        else set_logger_level,
    )
