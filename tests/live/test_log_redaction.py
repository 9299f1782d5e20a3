"""No secret reaches a log (issue #10, item 4): the access log written by
our translogger and the event log's handlers redact them."""

from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.wsgi.accesslog import AccessLogger
from imio.guichet.wsgi.redaction import redact
from imio.guichet.wsgi.redaction import redact_query
from imio.guichet.wsgi.redaction import RedactingFileHandler
from imio.guichet.wsgi.redaction import RedactingFilter
from pathlib import Path

import io
import logging
import pytest
import requests


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        (
            "/Plone/@@track-request?reference=AB12-CD34&secret=s3cr3t",
            "/Plone/@@track-request?reference=AB12-CD34&secret=[redacted]",
        ),
        (
            "/Plone/@@draft-saved?id=42&secret=s3cr3t",
            "/Plone/@@draft-saved?id=42&secret=[redacted]",
        ),
        (
            "/Plone/x/@@confirmation?secret=s3cr3t&reference=AB12-CD34",
            "/Plone/x/@@confirmation?secret=[redacted]&reference=AB12-CD34",
        ),
        ("/a?secret:string=s3", "/a?secret:string=[redacted]"),
        (
            "/a?token=t&key=k&code=c&state=s",
            "/a?token=[redacted]&key=[redacted]&code=[redacted]&state=[redacted]",
        ),
        (
            "/a?draft_secret=d&access_token=t&CLIENT_SECRET=c&x_token_y=z",
            "/a?draft_secret=[redacted]&access_token=[redacted]"
            "&CLIENT_SECRET=[redacted]&x_token_y=[redacted]",
        ),
        ("/a?x=1;secret=s", "/a?x=1;secret=[redacted]"),
        ("/a?x=1&amp;secret=s", "/a?x=1&amp;secret=[redacted]"),
        # Other parameters are kept, even when a secret name is in them.
        ("/a?keyword=k&reference=r&id=1", "/a?keyword=k&reference=r&id=1"),
        ("/a/secret=not-a-query", "/a/secret=not-a-query"),
    ],
)
def test_redact_query(url, redacted):
    assert redact_query(url) == redacted


def test_redact_credentials_in_messages():
    text = (
        "Authorization: Basic YWRtaW46YWRtaW4=\n"
        "X-Draft-Secret: drafts3cr3t\n"
        "{'secret': 'abc', 'reference': 'AB12', \"access_token\": \"t0k3n\"}\n"
        "URL http://site/Plone/@@receipt?reference=AB12&secret=abc"
    )
    redacted = redact(text)
    for secret in ("YWRtaW46YWRtaW4=", "drafts3cr3t", "abc", "t0k3n"):
        assert secret not in redacted
    assert "'reference': 'AB12'" in redacted
    assert "@@receipt?reference=AB12&secret=[redacted]" in redacted


def test_redact_every_credential_header():
    text = (
        "X-Tracking-Secret: tracks3cr3t\n"
        "HTTP_X_TRACKING_SECRET=envs3cr3t\n"
        "X-Api-Token: apit0k3n\n"
        "Set-Cookie: __ac=c00ki3\n"
        "{'HTTP_PROXY_AUTHORIZATION': 'Basic pr0xy'}\n"
        "URL http://site/Plone/@@track-request?secret=abc&reference=AB12"
    )
    redacted = redact(text)
    for secret in ("tracks3cr3t", "envs3cr3t", "apit0k3n", "c00ki3", "pr0xy", "abc"):
        assert secret not in redacted
    # A query's secret parameter is redacted alone, not what follows.
    assert "@@track-request?secret=[redacted]&reference=AB12" in redacted


def run_through_access_logger(environ: dict) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test-access-log")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    def application(environ, start_response):
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    try:
        AccessLogger(application, logger=logger)(environ, lambda *args: None)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_access_log_line_is_apache_combined_without_secrets():
    line = run_through_access_logger(
        {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/Plone/@@track-request",
            "QUERY_STRING": "reference=AB12-CD34&secret=s3cr3t",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "192.0.2.1",
            "HTTP_REFERER": "http://site/Plone/x/@@confirmation?secret=s3cr3t",
            "HTTP_USER_AGENT": "Firefox",
            "HTTP_AUTHORIZATION": "Basic YWRtaW46YWRtaW4=",
            "HTTP_X_DRAFT_SECRET": "drafts3cr3t",
        }
    )
    assert "s3cr3t" not in line
    assert "YWRtaW46YWRtaW4=" not in line
    assert line.startswith("192.0.2.1 - - [")
    assert (
        '"GET /Plone/%40%40track-request?reference=AB12-CD34&secret=[redacted] '
        'HTTP/1.1" 200 2 "http://site/Plone/x/@@confirmation?secret=[redacted]" '
        '"Firefox"'
    ) in line


def test_event_log_handler_redacts_messages_and_tracebacks(tmp_path):
    handler = RedactingFileHandler(tmp_path / "event.log")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("test-event-log")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError("http://site/Plone/@@receipt?reference=R&secret=s3cr3t")
        except ValueError:
            logger.exception("%s", "http://site/Plone/@@draft-saved?id=1&secret=d3")
    finally:
        logger.removeHandler(handler)
        handler.close()
    written = (tmp_path / "event.log").read_text()
    assert "s3cr3t" not in written
    assert "d3" not in written.replace("id=1", "")
    assert "@@draft-saved?id=1&secret=[redacted]" in written
    assert "ValueError: http://site/Plone/@@receipt?reference=R&secret=[redacted]" in (
        written
    )


def test_filter_keeps_ordinary_records_unchanged():
    record = logging.LogRecord("x", logging.INFO, "f", 1, "%s items", (3,), None)
    assert RedactingFilter().filter(record)
    assert (record.msg, record.args) == ("%s items", (3,))


def test_the_instance_configuration_uses_them():
    config = (ROOT / "etc" / "zope.ini.in").read_text()
    assert "use = egg:imio.guichet#accesslog" in config
    assert "egg:Paste#translogger" not in config
    assert "class = imio.guichet.wsgi.redaction.RedactingFileHandler" in config
    assert "class = imio.guichet.wsgi.redaction.RedactingStreamHandler" in config


def test_no_secret_in_the_logs_of_a_live_instance(live_instance, citizen_journey):
    """A citizen's journey with secret links, then a request with a token
    in its query and credentials in its headers: every request is in the
    access log, no secret is in any log."""
    secrets = [*citizen_journey.secrets, "LIVE-TOKEN-VALUE", "LIVE-DRAFT-SECRET"]
    answer = requests.get(
        f"{live_instance.url}/fr/contact?access_token=LIVE-TOKEN-VALUE",
        headers={"Accept": "application/json", "X-Draft-Secret": "LIVE-DRAFT-SECRET"},
        auth=("backoffice", "backoffice"),
        timeout=60,
    )
    assert answer.status_code == 200
    logs = live_instance.folder / "var" / "log"
    access = (logs / "access.log").read_text()
    for name in ("access.log", "event.log"):
        written = (logs / name).read_text()
        for secret in secrets:
            assert secret not in written, f"a secret in {name}"
    server_output = (live_instance.folder / "server.log").read_text()
    for secret in secrets:
        assert secret not in server_output
    for path, status in (
        (f"/Plone/{PROCEDURES_PATH}/declaration-de-perte/%40%40confirmation?", 200),
        ("/Plone/%40%40track-request?", 200),
        ("/Plone/%40%40receipt?", 200),
        ("/Plone/%40%40draft-saved?", 200),
        ("/Plone/fr/contact?access_token=[redacted]", 200),
    ):
        # This journey's requests (their secrets redacted), not those other
        # tests of the session made on the same instance (a receipt refused
        # to a re-created account, say).
        lines = [
            line
            for line in access.splitlines()
            if f"GET {path}" in line and "[redacted]" in line
        ]
        assert lines, f"{path} is not in the access log"
        assert all(f'" {status} ' in line for line in lines)
    assert "secret=[redacted]" in access
