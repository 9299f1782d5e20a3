"""The public service catalogue (issue #16): each published procedure in
CPSV-AP 3.2.0 as JSON-LD, validated by a real SHACL validator (pyshacl)
against shapes written from the specification, and in schema.org on its
page."""

from decimal import Decimal
from imio.guichet.authority import get_authority
from imio.guichet.authority import IAuthority
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.urls import PUBLIC_URL_RECORD
from pathlib import Path
from plone import api
from plone.app.textfield.value import RichTextValue
from pyshacl import validate
from rdflib import Graph
from rdflib import Literal
from rdflib import Namespace
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import RDF
from rdflib.namespace import SKOS
from rdflib.namespace import XSD

import json
import pytest
import re
import transaction


SHAPES = Path(__file__).parents[1] / "fixtures" / "shapes" / "cpsv-ap-3.2.0.ttl"
CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
SH = Namespace("http://www.w3.org/ns/shacl#")
PUBLIC = "https://www.namur.example/plone"
NAMUR = {
    "official_name": "Ville de Namur",
    "nis_code": "92094",
    "street": "Hôtel de Ville",
    "postal_code": "5000",
    "locality": "Namur",
    "website": "https://www.namur.be",
    "email": "info@namur.example",
    "telephone": "+32 81 24 60 11",
}
LD_JSON = {"Accept": "application/ld+json"}


def rich(html: str) -> RichTextValue:
    return RichTextValue(html, "text/html", "text/x-html-safe")


def set_authority(values: dict) -> None:
    for name, value in values.items():
        api.portal.set_registry_record(name, value, interface=IAuthority)


@pytest.fixture
def catalogue(site):
    """Namur's site: the public URL and the authority set, procedure X
    described in full (fee, documents, who may apply, legal basis), Y with
    a title only, and Z private."""
    api.portal.set_registry_record(PUBLIC_URL_RECORD, PUBLIC)
    # A Walloon site: French first, German second.
    api.portal.set_registry_record("plone.default_language", "fr")
    api.portal.set_registry_record("plone.available_languages", ["fr", "de"])
    set_authority(NAMUR)
    x = site.demarches.x
    x.description = "Un extrait de votre acte de naissance, par e-mail ou par la poste."
    x.fee = Decimal("5.00")
    x.cost = rich("<p>5 € par extrait, <b>gratuit</b> pour les moins de 18 ans.</p>")
    x.required_documents = rich("<p>Aucun : nous trouvons l'acte.</p>")
    x.eligibility = rich("<p>La personne concernée ou ses parents.</p>")
    x.legal_basis = rich("<p>Code civil, article 44.</p>")
    x.opening_hours = rich("<p>Du lundi au vendredi, de 9 h à 12 h.</p>")
    IOnlineForm(x).processing_days = 10  # working days, the default kind
    x.reindexObject()
    with api.env.adopt_roles(["Manager"]):
        api.content.create(
            site.demarches, "imio.guichet.Procedure", id="z", title="Brouillon"
        )
    transaction.commit()
    return site


def as_graph(response) -> Graph:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/ld+json")
    return Graph().parse(data=response.text, format="json-ld")


def shacl(graph: Graph) -> tuple[bool, Graph]:
    conforms, report, _text = validate(
        graph, shacl_graph=Graph().parse(SHAPES), allow_warnings=False
    )
    return conforms, report


def results(report: Graph, severity) -> list:
    return sorted(
        str(report.value(result, SH.resultPath))
        for result in report.subjects(SH.resultSeverity, severity)
    )


class TestProcedure:
    def test_conforms_with_no_warning(self, catalogue, request_factory):
        session = request_factory()
        graph = as_graph(session.get("demarches/x/@cpsv-ap", headers=LD_JSON))
        conforms, report = shacl(graph)
        assert results(report, SH.Violation) == []
        assert results(report, SH.Warning) == []
        assert conforms

    def test_says_what_the_procedure_says(self, catalogue, request_factory):
        graph = as_graph(request_factory().get("demarches/x/@cpsv-ap", headers=LD_JSON))
        service = URIRef(f"{PUBLIC}/demarches/x")
        assert (service, RDF.type, CPSV.PublicService) in graph
        assert graph.value(service, DCTERMS.identifier) == Literal(
            api.content.get_uuid(catalogue.demarches.x)
        )
        assert graph.value(service, DCTERMS.title) == Literal("Extrait", lang="fr")
        authority = graph.value(service, CV.hasCompetentAuthority)
        assert graph.value(authority, SKOS.prefLabel) == Literal(
            "Ville de Namur", lang="fr"
        )
        assert graph.value(authority, DCTERMS.spatial) == URIRef(
            "http://vocab.belgif.be/auth/refnis2019/92094#id"
        )
        cost = graph.value(service, CV.hasCost)
        assert graph.value(cost, CV.hasValue).toPython() == 5.0
        assert graph.value(cost, CV.hasValue).datatype == XSD.double
        assert graph.value(cost, CV.currency) == URIRef(
            "http://publications.europa.eu/resource/authority/currency/EUR"
        )
        # Rich texts as plain text, markup gone.
        assert "gratuit pour les moins de 18 ans" in str(
            graph.value(cost, DCTERMS.description)
        )
        # The online channel is the form, at the site's public address.
        assert graph.value(service, CV.hasChannel) == URIRef(
            f"{PUBLIC}/demarches/x/@@submit"
        )
        assert set(graph.objects(service, DCTERMS.language)) == {
            URIRef("http://publications.europa.eu/resource/authority/language/FRA"),
            URIRef("http://publications.europa.eu/resource/authority/language/DEU"),
        }
        documents = graph.value(service, CPSV.hasInput)
        assert "nous trouvons l'acte" in str(
            graph.value(documents, DCTERMS.description)
        )
        assert graph.value(service, CV.hasLegalResource) is not None
        # Ten working days: two weeks.
        assert graph.value(service, CV.processingTime) == Literal(
            "P14D", datatype=XSD.duration
        )
        assert graph.value(service, CV.holdsRequirement) is not None
        contact = graph.value(service, CV.contactPoint)
        assert graph.value(contact, CV.openingHours) == Literal(
            "Du lundi au vendredi, de 9 h à 12 h.", lang="fr"
        )

    def test_a_title_is_enough(self, catalogue, request_factory):
        """A procedure with nothing but its title still conforms: the
        description falls back to the title, nothing optional is empty."""
        graph = as_graph(request_factory().get("demarches/y/@cpsv-ap", headers=LD_JSON))
        conforms, report = shacl(graph)
        assert results(report, SH.Violation) == []
        assert conforms
        service = URIRef(f"{PUBLIC}/demarches/y")
        assert graph.value(service, DCTERMS.description) == Literal(
            "Occupation", lang="fr"
        )
        assert graph.value(service, CV.hasCost) is None

    def test_without_a_territory_the_validator_refuses(
        self, catalogue, request_factory
    ):
        """The shapes do check: no NIS code, no dct:spatial, a violation."""
        set_authority({"nis_code": ""})
        transaction.commit()
        graph = as_graph(request_factory().get("demarches/x/@cpsv-ap", headers=LD_JSON))
        conforms, report = shacl(graph)
        assert not conforms
        assert results(report, SH.Violation) == [str(DCTERMS.spatial)]

    def test_plain_json_is_accepted_too(self, catalogue, request_factory):
        response = request_factory().get("demarches/x/@cpsv-ap")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/ld+json")

    def test_a_private_procedure_is_not_described(self, catalogue, request_factory):
        response = request_factory().get("demarches/z/@cpsv-ap", headers=LD_JSON)
        # plone.restapi refuses it while traversing, before the service.
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith("application/json")

    def test_only_get(self, catalogue, request_factory):
        response = request_factory(role="Manager").post("demarches/x/@cpsv-ap", json={})
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET"


class TestSite:
    def test_lists_the_published_procedures(self, catalogue, request_factory):
        # Even for a Manager, who could see Z: the catalogue is what is public.
        graph = as_graph(
            request_factory(role="Manager").get("@cpsv-ap", headers=LD_JSON)
        )
        services = set(graph.subjects(RDF.type, CPSV.PublicService))
        assert services == {
            URIRef(f"{PUBLIC}/demarches/x"),
            URIRef(f"{PUBLIC}/demarches/y"),
        }
        # One authority, shared.
        assert len(set(graph.subjects(RDF.type, CV.PublicOrganisation))) == 1
        conforms, report = shacl(graph)
        assert results(report, SH.Violation) == []
        assert conforms

    def test_an_empty_site_is_an_empty_catalogue(self, catalogue, request_factory):
        with api.env.adopt_roles(["Manager"]):
            for item in ("x", "y"):
                api.content.transition(catalogue.demarches[item], "retract")
        transaction.commit()
        graph = as_graph(request_factory().get("@cpsv-ap", headers=LD_JSON))
        assert set(graph.subjects(RDF.type, CPSV.PublicService)) == set()


def structured_data(html: str) -> dict:
    [script] = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL
    )
    return json.loads(script)


class TestProcedurePage:
    def test_government_service(self, catalogue, browser_for):
        browser = browser_for("Anonymous")
        browser.open(f"{catalogue.absolute_url()}/demarches/x")
        data = structured_data(browser.contents)
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "GovernmentService"
        assert data["name"] == "Extrait"
        assert data["url"] == f"{PUBLIC}/demarches/x"
        assert data["provider"]["name"] == "Ville de Namur"
        assert data["areaServed"]["name"] == "Namur"
        assert (
            data["availableChannel"]["serviceUrl"] == f"{PUBLIC}/demarches/x/@@submit"
        )
        assert data["offers"] == {
            "@type": "Offer",
            "price": "5.00",
            "priceCurrency": "EUR",
        }
        # The fee, as people write it in French.
        assert "5,00\xa0€" in browser.contents

    def test_a_title_cannot_end_the_script(self, catalogue, browser_for):
        catalogue.demarches.x.title = 'Extrait </script><script>alert("x")</script>'
        transaction.commit()
        browser = browser_for("Anonymous")
        browser.open(f"{catalogue.absolute_url()}/demarches/x")
        assert '<script>alert("x")' not in browser.contents
        assert structured_data(browser.contents)["name"].startswith("Extrait </script>")


class TestAuthoritySettings:
    def test_site_administrator_sets_the_authority(self, site, browser_for):
        browser = browser_for("siteadmin")
        browser.open(f"{site.absolute_url()}/@@guichet-authority")
        browser.getControl(name="form.widgets.official_name").value = "CPAS de Liège"
        browser.getControl(name="form.widgets.nis_code").value = "62063"
        browser.getControl(name="form.widgets.postal_code").value = "4000"
        browser.getControl(name="form.buttons.save").click()
        transaction.begin()
        authority = get_authority()
        assert authority.official_name == "CPAS de Liège"
        assert authority.territory == "http://vocab.belgif.be/auth/refnis2019/62063#id"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("nis_code", "9209"),
            ("nis_code", "92O94"),
            ("postal_code", "0500"),
            ("website", "javascript:alert(1)"),
            ("email", "not an address"),
        ],
    )
    def test_refuses_what_is_not(self, site, browser_for, field, value):
        browser = browser_for("siteadmin")
        browser.open(f"{site.absolute_url()}/@@guichet-authority")
        browser.getControl(name=f"form.widgets.{field}").value = value
        browser.getControl(name="form.buttons.save").click()
        assert f'id="formfield-form-widgets-{field}"' in browser.contents
        error = re.search(
            rf'id="formfield-form-widgets-{field}"[^>]*class="[^"]*error',
            browser.contents,
        ) or re.search(
            rf'class="[^"]*error[^"]*"[^>]*id="formfield-form-widgets-{field}"',
            browser.contents,
        )
        assert error, f"no error next to {field}"
        transaction.begin()
        assert getattr(get_authority(), field) == ""


def test_a_closed_form_is_no_channel(catalogue, request_factory, browser_for):
    """While the online form is closed, neither the catalogue nor search
    engines are pointed to it."""
    IOnlineForm(catalogue.demarches.x).submissions_open = False
    transaction.commit()
    graph = as_graph(request_factory().get("demarches/x/@cpsv-ap", headers=LD_JSON))
    service = URIRef(f"{PUBLIC}/demarches/x")
    assert graph.value(service, CV.hasChannel) is None
    assert set(graph.subjects(RDF.type, CV.Channel)) == set()
    browser = browser_for("Anonymous")
    browser.open(f"{catalogue.absolute_url()}/demarches/x")
    assert "availableChannel" not in structured_data(browser.contents)
