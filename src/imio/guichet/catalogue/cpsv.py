"""Procedures as CPSV-AP 3.2.0 public services, in JSON-LD.

The Core Public Service Vocabulary Application Profile (SEMIC, European
Commission) is what service catalogues and the Single Digital Gateway
harvest. Each procedure is one ``cpsv:PublicService`` whose URI is the
procedure's public address; the authority of the control panel is its
competent ``cv:PublicOrganisation``. The mapping is in docs/catalogue.md.

The documents carry their own context (prefixes only, no remote context to
fetch), so any JSON-LD processor reads them offline.
"""

from imio.guichet import _
from imio.guichet.catalogue.facts import CatalogueFacts
from imio.guichet.catalogue.facts import ServiceFacts
from imio.guichet.i18n import translate_for


#: The version of the application profile the documents follow.
PROFILE_VERSION = "3.2.0"
MEDIA_TYPE = "application/ld+json"

CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: The EU Publications Office's authority tables (the code lists that
#: CPSV-AP recommends for languages and currencies).
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_CURRENCY = "http://publications.europa.eu/resource/authority/currency/EUR"
#: ISO 639-1 (Plone's language codes) to the EU table's ISO 639-3 codes,
#: for the languages of Belgium and English.
LANGUAGE_CODES = {"fr": "FRA", "nl": "NLD", "de": "DEU", "en": "ENG"}

DOCUMENTS_TITLE = _("cpsv_documents_title", default="Documents to provide")
ELIGIBILITY_TITLE = _("cpsv_eligibility_title", default="Who may apply")


def text(value: str, language: str) -> dict:
    return {"@value": value, "@language": language}


def authority_id(facts: CatalogueFacts) -> str:
    return f"{facts.site_url}#authority"


def public_organisation(facts: CatalogueFacts, language: str) -> dict:
    """The competent authority (mandatory: a label and a territory)."""
    authority = facts.authority
    node = {
        "@id": authority_id(facts),
        "@type": "cv:PublicOrganisation",
        "skos:prefLabel": text(authority.official_name or facts.site_url, language),
    }
    if authority.territory:
        node["dct:spatial"] = {"@id": authority.territory, "@type": "dct:Location"}
    if authority.website:
        node["foaf:homepage"] = {"@id": authority.website}
    if authority.address_lines:
        address = {"@type": "locn:Address"}
        if authority.street:
            address["locn:thoroughfare"] = text(authority.street, language)
        if authority.postal_code:
            address["locn:postCode"] = authority.postal_code
        if authority.locality:
            address["locn:postName"] = text(authority.locality, language)
        node["locn:address"] = address
    return node


def contact_point(facts: CatalogueFacts, service: ServiceFacts) -> dict | None:
    authority = facts.authority
    node = {"@id": f"{service.url}#contact", "@type": "cv:ContactPoint"}
    if authority.email:
        node["cv:email"] = authority.email
    if authority.telephone:
        node["cv:telephone"] = authority.telephone
    if service.contact:
        node["dct:description"] = text(service.contact, service.language)
    if service.opening_hours:
        node["cv:openingHours"] = text(service.opening_hours, service.language)
    return node if len(node) > 2 else None


def cost(service: ServiceFacts) -> dict | None:
    if service.fee is None and not service.cost_text:
        return None
    node = {
        "@id": f"{service.url}#cost",
        "@type": "cv:Cost",
        "dct:identifier": f"{service.identifier}-cost",
    }
    if service.fee is not None:
        node["cv:hasValue"] = {
            "@value": format(service.fee, "f"),
            "@type": "xsd:double",
        }
        node["cv:currency"] = {"@id": EU_CURRENCY, "@type": "skos:Concept"}
    if service.cost_text:
        node["dct:description"] = text(service.cost_text, service.language)
    return node


def public_service(facts: CatalogueFacts, service: ServiceFacts) -> list[dict]:
    """The service and the nodes that belong to it alone (channel, cost,
    contact point, evidence, requirement, legal resource)."""
    language = service.language
    node = {
        "@id": service.url,
        "@type": "cpsv:PublicService",
        "dct:identifier": service.identifier,
        "dct:title": text(service.title, language),
        "dct:description": text(
            service.description or service.eligibility or service.title, language
        ),
        "cv:hasCompetentAuthority": {"@id": authority_id(facts)},
        "dct:modified": {"@value": service.modified, "@type": "xsd:dateTime"},
        "dct:language": [
            {"@id": EU_LANGUAGE + LANGUAGE_CODES[code], "@type": "dct:LinguisticSystem"}
            for code in service.languages
            if code in LANGUAGE_CODES
        ],
    }
    related = []
    if service.processing_days is not None:
        node["cv:processingTime"] = {
            "@value": f"P{service.processing_days}D",
            "@type": "xsd:duration",
        }
    if service.form_url:
        # The online channel is identified by the form's address: CPSV-AP's
        # Channel has no property for a URL. None while the form is closed.
        channel = {
            "@id": service.form_url,
            "@type": "cv:Channel",
            "dct:identifier": f"{service.identifier}-online",
            "dct:description": text(service.title, language),
        }
        if "cv:processingTime" in node:
            channel["cv:processingTime"] = node["cv:processingTime"]
        node["cv:hasChannel"] = {"@id": channel["@id"]}
        related.append(channel)
    for name, part in (
        ("cv:hasCost", cost(service)),
        ("cv:contactPoint", contact_point(facts, service)),
    ):
        if part is not None:
            node[name] = {"@id": part["@id"]}
            related.append(part)
    if service.required_documents:
        evidence = {
            "@id": f"{service.url}#documents",
            "@type": "cv:Evidence",
            "dct:identifier": f"{service.identifier}-documents",
            "dct:title": text(translate_for(DOCUMENTS_TITLE, language), language),
            "dct:description": text(service.required_documents, language),
        }
        node["cpsv:hasInput"] = {"@id": evidence["@id"]}
        related.append(evidence)
    if service.eligibility:
        requirement = {
            "@id": f"{service.url}#eligibility",
            "@type": "cv:Requirement",
            "dct:identifier": f"{service.identifier}-eligibility",
            "dct:title": text(translate_for(ELIGIBILITY_TITLE, language), language),
            "dct:description": text(service.eligibility, language),
        }
        node["cv:holdsRequirement"] = {"@id": requirement["@id"]}
        related.append(requirement)
    if service.legal_basis:
        legal = {
            "@id": f"{service.url}#legal-basis",
            "@type": "eli:LegalResource",
            "dct:description": text(service.legal_basis, language),
        }
        node["cv:hasLegalResource"] = {"@id": legal["@id"]}
        related.append(legal)
    return [node, *related]


def catalogue_document(facts: CatalogueFacts) -> dict:
    """One JSON-LD document: the authority and every service of ``facts``."""
    graph = [public_organisation(facts, facts.language)]
    for service in facts.services:
        graph.extend(public_service(facts, service))
    return {"@context": CONTEXT, "@graph": graph}
