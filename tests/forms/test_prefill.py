"""Prefill from the citizen's profile and from a REST source on loopback;
authentic fields cannot be overridden."""

from fixtures.accounts import PASSWORD
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from imio.guichet.forms.model import check_form_schema
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.prefill.declarations import authentic_fields
from imio.guichet.prefill.declarations import prefill_specs
from imio.guichet.prefill.interfaces import IRestPrefillSettings
from imio.guichet.prefill.interfaces import SourceUnavailable
from imio.guichet.prefill.sources import RestSource
from imio.guichet.submissions.api import get_store
from plone import api
from plone.supermodel import loadString
from plone.supermodel import serializeSchema
from plone.testing.zope import Browser
from urllib.parse import urlencode

import json
import logging
import pytest
import re
import socket
import threading
import transaction


PREFILL_FORM = """\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:guichet="http://namespaces.imio.be/guichet">
  <schema>
    <field name="name" type="zope.schema.TextLine"
           guichet:prefill="profile:fullname">
      <title>Nom</title>
    </field>
    <field name="email" type="plone.schema.email.Email"
           guichet:prefill="profile:email">
      <title>E-mail</title>
    </field>
    <field name="street" type="zope.schema.TextLine"
           guichet:prefill="rest:street" guichet:authentic="true">
      <title>Rue</title>
      <required>False</required>
    </field>
    <field name="postal_code" type="zope.schema.TextLine"
           guichet:prefill="rest:postal_code" guichet:authentic="false">
      <title>Code postal</title>
      <required>False</required>
    </field>
  </schema>
</model>
"""

PERSON = {"person": {"address": {"street": "Rue Haute 1", "postal_code": 5000}}}
MAPPING = "person.address.street -> street\nperson.address.postal_code -> postal_code"


class Source(BaseHTTPRequestHandler):
    """The authentic source: answers as ``server.mode`` says."""

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("X-Api-Key")))
        if server.mode == "slow":
            server.release.wait(10)  # far beyond the client's timeout
        if server.mode == "trickle":
            # Each byte in time, the whole far beyond the client's timeout.
            self.send_response(200)
            self.end_headers()
            for byte in json.dumps(PERSON).encode():
                if server.release.wait(0.1):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            return
        if server.mode in ("error", "missing"):
            self.send_response(500 if server.mode == "error" else 404)
            self.end_headers()
            return
        body = b"<html>not json" if server.mode == "bad" else json.dumps(PERSON)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body if isinstance(body, bytes) else body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def source_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Source)
    server.daemon_threads = True
    server.mode = "ok"
    server.requests = []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def configure_source(server, **settings):
    values = {
        "enabled": True,
        "url_template": (
            f"http://127.0.0.1:{server.server_port}/persons/{{identifier}}"
        ),
        "headers": "X-Api-Key: s3cret",
        "timeout": 0.5,
        "mapping": MAPPING,
        **settings,
    }
    for name, value in values.items():
        api.portal.set_registry_record(name, value, interface=IRestPrefillSettings)


class TestDeclarations:
    def test_round_trip(self, portal):
        schema = loadString(PREFILL_FORM).schema
        assert prefill_specs(schema) == {
            "name": ("profile", "fullname"),
            "email": ("profile", "email"),
            "street": ("rest", "street"),
            "postal_code": ("rest", "postal_code"),
        }
        assert authentic_fields(schema) == {"street"}
        xml = serializeSchema(schema)
        assert 'guichet:prefill="rest:street"' in xml
        assert 'guichet:authentic="true"' in xml
        again = loadString(xml).schema
        assert prefill_specs(again) == prefill_specs(schema)
        assert authentic_fields(again) == {"street"}

    def test_accepted_when_the_keys_exist(self, portal):
        api.portal.set_registry_record(
            "mapping", MAPPING, interface=IRestPrefillSettings
        )
        check_form_schema(PREFILL_FORM)

    @pytest.mark.parametrize(
        "attributes, problem",
        [
            ('guichet:prefill="profile:shoe_size"', "no key 'shoe_size'"),
            ('guichet:prefill="oracle:email"', "unknown prefill source 'oracle'"),
            ('guichet:prefill="email"', "must be 'source:key'"),
            ('guichet:prefill="rest:street"', "no key 'street'"),  # not mapped
            ('guichet:authentic="true"', "needs guichet:prefill"),
            ('guichet:prefill="profile:email" guichet:authentic="yes"', "'true'"),
            ('guichet:prefil="profile:email"', "attribute(s) guichet:prefil"),
            (
                'xmlns:indexer="http://namespaces.plone.org/supermodel/indexer" '
                'indexer:searchable="true"',
                "{http://namespaces.plone.org/supermodel/indexer}searchable",
            ),
        ],
    )
    def test_refused(self, portal, attributes, problem):
        xml = f"""\
<model xmlns="http://namespaces.plone.org/supermodel/schema"
       xmlns:guichet="http://namespaces.imio.be/guichet">
  <schema>
    <field name="email" type="zope.schema.TextLine" {attributes}>
      <title>E-mail</title>
    </field>
  </schema>
</model>"""
        with pytest.raises(InvalidFormSchema) as refused:
            check_form_schema(xml)
        assert problem in str(refused.value)


class TestRestSource:
    def test_mapping(self, portal, source_server):
        configure_source(source_server)
        assert RestSource().values("citizen a/../x") == {
            "street": "Rue Haute 1",
            "postal_code": 5000,
        }
        # The identifier cannot leave its path segment; the headers are sent.
        assert source_server.requests == [("/persons/citizen%20a%2F..%2Fx", "s3cret")]

    def test_identifier_from_a_member_property(self, portal, source_server):
        configure_source(source_server, identifier_property="location")
        api.user.create(email="p@example.org", username="person", password=PASSWORD)
        api.user.get("person").setMemberProperties({"location": "85073100145"})
        assert RestSource().values("person")["street"] == "Rue Haute 1"
        assert source_server.requests[-1][0] == "/persons/85073100145"
        # Without the property, the source is not asked.
        api.user.get("person").setMemberProperties({"location": ""})
        assert RestSource().values("person") == {}
        assert len(source_server.requests) == 1

    def test_unreachable(self, portal, source_server, caplog):
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        configure_source(
            source_server, url_template=f"http://127.0.0.1:{port}/{{identifier}}"
        )
        with (
            caplog.at_level(logging.WARNING, logger="imio.guichet.prefill"),
            pytest.raises(SourceUnavailable, match="unreachable"),
        ):
            RestSource().values("citizen_a")
        assert "unreachable" in caplog.records[-1].getMessage()

    def test_no_record_of_the_person_is_no_failure(self, portal, source_server, caplog):
        configure_source(source_server)
        source_server.mode = "missing"
        with caplog.at_level(logging.WARNING, logger="imio.guichet.prefill"):
            assert RestSource().values("citizen_a") == {}
        assert caplog.records == []

    def test_a_flat_record_for_an_address_field(self, portal, source_server):
        configure_source(
            source_server, mapping="person.address -> address\nperson -> nested"
        )
        # A record of text and numbers is taken; one holding records is not.
        assert RestSource().values("citizen_a") == {
            "address": {"street": "Rue Haute 1", "postal_code": 5000}
        }

    def test_disabled(self, portal, source_server):
        configure_source(source_server, enabled=False)
        assert RestSource().values("citizen_a") == {}
        assert source_server.requests == []

    @pytest.mark.parametrize(
        "mode, reason",
        [
            ("slow", "too slow"),
            ("trickle", "too slow"),
            ("error", "HTTP 500"),
            ("bad", "JSON"),
        ],
    )
    def test_failures_are_unavailable_and_logged(
        self, portal, source_server, caplog, mode, reason
    ):
        configure_source(source_server)
        source_server.mode = mode
        with (
            caplog.at_level(logging.WARNING, logger="imio.guichet.prefill"),
            pytest.raises(SourceUnavailable, match=reason),
        ):
            RestSource().values("citizen_a")
        (record,) = [r for r in caplog.records if r.name.startswith("imio.guichet")]
        assert reason in record.getMessage()
        assert "citizen_a" in record.getMessage()


@pytest.fixture
def prefilled(site, source_server):
    """Procedure X with the prefill form; citizen_a has a full name."""
    configure_source(source_server)
    site.demarches.x.form_schema = PREFILL_FORM
    api.user.get("citizen_a").setMemberProperties({"fullname": "Anne Citoyenne"})
    transaction.commit()
    return site.demarches.x


def form_browser(site, who=None):
    browser = Browser(site.aq_parent)
    browser.handleErrors = False
    if who:
        browser.addHeader("Authorization", f"Basic {who}:{PASSWORD}")
    browser.open(site.demarches.x.absolute_url() + "/@@submit")
    return browser


def stored(reference):
    transaction.begin()
    return get_store().by_reference(reference).data


class TestHtmlForm:
    def test_prefilled_for_a_logged_in_citizen(self, site, prefilled):
        browser = form_browser(site, "citizen_a")
        assert browser.getControl("Nom").value == "Anne Citoyenne"
        assert browser.getControl("E-mail").value == "citizen_a@example.org"
        assert browser.getControl("Rue").value == "Rue Haute 1"
        assert browser.getControl("Code postal").value == "5000"
        html = browser.contents
        street = re.search(r"<input[^>]*form-widgets-street[^>]*>", html)
        assert "readonly" in street.group(0)
        postal = re.search(r"<input[^>]*form-widgets-postal_code[^>]*>", html)
        assert "readonly" not in postal.group(0)  # authentic="false": correctable

    def test_citizen_corrects_a_prefilled_field(self, site, prefilled):
        browser = form_browser(site, "citizen_a")
        browser.getControl("E-mail").value = "anne@example.org"
        browser.getControl(name="form.buttons.send").click()
        data = stored(browser.url.split("reference=")[1])
        assert data["email"] == "anne@example.org"
        assert data["street"] == "Rue Haute 1"

    def test_nothing_for_anonymous(self, site, prefilled, source_server):
        browser = form_browser(site)
        assert browser.getControl("Nom").value == ""
        assert browser.getControl("Rue").value == ""
        assert source_server.requests == []

    def test_form_works_when_the_source_is_down(self, site, prefilled, source_server):
        source_server.mode = "error"
        browser = form_browser(site, "citizen_a")
        assert browser.getControl("Rue").value == ""
        assert browser.getControl("Nom").value == "Anne Citoyenne"  # profile
        browser.getControl("Rue").value = "Rue Basse 2"
        browser.getControl(name="form.buttons.send").click()
        assert stored(browser.url.split("reference=")[1])["street"] == "Rue Basse 2"

    def test_authentic_field_cannot_be_overridden(self, site, prefilled):
        browser = form_browser(site, "citizen_a")
        token = browser.getControl(name="_authenticator").value
        browser.post(
            site.demarches.x.absolute_url() + "/@@submit",
            urlencode(
                {
                    "form.widgets.name": "Anne",
                    "form.widgets.email": "anne@example.org",
                    "form.widgets.street": "Rue Fausse 99",
                    "form.widgets.postal_code": "1000",
                    "form.buttons.send": "send",
                    "_authenticator": token,
                }
            ),
        )
        data = stored(browser.url.split("reference=")[1])
        assert data["street"] == "Rue Haute 1"
        assert data["postal_code"] == "1000"  # not authentic: as corrected


class TestRest:
    def test_authentic_field_cannot_be_overridden(self, site, prefilled, session_for):
        response = session_for("citizen_a").post(
            "demarches/x/@submissions",
            json={
                "data": {
                    "name": "Anne",
                    "email": "anne@example.org",
                    "street": "Rue Fausse 99",
                }
            },
        )
        assert response.status_code == 201, response.text
        data = stored(response.json()["reference"])
        assert data["street"] == "Rue Haute 1"
        assert "postal_code" not in data  # prefill is for the form only

    def test_anonymous_sends_what_it_knows(self, site, prefilled, session_for):
        response = session_for("Anonymous").post(
            "demarches/x/@submissions",
            json={"data": {"name": "A", "email": "a@example.org", "street": "Rue X"}},
        )
        assert stored(response.json()["reference"])["street"] == "Rue X"
