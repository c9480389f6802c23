"""Where webhooks may go. Unless private targets are allowed (development), a webhook URL must be https
and its host must resolve only to public addresses; the check runs when the endpoint is created and again
before every attempt, and the attempt connects to the address just checked (DNS rebinding), presenting
the URL's host in the Host header and as the TLS server name (see http1.HttpClient.post).
An IPv6 address that carries an IPv4 address is judged by the IPv4 address, or refused outright (see
REFUSED_V6), so 64:ff9b::10.0.0.1 or 2002:a00:1:: cannot reach a private network through a translator.

URLs are parsed with httpx, the same parser that sends them, so the check and the request agree on the host.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

from contracts.subscriptions import MAX_URL_LENGTH

Resolver = Callable[[str, int], Awaitable[list[str]]]


class UrlRefused(ValueError):
    pass


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


# IPv6 forms that carry an IPv4 address, and how each is judged. Where the IPv4 address sits at a fixed
# place and the form is in real use, it is taken out and judged as IPv4 (so 64:ff9b::10.0.0.1 is as private
# as 10.0.0.1, and 64:ff9b::8.8.8.8 as public as 8.8.8.8):
#   ::ffff:0:0/96   IPv4-mapped (RFC 4291), what a dual-stack resolver may answer for an IPv4 host
#   2002::/16       6to4 (RFC 3056), the IPv4 address in bits 16-47
#   64:ff9b::/96    the NAT64 well-known prefix (RFC 6052), the IPv4 address in the last 32 bits
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# The others are refused outright, whatever they embed: where the IPv4 address sits is not fixed, or the form
# is deprecated and no public webhook receiver has such an address (Python's `is_global` still calls them global).
REFUSED_V6 = {
    ipaddress.IPv6Network("64:ff9b:1::/48"): "local-use NAT64 (RFC 8215), the IPv4 address placed by the operator",
    ipaddress.IPv6Network("::/96"): "IPv4-compatible (deprecated by RFC 4291)",
    ipaddress.IPv6Network("::ffff:0:0:0/96"): "SIIT IPv4-translated (RFC 2765)",
    ipaddress.IPv6Network("fec0::/10"): "site-local (deprecated by RFC 3879)",
}


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address of a judged form carries (see above), else None."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def _is_global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_global(ip)
    if any(ip in network for network in REFUSED_V6):
        return False
    inner = embedded_ipv4(ip)
    if inner is not None:
        return _is_global(inner)  # ::ffff:127.0.0.1 is loopback, 2002:a00:1:: is 10.0.0.1
    return _is_global(ip)


def parse(url: str, *, allow_private: bool) -> httpx.URL:
    """The URL if its shape is acceptable; UrlRefused says why not."""
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UrlRefused(f"not a valid URL: {exc}") from None
    if parsed.scheme not in ("https", "http"):
        raise UrlRefused("URL must use https")
    if parsed.scheme == "http" and not allow_private:
        raise UrlRefused("URL must use https (plain http is not allowed)")
    if not parsed.host:
        raise UrlRefused("URL has no host")
    if parsed.userinfo:
        raise UrlRefused("URL must not carry credentials")
    return parsed


async def public_address(url: str, *, resolver: Resolver = system_resolver) -> str:
    """An address to connect to for `url`, after checking that every address its host has is public."""
    parsed = parse(url, allow_private=False)
    host = parsed.raw_host.decode("ascii")
    try:
        addresses = await resolver(host, parsed.port or 443)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(f"host {host} does not resolve: {exc}") from None
    if not addresses:
        raise UrlRefused(f"host {host} does not resolve")
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise UrlRefused(f"host {host} resolves to a non-public address ({private[0]})")
    return addresses[0]


async def check(url: str, *, allow_private: bool, resolver: Resolver = system_resolver) -> None:
    """Raise UrlRefused unless webhooks may be sent to `url`."""
    parse(url, allow_private=allow_private)
    if not allow_private:
        await public_address(url, resolver=resolver)

