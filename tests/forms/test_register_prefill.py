"""Once only, with real processes: a citizen identified through the demo
identity provider (oidc-provider-mock, its own process on loopback) finds
the demo birth-certificate form prefilled from the demo population register
(its own process on loopback too), cannot change what the register said
(HTML nor REST), and the staff see where each value came from; with the
register down, the form still works and the staff see what could not be
verified."""

from contextlib import ExitStack
from imio.guichet.demo import ensure_content
from imio.guichet.demo import ensure_identity_provider
from imio.guichet.demo import ensure_prefill_source
from imio.guichet.demo.register import SOURCE_TITLE
from imio.guichet.testing_instance import identity_provider
from imio.guichet.testing_instance import population_register
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import html
import pytest
import re
import requests
import transaction


LUC = {"sub": "demo-luc-dupont", "nrn": "85031412302"}
BIRTH = "demarches/extrait-acte-de-naissance"
OCCUPATION = "demarches/occupation-domaine-public"
STAFF = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
JSON = {"Accept": "application/json"}
#: What a citizen could try to send instead of what the register says.
TAMPERED = {
    "last_name": "Quelqu'un",
    "first_name": "D'autre",
    "birth_date": "2000-01-01",
    "birth_place": "Ailleurs",
    "purpose": "other",
    "delivery": "post",
    "email": "luc@example.org",
}


@pytest.fixture
def services():
    """The demo identity provider and population register, real processes;
    ``stop_register()`` stops the register."""
    with ExitStack() as stack:
        issuer = stack.enter_context(identity_provider())
        register_stack = stack.enter_context(ExitStack())
        register = register_stack.enter_context(population_register())
        yield {
            "issuer": issuer,
            "register": register,
            "stop_register": register_stack.close,
        }


@pytest.fixture
def demo(site, services):
    """The test site configured as ``make start`` configures the demo's:
    its identity provider, its register, the demo procedures."""
    with api.env.adopt_roles(["Manager"]):
        ensure_identity_provider(site, services["issuer"])
        ensure_prefill_source(site, services["register"])
        ensure_content(site)
    transaction.commit()
    return {**services, "url": site.absolute_url()}


def verified_session(site_url: str, person: dict) -> requests.Session:
    """Logged in through the provider, as a browser would."""
    session = requests.Session()
    start = session.get(
        f"{site_url}/@@guichet-identify",
        params={"came_from": site_url},
        allow_redirects=False,
        timeout=60,
    )
    assert start.status_code == 302, start.text
    chosen = session.post(
        start.headers["Location"],
        data={"sub": person["sub"]},
        allow_redirects=False,
        timeout=60,
    )
    back = session.get(chosen.headers["Location"], allow_redirects=False, timeout=60)
    assert back.status_code == 302 and "guichet_identity" in session.cookies
    return session


def inputs(page: str) -> dict[str, str]:
    """name -> the whole <input> tag, for the form's inputs."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        if name:
            found[html.unescape(name[1])] = tag
    return found


def value_of(tag: str) -> str:
    value = re.search(r'value="([^"]*)"', tag)
    return html.unescape(value[1]) if value else ""


def form_post(page: str, answers: dict) -> dict:
    """What the browser sends: the page's tokens and ``answers``."""
    fields = {
        name: value_of(tag)
        for name, tag in inputs(page).items()
        if name in ("_authenticator", "guichet.token")
    }
    for name, value in answers.items():
        if name in ("purpose", "delivery"):
            fields[f"form.widgets.{name}:list"] = value
            fields[f"form.widgets.{name}-empty-marker"] = "1"
        else:
            fields[f"form.widgets.{name}"] = value
    return {**fields, "form.buttons.send": "Envoyer"}


def latest(site_url: str) -> dict:
    listing = requests.get(
        f"{site_url}/@submissions", auth=STAFF, headers=JSON, timeout=60
    ).json()
    return requests.get(
        listing["items"][0]["@id"], auth=STAFF, headers=JSON, timeout=60
    ).json()


def staff_page(site_url: str, submission_id: str) -> str:
    return requests.get(
        f"{site_url}/@@guichet-request",
        params={"id": submission_id},
        auth=STAFF,
        timeout=60,
    ).text


def test_prefilled_once_only_and_the_source_shown(demo):
    session = verified_session(demo["url"], LUC)
    form_url = f"{demo['url']}/{BIRTH}/@@submit"
    page = session.get(form_url, timeout=60).text
    fields = inputs(page)
    # Prefilled from the register, read-only, and saying where from.
    for name, expected in (
        ("last_name", "Dupont"),
        ("first_name", "Luc"),
        ("birth_date", "1985-03-14"),
        ("birth_place", "Namur"),
        ("national_number", "85.03.14-123.02"),
    ):
        tag = fields[f"form.widgets.{name}"]
        assert value_of(tag) in (expected, expected.replace(".", "").replace("-", ""))
        assert "readonly" in tag, name
    assert SOURCE_TITLE in html.unescape(page)
    assert page.count('class="form-text guichet-source"') == 6
    # Screen readers hear where the value comes from with the field.
    assert "form-widgets-last_name-source" in fields["form.widgets.last_name"]
    assert 'id="form-widgets-last_name-source"' in page
    # The delivery address: prefilled, and the citizen may correct it.
    street = fields["form.widgets.postal_address.street"]
    assert value_of(street) == "Rue de la Gare" and "readonly" not in street
    # What the citizen sends for the register's fields does not count.
    sent = session.post(
        form_url,
        data=form_post(
            page,
            {
                **TAMPERED,
                "postal_address.street": "Rue Neuve",
                "postal_address.number": "3",
                "postal_address.postal_code": "5000",
                "postal_address.locality": "Namur",
            },
        ),
        allow_redirects=False,
        timeout=60,
    )
    assert sent.status_code == 302, sent.text
    filed = latest(demo["url"])
    data = filed["data"]
    assert (data["last_name"], data["first_name"]) == ("Dupont", "Luc")
    assert (data["birth_date"], data["birth_place"]) == ("1985-03-14", "Namur")
    assert data["national_number"] == LUC["nrn"]
    assert data["postal_address"]["street"] == "Rue Neuve"
    sources = filed["sources"]
    assert sources["last_name"] == {
        "source": "rest",
        "title": SOURCE_TITLE,
        "status": "verified",
    }
    assert sources["national_number"]["source"] == "identity"
    assert sources["national_number"]["status"] == "verified"
    assert sources["postal_address"]["status"] == "corrected"
    assert sources["postal_address"]["source_value"]["street"] == "Rue de la Gare"
    assert "purpose" not in sources  # typed, no source asked
    # The staff see it on the request's page.
    desk = html.unescape(staff_page(demo["url"], filed["id"]))
    assert desk.count('data-source-status="verified"') == 5
    assert desk.count('data-source-status="corrected"') == 1
    assert f"Provided by: {SOURCE_TITLE}" in desk
    assert "Rue de la Gare 12, 5000 Namur" in desk


def test_rest_cannot_override_the_register(demo):
    session = verified_session(demo["url"], LUC)
    filed = session.post(
        f"{demo['url']}/{BIRTH}/@submissions",
        json={"data": TAMPERED},
        headers=JSON,
        timeout=60,
    )
    assert filed.status_code == 201, filed.text
    stored = latest(demo["url"])
    assert stored["data"]["last_name"] == "Dupont"
    assert stored["data"]["birth_date"] == "1985-03-14"
    assert stored["sources"]["birth_date"]["status"] == "verified"


def test_correcting_allowed_by_the_procedure(demo):
    session = verified_session(demo["url"], LUC)
    page = session.get(f"{demo['url']}/{OCCUPATION}/@@submit", timeout=60).text
    name = inputs(page)["form.widgets.name"]
    assert value_of(name) == "Luc Dupont" and "readonly" not in name
    assert SOURCE_TITLE in html.unescape(page)


def test_the_register_down_the_form_works_not_verified(demo):
    demo["stop_register"]()
    session = verified_session(demo["url"], LUC)
    form_url = f"{demo['url']}/{BIRTH}/@@submit"
    page = session.get(form_url, timeout=60).text
    fields = inputs(page)
    last_name = fields["form.widgets.last_name"]
    assert value_of(last_name) == "" and "readonly" not in last_name
    # The identity provider's value still is there.
    assert "readonly" in fields["form.widgets.national_number"]
    sent = session.post(
        form_url, data=form_post(page, TAMPERED), allow_redirects=False, timeout=60
    )
    assert sent.status_code == 302, sent.text
    filed = latest(demo["url"])
    assert filed["data"]["last_name"] == "Quelqu'un"
    assert filed["sources"]["last_name"] == {
        "source": "rest",
        "title": SOURCE_TITLE,
        "status": "unverified",
        "reason": "unavailable",
    }
    assert filed["sources"]["national_number"]["status"] == "verified"
    desk = html.unescape(staff_page(demo["url"], filed["id"]))
    assert desk.count('data-source-status="unverified"') == 4
    assert "not verified: the source did not answer" in desk


def test_a_draft_does_not_bring_back_what_the_register_contradicts(demo):
    session = verified_session(demo["url"], LUC)
    form_url = f"{demo['url']}/{BIRTH}/@@submit"
    page = session.get(form_url, timeout=60).text
    answers = form_post(page, TAMPERED)
    del answers["form.buttons.send"]
    saved = session.post(
        form_url,
        data={**answers, "form.buttons.save_draft": "x"},
        allow_redirects=False,
        timeout=60,
    )
    assert saved.status_code == 302, saved.text
    # The draft's link reopens the form with its answers.
    resume = saved.headers["Location"].replace("@@draft-saved", "@@resume-draft")
    reopened = session.get(resume, timeout=60)
    assert "draft=" in reopened.url
    resumed = inputs(reopened.text)
    last_name = resumed["form.widgets.last_name"]
    assert value_of(last_name) == "Dupont" and "readonly" in last_name
    # What has no source comes back from the draft.
    assert value_of(resumed["form.widgets.email"]) == "luc@example.org"
