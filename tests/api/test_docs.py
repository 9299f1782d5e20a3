"""docs/integration.md is executed: every request in it is sent as written
to a site built like the demo one, and every answer must match."""

from imio.guichet.demo import ensure_accounts
from imio.guichet.demo import ensure_content
from imio.guichet.demo import ensure_languages
from imio.guichet.demo import procedures_folder
from pathlib import Path
from plone import api

import base64
import json
import pytest
import re
import requests
import time
import transaction


DOC = Path(__file__).parents[2] / "docs" / "integration.md"
DEMO_SITE = "/Plone"
BLOCK = re.compile(r"```(http|python)\n(.*?)```", re.DOTALL)
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def exchanges(text: str):
    """(request, response) pairs of the ```http blocks, in order."""
    blocks = [body for kind, body in BLOCK.findall(text) if kind == "http"]
    assert len(blocks) % 2 == 0, "every request needs its documented answer"
    return list(zip(blocks[::2], blocks[1::2], strict=True))


def split_message(block: str) -> tuple[str, dict, str]:
    head, _, body = block.partition("\n\n")
    first, *header_lines = head.strip().splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return first, headers, body.strip()


def substitute(text: str, known: dict) -> str:
    return PLACEHOLDER.sub(lambda match: known[match.group(1)], text)


def match_value(documented, actual, known: dict, where: str) -> None:
    """``actual`` has what ``documented`` shows; placeholders are learnt."""
    if documented == "…":
        return
    if isinstance(documented, str) and PLACEHOLDER.search(documented):
        name = PLACEHOLDER.fullmatch(documented)
        if name and name.group(1) not in known:
            assert isinstance(actual, str), f"{where}: {actual!r}"
            known[name.group(1)] = actual
            return
        documented = substitute(documented, known)
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r}"
        for key, value in documented.items():
            assert key in actual, f"{where}: no {key!r} in {sorted(actual)}"
            match_value(value, actual[key], known, f"{where}.{key}")
    elif isinstance(documented, list):
        assert isinstance(actual, list), f"{where}: {actual!r}"
        assert len(actual) == len(documented), f"{where}: {actual!r}"
        for index, (doc, real) in enumerate(zip(documented, actual, strict=True)):
            match_value(doc, real, known, f"{where}[{index}]")
    else:
        assert actual == documented, f"{where}: {actual!r} != {documented!r}"


@pytest.fixture
def demo_site(functional_portal):
    """The demo's languages, content and accounts, in the test site: the
    procedures in the French root folder, as the docs' paths say."""
    with api.env.adopt_roles(["Manager"]):
        # The demo's admin:admin is a Zope Manager; the test root already
        # has an "admin" (of another password): a site administrator
        # admin:admin in the site stands in for it.
        functional_portal.acl_users._doAddUser(
            "admin", "admin", ["Site Administrator"], []
        )
        ensure_languages(functional_portal)
        ensure_content(functional_portal)
        ensure_accounts(functional_portal)
    transaction.commit()
    return functional_portal


def test_integration_walkthrough(demo_site):
    site_url = demo_site.absolute_url()
    procedure = procedures_folder(demo_site)["declaration-de-perte"]
    known = {"procedure_uid": api.content.get_uuid(procedure)}
    text = DOC.read_text(encoding="utf-8")
    for number, (request_block, response_block) in enumerate(exchanges(text), 1):
        request_line, headers, body = split_message(substitute(request_block, known))
        method, path = request_line.split(" ", 1)
        assert path.startswith(f"{DEMO_SITE}/")
        answer = requests.request(
            method,
            site_url + path.removeprefix(DEMO_SITE),
            headers=headers,
            data=body.encode() if body else None,
            timeout=30,
        )
        where = f"exchange {number} ({request_line})"
        status_line, documented_headers, documented_body = split_message(response_block)
        assert answer.status_code == int(status_line.split()[1]), (
            f"{where}: {answer.status_code} {answer.text[:500]}"
        )
        for name, value in documented_headers.items():
            match_value(value, answer.headers.get(name), known, f"{where} {name}")
        if documented_body:
            match_value(json.loads(documented_body), answer.json(), known, where)
    assert {"token", "id", "etag", "secret", "webhook_id"} <= set(known)


def test_signature_check_of_the_docs_works(demo_site):
    """The receiver's verification function shown in the docs accepts our
    signatures and refuses altered ones."""
    from imio.guichet.webhooks.delivery import sign

    [snippet] = [
        body for kind, body in BLOCK.findall(DOC.read_text()) if kind == "python"
    ]
    namespace = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation
    is_genuine = namespace["is_genuine"]
    body = b'{"specversion":"1.0"}'
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    other = "whsec_" + base64.b64encode(b"j" * 32).decode()
    # The library refuses timestamps more than five minutes from now.
    now = int(time.time())
    headers = {
        "webhook-id": "e1",
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, "e1", now, body),
    }
    assert is_genuine(secret, headers, body)
    assert not is_genuine(other, headers, body)
    assert not is_genuine(secret, headers, body + b" ")
    assert not is_genuine(secret, {**headers, "webhook-id": "e2"}, body)
    replayed = now - 3600
    assert not is_genuine(
        secret,
        {
            **headers,
            "webhook-timestamp": str(replayed),
            "webhook-signature": sign(secret, "e1", replayed, body),
        },
        body,
    )
