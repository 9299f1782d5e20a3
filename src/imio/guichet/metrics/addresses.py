"""Which client addresses may read the metrics without logging in: the
addresses and networks of the Guichet control panel
(``metrics_allowed_networks``), for the Prometheus servers."""

from collections.abc import Iterable
from plone import api

import ipaddress


RECORD = "imio.guichet.interfaces.IGuichetSettings.metrics_allowed_networks"


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``10.0.0.5`` or ``10.0.0.0/24`` (IPv4 or IPv6); host bits set after
    the prefix are ignored. Raises ValueError for anything else."""
    return ipaddress.ip_network(value.strip(), strict=False)


def is_network(value: str) -> bool:
    try:
        parse_network(value)
    except ValueError:
        return False
    return True


def allowed_networks() -> tuple[str, ...]:
    return tuple(api.portal.get_registry_record(RECORD, default=None) or ())


def address_allowed(address: str | None, networks: Iterable[str]) -> bool:
    """Whether ``address`` (the client's, as Zope sees it behind its
    trusted proxies) is in one of ``networks``."""
    try:
        client = ipaddress.ip_address((address or "").strip())
    except ValueError:  # "unknown", or no address at all
        return False
    if client.version == 6 and client.ipv4_mapped is not None:
        client = client.ipv4_mapped  # ::ffff:10.0.0.5 is 10.0.0.5
    for value in networks:
        try:
            if client in parse_network(value):
                return True
        except ValueError:  # kept from before a check: never matches
            continue
    return False
