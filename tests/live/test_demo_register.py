"""`make demo` with the demonstration population register: on the live
instance (built by ``make demo``, its identity provider and register real
processes on loopback), a citizen identified through the provider finds the
demo forms prefilled from the register, without a browser."""

from imio.guichet.demo import PROCEDURES_PATH

import html
import re
import requests


def verified_session(site: str, sub: str) -> requests.Session:
    session = requests.Session()
    start = session.get(
        f"{site}/@@guichet-identify",
        params={"came_from": site},
        allow_redirects=False,
        timeout=60,
    )
    chosen = session.post(
        start.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=60
    )
    back = session.get(chosen.headers["Location"], allow_redirects=False, timeout=60)
    assert back.status_code == 302 and "guichet_identity" in session.cookies
    return session


def input_tag(page: str, name: str) -> str:
    (tag,) = re.findall(rf'<input\b[^>]*name="{re.escape(name)}"[^>]*>', page)
    return tag


def test_make_demo_points_at_the_register(live_instance):
    session = verified_session(live_instance.url, "demo-sophie-lambert")
    birth = session.get(
        f"{live_instance.url}/{PROCEDURES_PATH}/extrait-acte-de-naissance/@@submit",
        timeout=60,
    ).text
    last_name = input_tag(birth, "form.widgets.last_name")
    assert 'value="Lambert"' in last_name and "readonly" in last_name
    assert 'value="1992-07-04"' in input_tag(birth, "form.widgets.birth_date")
    assert "Registre national (démonstration)" in html.unescape(birth)
    occupation = session.get(
        f"{live_instance.url}/{PROCEDURES_PATH}/occupation-domaine-public/@@submit",
        timeout=60,
    ).text
    name = input_tag(occupation, "form.widgets.name")
    # The procedure lets citizens correct what the register said.
    assert 'value="Sophie Lambert"' in name and "readonly" not in name
    locality = input_tag(occupation, "form.widgets.applicant_address.locality")
    assert "Liège" in html.unescape(locality)
