"""No request body larger than the site accepts is read.

The largest body the guichet needs is a submission with as many files as
a procedure accepts, in base64
(:func:`imio.guichet.forms.uploads.max_body_size`). waitress refuses a
larger ``Content-Length`` itself (``max_request_body_size``, the same
number, written by ``make instance``); :class:`BodyLimit` is the same
rule in the application's pipeline, whatever the server: it answers 413
with the guichet's JSON error before reading a byte when the declared
length is too large, and reads a body of unknown length (chunked) no
further than the limit, then hands it on with its length. In
``zope.ini``::

    [filter:bodylimit]
    use = egg:imio.guichet#bodylimit
    max_body = 70905080
"""

from tempfile import SpooledTemporaryFile

import json


#: How much of a body of unknown length is held in memory; more goes to disk.
SPOOL_IN_MEMORY = 1024 * 1024
CHUNK = 64 * 1024


def too_large(start_response, limit: int):
    """The 413 answer, as every guichet error: ``{"error": {"type", "message"}}``."""
    body = json.dumps(
        {
            "error": {
                "type": "PayloadTooLarge",
                "message": f"The request body is larger than {limit} bytes.",
            }
        }
    ).encode("utf-8")
    start_response(
        "413 Request Entity Too Large",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ],
    )
    return [body]


class BodyLimit:
    """Refuses (413) a request whose body is larger than ``max_body`` bytes."""

    def __init__(self, application, max_body: int):
        self.application = application
        self.max_body = max_body

    def __call__(self, environ, start_response):
        declared = environ.get("CONTENT_LENGTH")
        if declared:
            # ASCII digits only: int() takes "²" for no number, and refuses
            # thousands of digits, both with an exception.
            too_long = len(declared) > 18 or not declared.isascii()
            if too_long or not declared.isdigit() or int(declared) > self.max_body:
                return too_large(start_response, self.max_body)
        elif _chunked(environ):
            body = self.read_at_most(environ["wsgi.input"])
            if body is None:
                return too_large(start_response, self.max_body)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(body.tell())
            body.seek(0)
        return self.application(environ, start_response)

    def read_at_most(self, stream):
        """The body in a spooled file, or None once it passes the limit
        (reading stops there)."""
        spool = SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed on
        size = 0
        while chunk := stream.read(min(CHUNK, self.max_body + 1 - size)):
            size += len(chunk)
            if size > self.max_body:
                spool.close()
                return None
            spool.write(chunk)
        return spool


def _chunked(environ) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def make_filter(global_conf, max_body):
    """The paste.filter_factory ``egg:imio.guichet#bodylimit``."""
    return lambda app: BodyLimit(app, int(max_body))
