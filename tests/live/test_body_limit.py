"""No request body larger than the site needs is read (issue #10, item
6): the server's limit and our WSGI filter, from the uploads' limits."""

from imio.guichet.demo import PROCEDURES_PATH
from imio.guichet.forms.uploads import default_max_body_size
from imio.guichet.forms.uploads import FORM_BODY_BYTES
from imio.guichet.forms.uploads import max_body_size
from imio.guichet.forms.uploads import upload_limits
from imio.guichet.wsgi.bodylimit import BodyLimit
from urllib.parse import urlsplit

import base64
import datetime
import io
import json
import re
import requests
import select
import socket
import threading
import time


LIMIT = 1000


class Unreadable(io.RawIOBase):
    def read(self, size=-1):
        raise AssertionError("the body was read")


class Endless(io.RawIOBase):
    """A body that never ends; counts what was read of it."""

    consumed = 0

    def read(self, size=-1):
        size = 65536 if size is None or size < 0 else size
        self.consumed += size
        return b"x" * size


class Application:
    def __init__(self):
        self.environ = None

    def __call__(self, environ, start_response):
        self.environ = environ
        self.body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def call(middleware, environ):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(middleware(environ, start_response))
    return answer["status"], answer["headers"], body


def test_a_declared_length_over_the_limit_is_refused_unread():
    application = Application()
    status, headers, body = call(
        BodyLimit(application, LIMIT),
        {
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(LIMIT + 1),
            "wsgi.input": Unreadable(),
        },
    )
    assert status.startswith("413 ")
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["type"] == "PayloadTooLarge"
    assert str(LIMIT) in error["message"]
    assert application.environ is None


def test_a_body_within_the_limit_is_handed_on_untouched():
    application = Application()
    status, _headers, _body = call(
        BodyLimit(application, LIMIT),
        {
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(LIMIT),
            "wsgi.input": io.BytesIO(b"y" * LIMIT),
        },
    )
    assert status == "200 OK"
    assert application.body == b"y" * LIMIT


def test_a_chunked_body_is_read_no_further_than_the_limit():
    application, endless = Application(), Endless()
    status, _headers, body = call(
        BodyLimit(application, LIMIT),
        {
            "REQUEST_METHOD": "POST",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": endless,
        },
    )
    assert status.startswith("413 ")
    assert json.loads(body)["error"]["type"] == "PayloadTooLarge"
    assert endless.consumed == LIMIT + 1
    assert application.environ is None


def test_a_small_chunked_body_is_handed_on_with_its_length():
    application = Application()
    status, _headers, _body = call(
        BodyLimit(application, LIMIT),
        {
            "REQUEST_METHOD": "POST",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(b"z" * 10),
        },
    )
    assert status == "200 OK"
    assert application.body == b"z" * 10
    assert application.environ["CONTENT_LENGTH"] == "10"


def test_the_default_limit_fits_a_submission_with_the_default_files():
    defaults = upload_limits(object())  # a procedure that sets no limit
    assert default_max_body_size() == max_body_size(defaults, defaults.max_files)
    # Five files of 10 MB, in base64, and the fields.
    assert default_max_body_size() == FORM_BODY_BYTES + 5 * 4 * -(-10 * 2**20 // 3)


# -- on a live instance


def written_limits(live_instance) -> tuple[int, int]:
    config = (live_instance.folder / "etc" / "zope.ini").read_text()
    ours = int(re.search(r"^max_body = (\d+)$", config, re.M)[1])
    server = int(re.search(r"^max_request_body_size = (\d+)$", config, re.M)[1])
    return ours, server


def test_make_instance_writes_the_limits(live_instance):
    # waitress refuses a length *at or above* its number.
    assert written_limits(live_instance) == (
        default_max_body_size(),
        default_max_body_size() + 1,
    )


def resident_memory(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def post_huge_body(url: str, size: int, chunked: bool) -> bytes:
    """POSTs ``size`` bytes, generated as they are sent; stops sending
    as soon as the server answers. The answer's status line."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=120) as sock:
        length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
        sock.sendall(
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\n"
            f"{length}\r\n\r\n".encode()
        )
        block = b"A" * 65536
        frame = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
        sent = 0
        try:
            while sent < size and not select.select([sock], [], [], 0)[0]:
                sock.sendall(frame)
                sent += len(block)
        except OSError:  # the server closed the connection once it answered
            pass
        return sock.recv(4096).split(b"\r\n")[0]


def test_huge_bodies_are_refused_without_growing_the_server(live_instance):
    """Four 200 MB POSTs at once, two with their length, two chunked."""
    url = f"{live_instance.url}/{PROCEDURES_PATH}/declaration-de-perte/@submissions"
    before = peak = resident_memory(live_instance.pid)
    answers = [None] * 4
    running = True

    def watch():
        nonlocal peak
        while running:
            peak = max(peak, resident_memory(live_instance.pid))
            time.sleep(0.02)

    def post(index):
        answers[index] = post_huge_body(url, 200 * 2**20, chunked=index % 2 == 1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    posts = [threading.Thread(target=post, args=(index,)) for index in range(4)]
    for thread in posts:
        thread.start()
    for thread in posts:
        thread.join(300)
    running = False
    watcher.join()
    assert answers == [b"HTTP/1.1 413 Request Entity Too Large"] * 4
    assert peak - before < 50 * 2**20


#: A small valid PDF.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_a_filing_with_a_file_still_works(live_instance):
    start = datetime.date.today() + datetime.timedelta(days=20)
    data = {
        "applicant_type": "person",
        "name": "Jeanne Dupont",
        "email": "jeanne@example.org",
        "phone": "081 00 00 00",
        "site_address": {
            "street": "Rue de la Gare",
            "number": "1",
            "postal_code": "5000",
            "locality": "Namur",
        },
        "date_from": start.isoformat(),
        "date_to": (start + datetime.timedelta(days=2)).isoformat(),
        "surface": 5.0,
        "purpose": "container",
        "scaffolding": "no",
        "plan": {
            "filename": "plan.pdf",
            "content-type": "application/pdf",
            "data": base64.b64encode(PDF).decode(),
        },
    }
    answer = requests.post(
        f"{live_instance.url}/{PROCEDURES_PATH}/occupation-domaine-public/@submissions",
        json={"data": data},
        auth=("citoyen", "citoyen"),
        headers={"Accept": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
