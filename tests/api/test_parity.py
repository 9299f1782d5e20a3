"""Parity of the channels: the same operation through REST and through the
HTML pages has the same outcome.

Every operation of the table has a REST way (a ``requests`` session) and
an HTML way (``zope.testbrowser``), and one expected outcome, whatever the
channel: accepted or refused; for a refusal the faulty fields with their
codes (or, when no field is at fault, the error's code); the state the
submission is left in; the records written to the audit trail (action,
actor, submissions, details; the pages' ``ui`` marker left out).

What may differ, and is not compared: the HTTP status of a refusal that a
page shows as a form (a stale version is 412 for the API and 409 for a
page, whose version is a form field; a refused field is 400 for the API
and the form again, 200, for the citizen's form) and the messages' wording
(z3c.form words the widgets' own checks). The pages carry the core's codes
in ``data-error-code`` (and the field in ``data-error-field``), as the API
does in its JSON.

Two differences are by design, and said in their rows (``page_audit``):
a faulty filter of the staff listing is refused on both, with the same
field and code, but the page still lists without that filter (the API
lists nothing); a refused change of state keeps the staff page, which
shows the request again (a read). The audit trail holds what each
channel showed, never a refused filter or change. Without ``sort_order``
the API lists the oldest first and the staff page the newest: the rows
ask for an order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import UTC
from fixtures.forms import DEFAULT_FORM_DATA
from fixtures.forms import VALID_DATA
from imio.guichet.audit import iter_records
from imio.guichet.submissions.api import get_store
from imio.guichet.submissions.api import submit
from imio.guichet.submissions.handling import etag
from imio.guichet.submissions.handling import update_state
from imio.guichet.submissions.tracking import tracking_secret
from plone import api
from urllib.parse import urlencode
from zExceptions import Forbidden
from zExceptions import NotFound
from zExceptions import Unauthorized

import csv
import html
import io
import pytest
import re
import transaction


REST, HTML = "rest", "html"

#: What the citizen's form and the API file (the form's own fields only).
ANSWERS = {
    "name": "Jeanne Dupont",
    "email": "jeanne@example.org",
    "copies": 2,
    "delivery": "email",
}
#: Two faulty fields, each with its code.
FAULTY = {"email": "not-an-email", "copies": 9}
FAULTY_CODES = {("email", "invalid_email"), ("copies", "too_big")}


@dataclass
class Env:
    """The site, its requests (key -> id) and the two channels' clients."""

    site: object
    ids: dict
    session_for: Callable
    browser_for: Callable
    #: Set by a filing: the id of the new submission.
    filed: str | None = None

    def uid(self, key: str) -> str:
        return api.content.get_uuid(getattr(self.site.demarches, key))

    def submission(self, key: str):
        transaction.begin()
        return get_store().get(self.ids[key])

    def reference(self, key: str) -> str:
        return self.submission(key).reference

    def etag(self, key: str) -> str:
        return etag(self.submission(key))

    def url(self, path: str) -> str:
        return f"{self.site.absolute_url()}/{path}"


@dataclass(frozen=True)
class Answer:
    """What a channel answered, normalised."""

    accepted: bool
    #: Refused: {(field, code)}, or {("", code)} when no field is at fault.
    errors: frozenset = frozenset()
    #: What was listed or exported (keys of Env.ids), for those operations.
    rows: tuple | None = None


def rest_answer(response, rows=None) -> Answer:
    if response.status_code < 400:
        return Answer(True, rows=rows)
    error = response.json()["error"]
    fields = {(item["field"], item["code"]) for item in error.get("errors", [])}
    return Answer(False, frozenset(fields or {("", error["code"])}))


#: What a page answers without a form to show the refusal on.
PAGE_REFUSALS = {Unauthorized: "login_required", Forbidden: "forbidden"}
PAGE_REFUSALS[NotFound] = "not_found"
STATUS_CODES = {401: "login_required", 403: "forbidden", 404: "not_found"}

_CODED = re.compile(r"<[^>]*\bdata-error-code=\"([^\"]*)\"[^>]*>")
_FIELD = re.compile(r"\bdata-error-field=\"([^\"]*)\"")


def page_errors(contents: str) -> set:
    """The core's codes that a page shows: {(field, code)}, the form's own
    error with the field ""."""
    errors = set()
    for match in _CODED.finditer(contents):
        named = _FIELD.search(match.group(0))
        errors.add((html.unescape(named.group(1)) if named else "", match.group(1)))
    return errors


def page_answer(browser, rows=None) -> Answer:
    status = int(browser.headers["status"].split()[0])
    if status in (302, 303):  # done: the page it leads to is another request
        return Answer(True, rows=rows)
    errors = page_errors(browser.contents)
    fields = {error for error in errors if error[0]}
    if fields:
        return Answer(False, frozenset(fields))
    if errors:
        return Answer(False, frozenset(errors))
    if status >= 400:
        return Answer(False, frozenset({("", STATUS_CODES[status])}))
    return Answer(True, rows=rows)


def opened(browser, url: str, rows=None) -> Answer:
    """Open a page; a refusal raised by the publisher is an answer too."""
    try:
        browser.open(url)
    except tuple(PAGE_REFUSALS) as refused:
        return Answer(False, frozenset({("", PAGE_REFUSALS[type(refused)])}))
    return page_answer(browser, rows)


def posted(browser, url: str, fields: dict, *, follow: bool = False) -> Answer:
    """POST a page's form by hand, with a valid CSRF token; the answer is
    the POST's (a redirect once done: the page it leads to is another
    request), or with ``follow`` (Post/Redirect/Get, refusals included)
    the page the POST redirects to, as a browser shows it."""
    site_url = url.split("?", maxsplit=1)[0].rsplit("/", 1)[0]
    browser.open(f"{site_url}/@@personal-information")
    token = browser.getControl(name="_authenticator").value
    browser.followRedirects = False
    try:
        browser.post(url, urlencode({**fields, "_authenticator": token}))
    except tuple(PAGE_REFUSALS) as refused:
        return Answer(False, frozenset({("", PAGE_REFUSALS[type(refused)])}))
    status = int(browser.headers["status"].split()[0])
    if follow and status == 303:
        return opened(browser, browser.headers["Location"])
    return page_answer(browser)


def key_of(env: Env, reference: str) -> str:
    by_reference = {env.reference(key): key for key in env.ids}
    return by_reference[reference]


# -- filing ------------------------------------------------------------------


def rest_file(data):
    def run(env: Env) -> Answer:
        response = env.session_for("citizen_a").post(
            "demarches/x/@submissions", json={"data": data}
        )
        if response.status_code == 201:
            env.filed = response.json()["id"]
        return rest_answer(response)

    return run


def html_file(data):
    def run(env: Env) -> Answer:
        browser = env.browser_for("citizen_a")
        browser.open(env.site.demarches.x.absolute_url() + "/@@submit")
        browser.getControl("Nom").value = data["name"]
        browser.getControl("E-mail").value = data["email"]
        browser.getControl("Nombre d'exemplaires").value = str(data["copies"])
        browser.getControl(name="form.widgets.delivery").value = [data["delivery"]]
        browser.getControl(name="form.buttons.send").click()
        if "@@confirmation" in browser.url:
            transaction.begin()
            reference = browser.url.split("reference=")[1]
            env.filed = get_store().by_reference(reference).id
        return page_answer(browser)

    return run


# -- listing -----------------------------------------------------------------


def listing_query(env: Env, query: dict) -> dict:
    """Placeholders: "<y>" is procedure Y's UID, "<ref:KEY>" the reference of
    that submission as a person types it (lower case, no dash)."""
    result = dict(query)
    for name, value in query.items():
        if value == "<y>":
            result[name] = env.uid("y")
        elif value.startswith("<ref:"):
            result[name] = env.reference(value[5:-1]).lower().replace("-", "")
    return result


def rest_list(query: dict):
    def run(env: Env) -> Answer:
        response = env.session_for("siteadmin").get(
            "@submissions", params=listing_query(env, query)
        )
        rows = None
        if response.ok:
            items = response.json()["items"]
            rows = tuple(key_of(env, item["reference"]) for item in items)
        return rest_answer(response, rows)

    return run


def html_list(query: dict):
    def run(env: Env) -> Answer:
        browser = env.browser_for("siteadmin")
        url = env.url(f"@@guichet-requests?{urlencode(listing_query(env, query))}")
        answer = opened(browser, url)
        shown = re.findall(r'class="request-link"[^>]*>([^<]+)<', browser.contents)
        rows = tuple(key_of(env, reference) for reference in shown)
        return Answer(answer.accepted, answer.errors, rows if answer.accepted else None)

    return run


# -- changing the state (staff) --------------------------------------------


def stale_or_current(env: Env, key: str, stale: bool) -> str:
    return f'"{env.ids[key]}.99"' if stale else env.etag(key)


def rest_change(key: str, to_state: str, stale=False):
    def run(env: Env) -> Answer:
        response = env.session_for("backoffice_x").patch(
            f"@submissions/{env.ids[key]}",
            json={"state": to_state},
            headers={"If-Match": stale_or_current(env, key, stale)},
        )
        return rest_answer(response)

    return run


def html_change(key: str, to_state: str, stale=False):
    def run(env: Env) -> Answer:
        browser = env.browser_for("backoffice_x")
        browser.raiseHttpErrors = False
        return posted(
            browser,
            env.url("@@guichet-request"),
            {
                "id": env.ids[key],
                "etag": stale_or_current(env, key, stale),
                "to_state": to_state,
                "message": "",
                "note": "",
            },
            follow=True,
        )

    return run


def rest_bulk(keys: tuple, to_state: str | None, assignee: str | None = None):
    """``POST @submissions-bulk`` (moving to ``to_state``, or assigning to
    ``assignee``); the answer's rows: the requests that could not move, or
    be assigned, with why."""

    def run(env: Env) -> Answer:
        change = {"state": to_state} if assignee is None else {"assignee": assignee}
        response = env.session_for("backoffice_x").post(
            "@submissions-bulk",
            json={
                **change,
                "submissions": [
                    {"id": env.ids[key], "etag": env.etag(key)} for key in keys
                ],
            },
        )
        if response.status_code != 200:
            return rest_answer(response)
        keys_of = {submission_id: key for key, submission_id in env.ids.items()}
        refused = {
            (keys_of[item["id"]], item["error"]["code"])
            for item in response.json()["items"]
            if not item["moved"]
        }
        return Answer(True, rows=frozenset(refused))

    return run


def rest_assign(key: str, assignee: str):
    def run(env: Env) -> Answer:
        response = env.session_for("backoffice_x").patch(
            f"@submissions/{env.ids[key]}",
            json={"assignee": assignee},
            headers={"If-Match": env.etag(key)},
        )
        return rest_answer(response)

    return run


def html_bulk(keys: tuple, to_state: str | None, assignee: str | None = None):
    """The listing's bulk form (moving or assigning), as a browser sends it
    (the versions the page showed), and the page it leads back to."""

    def run(env: Env) -> Answer:
        browser = env.browser_for("backoffice_x")
        browser.raiseHttpErrors = False
        browser.open(env.url("@@personal-information"))
        token = browser.getControl(name="_authenticator").value
        change = (
            [("to_state", to_state)]
            if assignee is None
            else [("bulk_assignee", assignee), ("assign", "1")]
        )
        fields = [("_authenticator", token), *change]
        for key in keys:
            fields += [
                ("ids:list", env.ids[key]),
                (f"etag-{env.ids[key]}", env.etag(key)),
            ]
        browser.followRedirects = False
        browser.post(env.url("@@guichet-requests"), urlencode(fields))
        if not browser.headers["status"].startswith("303"):
            return page_answer(browser)
        browser.open(browser.headers["Location"])
        keys_of = {submission_id: key for key, submission_id in env.ids.items()}
        refused = {
            (keys_of[submission_id], code)
            for code, submission_id in re.findall(
                r'<li data-error-code="([^"]+)"[^>]*\sdata-submission="([^"]+)"',
                browser.contents,
            )
        }
        return Answer(True, rows=frozenset(refused))

    return run


def html_assign(key: str, assignee: str):
    def run(env: Env) -> Answer:
        browser = env.browser_for("backoffice_x")
        browser.raiseHttpErrors = False
        return posted(
            browser,
            env.url("@@guichet-request"),
            {
                "id": env.ids[key],
                "etag": env.etag(key),
                "assignee": assignee,
                "assign": "1",
            },
            follow=True,
        )

    return run


# -- the citizen's answer and withdrawal ------------------------------------


def rest_citizen(action: str, key: str, who="citizen_a", body=None, secret=False):
    def run(env: Env) -> Answer:
        headers = {"If-Match": env.etag(key)}
        if secret:
            transaction.begin()
            headers["X-Tracking-Secret"] = tracking_secret(
                get_store(), env.submission(key)
            )
        response = env.session_for(who).post(
            f"@submissions/{env.ids[key]}/@{action}", json=body, headers=headers
        )
        return rest_answer(response)

    return run


def html_citizen(action: str, key: str, who="citizen_a", body=None, secret=False):
    def run(env: Env) -> Answer:
        browser = env.browser_for(who)
        browser.raiseHttpErrors = False
        fields = {"reference": env.reference(key), "etag": env.etag(key), action: "1"}
        fields.update(body or {})
        if secret:
            transaction.begin()
            fields["secret"] = tracking_secret(get_store(), env.submission(key))
            view = "@@track-request"
            # An anonymous visitor's CSRF token: the tracking page's own.
            browser.open(env.url(f"{view}?{urlencode(fields)}"))
            token = browser.getControl(name="_authenticator", index=0).value
            browser.post(env.url(view), urlencode({**fields, "_authenticator": token}))
            return page_answer(browser)
        return posted(browser, env.url("@@my-requests"), fields)

    return run


#: The page's box "I understand: withdraw my request for good" (a
#: withdrawal cannot be undone: the page asks; an API client is explicit).
CONFIRMED = {"confirm": "1"}

#: A file as the API takes it, and as a page uploads it.
LETTER = ("lettre.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n")


def rest_citizen_message(key: str, message: str, who="citizen_a", secret=False):
    """The citizen writes (with a file) over the API: ``@message``."""
    import base64

    body = {
        "message": message,
        "files": [
            {"filename": LETTER[0], "data": base64.b64encode(LETTER[1]).decode()}
        ],
    }
    return rest_citizen("message", key, who=who, body=body, secret=secret)


def html_citizen_message(key: str, message: str, who="citizen_a", secret=False):
    """The same from the citizen's page (its button ``write``)."""
    return html_citizen("write", key, who=who, body={"message": message}, secret=secret)


def rest_staff_message(key: str, message: str):
    def run(env: Env) -> Answer:
        response = env.session_for("backoffice_x").patch(
            f"@submissions/{env.ids[key]}",
            json={"message": message},
            headers={"If-Match": env.etag(key)},
        )
        return rest_answer(response)

    return run


def html_staff_message(key: str, message: str):
    def run(env: Env) -> Answer:
        browser = env.browser_for("backoffice_x")
        browser.raiseHttpErrors = False
        return posted(
            browser,
            env.url("@@guichet-request"),
            {
                "id": env.ids[key],
                "etag": env.etag(key),
                "write": "1",
                "message": message,
                "note": "",
            },
            follow=True,
        )

    return run


# -- export ------------------------------------------------------------------


def csv_rows(env: Env, body: str) -> tuple:
    return tuple(
        key_of(env, row["reference"]) for row in csv.DictReader(io.StringIO(body))
    )


def rest_export(query: dict):
    def run(env: Env) -> Answer:
        response = env.session_for("backoffice_x").get(
            "demarches/x/@submissions-export", params=query
        )
        rows = csv_rows(env, response.text) if response.ok else None
        return rest_answer(response, rows)

    return run


def html_export(query: dict):
    def run(env: Env) -> Answer:
        browser = env.browser_for("backoffice_x")
        browser.raiseHttpErrors = False
        url = f"{env.site.demarches.x.absolute_url()}/@@guichet-export"
        answer = opened(browser, f"{url}?{urlencode(query)}")
        if not answer.accepted:
            return answer
        return Answer(True, rows=csv_rows(env, browser.contents))

    return run


# -- the table ---------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    name: str
    rest: Callable[[Env], Answer]
    html: Callable[[Env], Answer]
    #: The expected answer (rows as keys of Env.ids).
    answer: Answer
    #: The submission whose state is checked ("filed": the one filed now,
    #: None when nothing must have been filed), and its state then.
    subject: str | None = None
    state: str | None = None
    #: The audit records written: (action, actor, submission keys, details).
    audit: list = field(default_factory=list)
    #: Records of the page only (see the module's docstring).
    page_audit: list | None = None


def listed(query, rows, audited=None):
    audited = query if audited is None else audited
    return Operation(
        f"list {' '.join(f'{k}={v}' for k, v in query.items())}",
        rest_list(query),
        html_list(query),
        Answer(True, rows=rows),
        audit=[("list", "siteadmin", rows, {"query": audited})],
    )


#: A change leads back to the staff page (Post/Redirect/Get, refused or
#: not), which shows the request again as it is now (a read, in the
#: trail); the API's answer shows nothing of it.
SHOWN_AGAIN = [("read", "backoffice_x", ("x1",), {})]

OPERATIONS = [
    Operation(
        "file valid",
        rest_file(ANSWERS),
        html_file(ANSWERS),
        Answer(True),
        subject="filed",
        state="submitted",
    ),
    Operation(
        "file invalid",
        rest_file({**ANSWERS, **FAULTY}),
        html_file({**ANSWERS, **FAULTY}),
        Answer(False, frozenset(FAULTY_CODES)),
        subject=None,
    ),
    # Oldest first asked for: without sort_order, the API lists the oldest
    # first (as back offices always read it) and the staff page the newest.
    listed({"sort_order": "ascending"}, ("x1", "x2", "y1", "asked", "taken")),
    listed({"sort_on": "state"}, ("x1", "x2", "y1", "taken", "asked")),
    listed(
        {"sort_on": "due", "sort_order": "descending"},
        ("taken", "asked", "y1", "x2", "x1"),
    ),
    listed({"procedure": "<y>"}, ("y1",)),
    listed({"state": "received"}, ("taken",)),
    listed({"from": "2026-03-02", "to": "2026-03-31"}, ("x2",)),
    listed({"to": "2026-03-01"}, ("x1",)),
    listed({"reference": "<ref:x2>"}, ("x2",)),
    Operation(
        "list from=31/31/2026 (refused)",
        rest_list({"from": "31/31/2026"}),
        html_list({"from": "31/31/2026"}),
        Answer(False, frozenset({("from", "invalid_day")})),
        # The page lists without the faulty filter (by design, see above);
        # the API lists nothing.
        page_audit=[
            ("list", "siteadmin", ("taken", "asked", "y1", "x2", "x1"), {"query": {}})
        ],
    ),
    Operation(
        "change state allowed",
        rest_change("x1", "received"),
        html_change("x1", "received"),
        Answer(True),
        subject="x1",
        state="received",
        audit=[
            (
                "change_state",
                "backoffice_x",
                ("x1",),
                {"from": "submitted", "to": "received"},
            )
        ],
        page_audit=[
            (
                "change_state",
                "backoffice_x",
                ("x1",),
                {"from": "submitted", "to": "received"},
            ),
            *SHOWN_AGAIN,
        ],
    ),
    Operation(
        "change state not allowed",
        rest_change("x1", "closed"),
        html_change("x1", "closed"),
        Answer(False, frozenset({("", "transition_not_allowed")})),
        subject="x1",
        state="submitted",
        page_audit=SHOWN_AGAIN,
    ),
    Operation(
        "change state stale version",
        rest_change("x1", "received", stale=True),
        html_change("x1", "received", stale=True),
        Answer(False, frozenset({("", "stale_version")})),
        subject="x1",
        state="submitted",
        page_audit=SHOWN_AGAIN,
    ),
    Operation(
        "assign to a handler",
        rest_assign("x1", "backoffice_x"),
        html_assign("x1", "backoffice_x"),
        Answer(True),
        subject="x1",
        state="submitted",
        audit=[
            (
                "assign",
                "backoffice_x",
                ("x1",),
                {"from": None, "to": "backoffice_x"},
            )
        ],
        page_audit=[
            (
                "assign",
                "backoffice_x",
                ("x1",),
                {"from": None, "to": "backoffice_x"},
            ),
            *SHOWN_AGAIN,
        ],
    ),
    Operation(
        "assign to someone who does not handle the procedure",
        rest_assign("x1", "backoffice_y"),
        html_assign("x1", "backoffice_y"),
        Answer(False, frozenset({("assignee", "not_a_handler")})),
        subject="x1",
        state="submitted",
        page_audit=SHOWN_AGAIN,
    ),
    Operation(
        "change state refused to another procedure's office",
        rest_change("y1", "received"),
        html_change("y1", "received"),
        Answer(False, frozenset({("", "forbidden")})),
        subject="y1",
        state="submitted",
    ),
    Operation(
        "bulk change one of three refused",
        rest_bulk(("x1", "x2", "taken"), "received"),
        html_bulk(("x1", "x2", "taken"), "received"),
        Answer(True, rows=frozenset({("taken", "transition_not_allowed")})),
        subject="x2",
        state="received",
        audit=[
            (
                "change_state",
                "backoffice_x",
                (key,),
                {"from": "submitted", "to": "received"},
            )
            for key in ("x1", "x2")
        ],
        # The listing it leads back to is a read of its page, in the trail.
        page_audit=[
            (
                "change_state",
                "backoffice_x",
                (key,),
                {"from": "submitted", "to": "received"},
            )
            for key in ("x1", "x2")
        ]
        + [("list", "backoffice_x", ("taken", "asked", "x2", "x1"), {"query": {}})],
    ),
    Operation(
        "bulk assign one of three refused",
        rest_bulk(("x1", "x2", "y1"), None, assignee="backoffice_x"),
        html_bulk(("x1", "x2", "y1"), None, assignee="backoffice_x"),
        Answer(True, rows=frozenset({("y1", "forbidden")})),
        subject="y1",
        state="submitted",
        audit=[
            ("assign", "backoffice_x", (key,), {"from": None, "to": "backoffice_x"})
            for key in ("x1", "x2")
        ],
        page_audit=[
            ("assign", "backoffice_x", (key,), {"from": None, "to": "backoffice_x"})
            for key in ("x1", "x2")
        ]
        + [("list", "backoffice_x", ("taken", "asked", "x2", "x1"), {"query": {}})],
    ),
    Operation(
        "bulk change of another procedure's request refused",
        rest_bulk(("y1",), "received"),
        html_bulk(("y1",), "received"),
        Answer(True, rows=frozenset({("y1", "forbidden")})),
        subject="y1",
        state="submitted",
        page_audit=[
            ("list", "backoffice_x", ("taken", "asked", "x2", "x1"), {"query": {}})
        ],
    ),
    Operation(
        "answer when asked",
        rest_citizen("reply", "asked", body={"message": "Voici ma carte"}),
        html_citizen("reply", "asked", body={"message": "Voici ma carte"}),
        Answer(True),
        subject="asked",
        state="in_progress",
    ),
    Operation(
        "answer when nothing is asked",
        rest_citizen("reply", "x2", body={"message": "Voici ma carte"}),
        html_citizen("reply", "x2", body={"message": "Voici ma carte"}),
        Answer(False, frozenset({("", "transition_not_allowed")})),
        subject="x2",
        state="submitted",
    ),
    Operation(
        "answer empty",
        rest_citizen("reply", "asked", body={"message": "   "}),
        html_citizen("reply", "asked", body={"message": "   "}),
        Answer(False, frozenset({("message", "message_required")})),
        subject="asked",
        state="waiting_citizen",
    ),
    Operation(
        "answer someone else's request",
        rest_citizen("reply", "asked", who="citizen_b", body={"message": "Moi"}),
        html_citizen("reply", "asked", who="citizen_b", body={"message": "Moi"}),
        Answer(False, frozenset({("", "not_found")})),
        subject="asked",
        state="waiting_citizen",
    ),
    Operation(
        "withdraw while submitted",
        rest_citizen("withdraw", "x2"),
        html_citizen("withdraw", "x2", body=CONFIRMED),
        Answer(True),
        subject="x2",
        state="withdrawn",
    ),
    Operation(
        "withdraw with the tracking secret",
        rest_citizen("withdraw", "x1", who="Anonymous", secret=True),
        html_citizen("withdraw", "x1", who="Anonymous", secret=True, body=CONFIRMED),
        Answer(True),
        subject="x1",
        state="withdrawn",
    ),
    Operation(
        "withdraw once received",
        rest_citizen("withdraw", "taken"),
        html_citizen("withdraw", "taken", body=CONFIRMED),
        Answer(False, frozenset({("", "transition_not_allowed")})),
        subject="taken",
        state="received",
    ),
    Operation(
        "withdraw someone else's request",
        rest_citizen("withdraw", "x2", who="citizen_b"),
        html_citizen("withdraw", "x2", who="citizen_b", body=CONFIRMED),
        Answer(False, frozenset({("", "not_found")})),
        subject="x2",
        state="submitted",
    ),
    Operation(
        "message from the citizen while submitted",
        rest_citizen_message("x2", "Une question"),
        html_citizen_message("x2", "Une question"),
        Answer(True),
        subject="x2",
        state="submitted",
    ),
    Operation(
        "message from the citizen with the tracking secret",
        rest_citizen_message("x1", "Une question", who="Anonymous", secret=True),
        html_citizen_message("x1", "Une question", who="Anonymous", secret=True),
        Answer(True),
        subject="x1",
        state="submitted",
    ),
    Operation(
        "message from the citizen empty",
        rest_citizen_message("x2", "  "),
        html_citizen_message("x2", "  "),
        Answer(False, frozenset({("message", "message_required")})),
        subject="x2",
        state="submitted",
    ),
    Operation(
        "message to someone else's request",
        rest_citizen_message("x2", "Moi", who="citizen_b"),
        html_citizen_message("x2", "Moi", who="citizen_b"),
        Answer(False, frozenset({("", "not_found")})),
        subject="x2",
        state="submitted",
    ),
    Operation(
        "message from staff",
        rest_staff_message("x1", "Nous traitons votre demande."),
        html_staff_message("x1", "Nous traitons votre demande."),
        Answer(True),
        subject="x1",
        state="submitted",
        audit=[("message", "backoffice_x", ("x1",), {})],
        page_audit=[("message", "backoffice_x", ("x1",), {}), *SHOWN_AGAIN],
    ),
    Operation(
        "message from staff empty",
        rest_staff_message("x1", " "),
        html_staff_message("x1", " "),
        Answer(False, frozenset({("message", "message_required")})),
        subject="x1",
        state="submitted",
        page_audit=SHOWN_AGAIN,
    ),
    Operation(
        "export",
        rest_export({"format": "csv"}),
        html_export({"format": "csv"}),
        Answer(True, rows=("x1", "x2", "asked", "taken")),
        audit=[
            (
                "export",
                "backoffice_x",
                (),
                {"count": 4, "procedure": "<x>", "format": "csv"},
            )
        ],
    ),
    Operation(
        "export filtered",
        rest_export({"format": "csv", "state": "submitted", "from": "2026-03-02"}),
        html_export({"format": "csv", "state": "submitted", "from": "2026-03-02"}),
        Answer(True, rows=("x2",)),
        audit=[
            (
                "export",
                "backoffice_x",
                (),
                {
                    "count": 1,
                    "procedure": "<x>",
                    "format": "csv",
                    "state": "submitted",
                    "from": "2026-03-02",
                },
            )
        ],
    ),
    Operation(
        "export with a faulty filter",
        rest_export({"format": "csv", "from": "0001-01-01", "state": "lost"}),
        html_export({"format": "csv", "from": "0001-01-01", "state": "lost"}),
        Answer(False, frozenset({("from", "invalid_day"), ("state", "unknown_state")})),
    ),
]


@pytest.fixture
def env(site, session_for, browser_for):
    """Requests of X (x1 anonymous, x2 and the two others of citizen_a) and
    of Y (citizen_b); "asked" waits for citizen_a, "taken" was received."""
    x, y = site.demarches.x, site.demarches.y
    with api.env.adopt_roles(["Manager"]):
        made = {
            "x1": submit(
                x, VALID_DATA, submitter=None, now=datetime(2026, 3, 1, 10, tzinfo=UTC)
            ),
            "x2": submit(
                x,
                VALID_DATA,
                submitter="citizen_a",
                now=datetime(2026, 3, 5, 10, tzinfo=UTC),
            ),
            "y1": submit(y, DEFAULT_FORM_DATA, submitter="citizen_b"),
            "asked": submit(x, VALID_DATA, submitter="citizen_a"),
            "taken": submit(x, VALID_DATA, submitter="citizen_a"),
        }
        moves = {"asked": ("in_progress", "waiting_citizen"), "taken": ("received",)}
        for key, states in moves.items():
            submission = made[key]
            for state in states:
                update_state(
                    submission,
                    state,
                    seen_etag=etag(submission),
                    user_id="backoffice_x",
                    public_message="Une copie de votre carte ?",
                )
    transaction.commit()
    return Env(site, {k: s.id for k, s in made.items()}, session_for, browser_for)


def audit_records() -> list[dict]:
    transaction.begin()
    return list(iter_records())


def normalised(env: Env, record: dict) -> tuple:
    keys = {submission_id: key for key, submission_id in env.ids.items()}
    details = {k: v for k, v in record["details"].items() if k != "ui"}
    return (
        record["action"],
        record["actor"],
        tuple(keys[i] for i in record["submissions"]),
        details,
    )


def expected_audit(env: Env, records: list) -> list:
    """The table's records, their placeholders replaced."""
    result = []
    for action, actor, keys, written in records:
        details = dict(written)
        if "procedure" in details:  # "<x>": procedure X's UID
            details["procedure"] = env.uid(details["procedure"][1:-1])
        if "query" in details:
            query = listing_query(env, details["query"])
            result.append((action, actor, tuple(keys), {**details, "query": query}))
        else:
            result.append((action, actor, tuple(keys), details))
    return result


@pytest.mark.parametrize("channel", [REST, HTML])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_same_outcome_on_both_channels(env, operation, channel):
    before = len(audit_records())
    stored_before = len(get_store())
    answer = (operation.rest if channel == REST else operation.html)(env)

    assert answer == operation.answer
    transaction.begin()
    if operation.subject == "filed":
        submission = get_store().get(env.filed)
        assert submission.state == operation.state
        assert submission.submitter == "citizen_a"
        assert {k: submission.data.get(k) for k in ANSWERS} == ANSWERS
    elif operation.subject is None:
        assert env.filed is None
        assert len(get_store()) == stored_before
    else:
        assert env.submission(operation.subject).state == operation.state
    records = [normalised(env, r) for r in audit_records()[before:]]
    audit = operation.audit
    if channel == HTML and operation.page_audit is not None:
        audit = operation.page_audit
    assert records == expected_audit(env, audit)


def test_every_operation_of_the_brief_is_in_the_table():
    names = " / ".join(operation.name for operation in OPERATIONS)
    for needed in (
        "file valid",
        "file invalid",
        "procedure=",
        "state=",
        "from=",
        "to=",
        "reference=",
        "change state allowed",
        "change state not allowed",
        "bulk change one of three refused",
        "bulk assign one of three refused",
        "stale version",
        "assign to a handler",
        "does not handle",
        "sort_on=",
        "answer when asked",
        "withdraw while submitted",
        "withdraw once received",
        "message from the citizen",
        "message from staff",
        "export filtered",
        "export with a faulty filter",
    ):
        assert needed in names


def test_pages_name_the_core_codes(env):
    """The markup the parity reads: the export's refusal lists each field."""
    browser = env.browser_for("backoffice_x")
    browser.raiseHttpErrors = False
    browser.open(
        f"{env.site.demarches.x.absolute_url()}/@@guichet-export?from=0001-01-01"
    )
    assert browser.headers["status"].startswith("400")
    assert page_errors(browser.contents) == {("from", "invalid_day")}
