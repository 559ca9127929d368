"""The address of the client a request comes from, for rate limits and login lockouts.

Behind a proxy every request arrives from the proxy's address, so the client's is read from X-Forwarded-For, but
only when the request came from a proxy listed in FORWARDED_ALLOW_IPS (the variable gunicorn reads for the same
trust, see config/gunicorn.py). From anyone else the header is ignored: a client could write any address in it.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _trusted_networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    """The trusted proxies as networks; None when every peer is trusted ("*")."""
    if "*" in allowed:
        return None
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allowed if entry)


def _is_trusted(address: str) -> bool:
    networks = _trusted_networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if networks is None:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not _is_trusted(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    # Each proxy appends the address it received from, so the rightmost untrusted hop is the real client; anything
    # left of it was written by the client itself.
    for hop in reversed(hops):
        if not _is_trusted(hop):
            return hop
    return hops[0] if hops else peer


def client_ip_or_none(request: HttpRequest) -> str | None:
    """client_address as django-axes stores it: a valid IP address or None (its column is an IP field, and
    PostgreSQL refuses anything else; a test client's request may have no address at all)."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
