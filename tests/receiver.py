"""A real HTTP server on loopback that plays a back office's webhook endpoint."""

from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import threading
import time


class Receiver:
    """Records every POST; answers with the statuses queued in ``answers``
    (then 204), or waits ``delay`` seconds before answering."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body)
                )
                time.sleep(receiver.delay)
                status = receiver.answers.pop(0) if receiver.answers else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[tuple[dict, bytes]]:
        """Wait until ``count`` requests arrived (fails the test otherwise)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, (
            f"{len(self.received)} of {count} requests arrived"
        )
        return self.received
