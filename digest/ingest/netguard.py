"""Address policy for fetching untrusted URLs: which schemes, ports and IP addresses we may reach.

The checks here are pure (no I/O); digest/fetch.py applies them to the URL before a request and to
every address DNS returns, right before connecting to that exact address.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "AddressRefused",
    "FetchPolicy",
    "METADATA_ADDRESSES",
    "address_problem",
    "literal_ip",
    "log_allowlist",
    "parse_allow",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_PORTS = frozenset({80, 443})

# Cloud metadata services: named on their own so the refusal says what they are.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack...
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("fd00:ec2::254"),  # AWS IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud
    }
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_BROADCAST = ipaddress.ip_address("255.255.255.255")
# What inet_aton accepts: dotted parts in decimal, octal (leading 0) or hex (0x), 1 to 4 parts.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)

_ALLOW_HINT = "unless the host is listed in POLICYBRIEF_FETCH_ALLOW"


class AddressRefused(Exception):
    """The URL or the address it leads to is not one we fetch; `reason` is for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def literal_ip(host: str) -> IPAddress | None:
    """The IP address a host spelling stands for, or None for a name.

    Accepts every spelling a resolver would (2130706433, 0177.0.0.1, 0x7f000001, 127.1,
    [::ffff:127.0.0.1]) so none of them slips past as a "name".
    """
    h = host.strip().strip("[]").rstrip(".") if host else ""
    if not h:
        return None
    if "%" in h:  # IPv6 zone id (fe80::1%eth0): the address part decides
        h = h.split("%", 1)[0]
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(h):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4, NAT64 or Teredo IPv6 address."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    for net in _NAT64:
        if addr in net:
            return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def address_problem(addr: IPAddress) -> str | None:
    """Why `addr` may not be fetched (plain words), or None when it is a public address."""
    if addr in METADATA_ADDRESSES:
        return f"{_show(addr)} is a cloud metadata service"
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_v4(addr)
        if inner is not None:
            problem = address_problem(inner)
            if problem:
                return f"{_show(addr)} wraps {inner}, and {problem}"
    kind = _kind(addr)
    if kind:
        return f"{_show(addr)} is {kind}"
    return None


def _show(addr: IPAddress) -> str:
    """IPv4-mapped addresses read better in their dotted form."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return f"::ffff:{addr.ipv4_mapped}"
    return str(addr)


def _kind(addr: IPAddress) -> str | None:
    # Order matters: the most specific, most recognisable name first.
    if addr.is_loopback:
        return "a loopback address (this machine)"
    if addr.is_unspecified:
        return "an unspecified address"
    if addr.is_link_local:
        return "a link-local address"
    if isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT:
        return "a carrier-grade NAT (shared) address"
    if addr == _BROADCAST:
        return "a broadcast address"
    if addr.is_multicast:
        return "a multicast address"
    if isinstance(addr, ipaddress.IPv6Address) and addr.is_site_local:
        return "a private address"
    if addr.is_reserved:
        return "a reserved address"
    if addr.is_private:
        return "a private address"
    if not addr.is_global:
        return "a special-purpose address"
    return None


@dataclass(frozen=True)
class Target:
    """A URL's parts that the policy decides on."""

    scheme: str
    host: str  # lower case, no brackets
    port: int


@dataclass(frozen=True)
class FetchPolicy:
    """Schemes, ports and addresses we may fetch. `allow` holds "host" and "host:port" entries."""

    allow: frozenset[str] = frozenset()

    @classmethod
    def from_entries(cls, entries: Iterable[str] | str | None) -> FetchPolicy:
        return cls(allow=parse_allow(entries))

    def host_allowed(self, host: str, port: int) -> bool:
        """True when host (any port 80/443) or host:port is in the allow list."""
        h = _norm_host(host)
        return h in self.allow or f"{h}:{port}" in self.allow

    def check_url(self, url: str) -> Target:
        """Scheme, port and literal-address rules for one URL (each redirect hop too)."""
        try:
            parts: SplitResult = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise AddressRefused("refused: the address is not a valid URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            shown = f"{scheme}:" if scheme else "no scheme"
            raise AddressRefused(
                f"refused: only http and https addresses can be fetched (got {shown})"
            )
        host = _norm_host(parts.hostname or "")
        if not host:
            raise AddressRefused("refused: the address has no host name")
        if port is None:
            port = DEFAULT_PORTS[scheme]
        self.check_port(host, port)
        ip = literal_ip(host)
        if ip is not None:
            spelled = (parts.hostname or "").strip("[]")
            self.check_address(host, port, ip, spelled=spelled)
        return Target(scheme, host, port)

    def check_port(self, host: str, port: int) -> None:
        """Only 80 and 443, unless host:port is allowed."""
        h = _norm_host(host)
        if port in ALLOWED_PORTS or f"{h}:{port}" in self.allow:
            return
        raise AddressRefused(
            f"refused: port {port} is not allowed (only 80 and 443, {_ALLOW_HINT})"
        )

    def check_address(self, host: str, port: int, addr: IPAddress, *, spelled: str = "") -> None:
        """Refuse a non-public address unless the host (or host:port) is allowed."""
        if self.host_allowed(host, port):
            return
        problem = address_problem(addr)
        if problem is None:
            return
        if literal_ip(host) is None:
            prefix = f"{host} resolves to {addr}; "
        elif spelled and _is_odd_spelling(spelled):
            prefix = f"{spelled} means {addr}; "
        else:
            prefix = ""
        raise AddressRefused(f"refused: {prefix}{problem}, not a public address ({_ALLOW_HINT})")


def _is_odd_spelling(host: str) -> bool:
    """True for IPv4 spellings only inet_aton understands (2130706433, 0177.0.0.1, 0x7f.1)."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return True
    return False


def _norm_host(host: str) -> str:
    h = host.strip().lower().strip("[]").rstrip(".")
    ip = literal_ip(h)
    return str(ip) if ip is not None else h


def parse_allow(entries: Iterable[str] | str | None) -> frozenset[str]:
    """Normalise POLICYBRIEF_FETCH_ALLOW entries ("host", "host:port", "[v6]:port"; commas ok)."""
    if entries is None:
        return frozenset()
    if isinstance(entries, str):
        entries = entries.split(",")
    out: set[str] = set()
    for raw in entries:
        for item in str(raw).replace(";", ",").split(","):
            entry = item.strip().lower()
            if not entry:
                continue
            host, port = entry, ""
            if entry.startswith("["):
                host, _, rest = entry[1:].partition("]")
                port = rest.lstrip(":")
            elif entry.count(":") == 1:
                host, port = entry.split(":")
            h = _norm_host(host)
            out.add(f"{h}:{int(port)}" if port.isdigit() else h)
    return frozenset(out)


def log_allowlist(allow: Iterable[str] | str | None, logger: logging.Logger) -> None:
    """Say at start-up which hosts may be fetched despite being private or on odd ports."""
    entries = sorted(parse_allow(allow))
    if entries:
        logger.warning(
            "POLICYBRIEF_FETCH_ALLOW is set: these hosts may be fetched even on private "
            "addresses or other ports: %s",
            ", ".join(entries),
        )
