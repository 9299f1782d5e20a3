"""Reading another service's JSON: bounded, and never led elsewhere by a
redirect (a catalogue of models or a prefill source is an address chosen
by a Site Administrator; where it redirects to was not)."""

from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from imio.guichet.remote_json import fetch_json
from imio.guichet.remote_json import FetchFailed

import pytest
import threading


class Service:
    """A real HTTP server on loopback: /doc answers JSON, /same redirects
    to /doc, /away redirects to the same port under another host name,
    /big answers more than the limit."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                port = self.server.server_port
                if self.path == "/doc":
                    self._answer(200, b'{"ok": true}')
                elif self.path == "/same":
                    self._redirect(f"http://127.0.0.1:{port}/doc")
                elif self.path == "/away":
                    self._redirect(f"http://localhost:{port}/doc")
                elif self.path == "/big":
                    self._answer(200, b'"' + b"x" * 5000 + b'"')

            def _answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _redirect(self, location):
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def service():
    running = Service()
    yield running
    running.close()


def read(url):
    return fetch_json(url, headers={}, timeout=5.0, max_bytes=1000)


def test_a_document_is_read(service):
    assert read(f"{service.base}/doc") == {"ok": True}


def test_a_redirect_within_the_site_is_followed(service):
    assert read(f"{service.base}/same") == {"ok": True}


def test_a_redirect_to_another_host_is_refused(service):
    with pytest.raises(FetchFailed) as failed:
        read(f"{service.base}/away")
    assert failed.value.reason == "HTTP 302, redirected to another site"


def test_a_document_over_the_limit_is_refused(service):
    with pytest.raises(FetchFailed) as failed:
        read(f"{service.base}/big")
    assert failed.value.reason == "too large (over 1000 bytes)"
