"""A procedure as a schema.org ``GovernmentService``, embedded in its page
as JSON-LD so that search engines can show it as a public service."""

from imio.guichet.catalogue.facts import CatalogueFacts
from imio.guichet.catalogue.facts import ServiceFacts

import json


def government_service(facts: CatalogueFacts, service: ServiceFacts) -> dict:
    authority = facts.authority
    provider = {
        "@type": "GovernmentOrganization",
        "name": authority.official_name or facts.site_url,
        "url": authority.website or facts.site_url,
    }
    if authority.address_lines:
        provider["address"] = {
            "@type": "PostalAddress",
            "streetAddress": authority.street,
            "postalCode": authority.postal_code,
            "addressLocality": authority.locality,
            "addressCountry": "BE",
        }
    node = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "@id": service.url,
        "name": service.title,
        "url": service.url,
        "inLanguage": service.language,
        "provider": provider,
    }
    if service.form_url:
        node["availableChannel"] = {
            "@type": "ServiceChannel",
            "serviceUrl": service.form_url,
            "availableLanguage": list(service.languages),
        }
    if service.description:
        node["description"] = service.description
    if authority.locality:
        node["areaServed"] = {
            "@type": "AdministrativeArea",
            "name": authority.locality,
        }
    if service.fee is not None:
        node["offers"] = {
            "@type": "Offer",
            "price": format(service.fee, "f"),
            "priceCurrency": "EUR",
        }
    return node


def script_text(document: dict) -> str:
    """``document`` as the text of a ``<script type="application/ld+json">``
    element: ``<``, ``>`` and ``&`` escaped as JSON escapes, so that no
    text a webmaster wrote (``</script>``) can end the element."""
    return (
        json.dumps(document, ensure_ascii=False, sort_keys=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
