"""The demonstration population register of ``make start`` (and of the tests).

A tiny HTTP JSON service, run as its own process on loopback, that answers
``GET /persons/<national register number>`` for the two people of the
demonstration identity provider (:mod:`imio.guichet.demo.provider`: the
same national register numbers) with their names, birth date and place,
and address, the way a population register's REST gateway would; 404 for
anyone else. The demo site's REST prefill source points at it (only
``make start`` configures that, see :func:`imio.guichet.demo.ensure_prefill_source`).
Every answer says it is a demonstration. Standard library only.

    python -m imio.guichet.demo.register --port 9081
"""

from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from imio.guichet.demo.provider import DEMO_IDENTITIES
from urllib.parse import unquote

import argparse
import json


#: Demo only: invented people and addresses.
ADDRESSES = {
    "demo-luc-dupont": {
        "street": "Rue de la Gare",
        "number": "12",
        "postal_code": "5000",
        "locality": "Namur",
    },
    "demo-sophie-lambert": {
        "street": "Avenue des Tilleuls",
        "number": "7",
        "box": "2",
        "postal_code": "4000",
        "locality": "Liège",
    },
}
BIRTH_PLACES = {"demo-luc-dupont": "Namur", "demo-sophie-lambert": "Verviers"}
#: What the demo site's prefill source maps (response path -> key).
MAPPING = "\n".join(
    (
        "names.given -> given_name",
        "names.family -> family_name",
        "names.full -> fullname",
        "birth.date -> birth_date",
        "birth.place -> birth_place",
        "address -> address",
    )
)
SOURCE_TITLE = "Registre national (démonstration)"


def person_records() -> dict[str, dict]:
    """National register number -> the register's record of the person."""
    records = {}
    for sub, claims in DEMO_IDENTITIES.items():
        given, family = claims["given_name"], claims["family_name"]
        records[claims["nin"]] = {
            "demonstration": True,
            "nationalNumber": claims["nin"],
            "names": {"given": given, "family": family, "full": f"{given} {family}"},
            "birth": {"date": claims["birthdate"], "place": BIRTH_PLACES[sub]},
            "address": ADDRESSES[sub],
        }
    return records


class RegisterHandler(BaseHTTPRequestHandler):
    records = person_records()

    def do_GET(self):
        prefix = "/persons/"
        path = self.path.split("?", 1)[0]
        if not path.startswith(prefix):
            return self._answer(404, {"error": "not found"})
        record = self.records.get(unquote(path[len(prefix) :]))
        if record is None:
            return self._answer(404, {"error": "no such person (demonstration)"})
        return self._answer(200, record)

    def _answer(self, status: int, document: dict) -> None:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        # The path carries a national register number: not logged.
        pass


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9081)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), RegisterHandler)
    print(
        "Demo population register (demonstration only): "
        f"http://{args.host}:{args.port}/persons/<national number>",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
