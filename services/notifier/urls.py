"""Where webhooks may go. Unless private targets are allowed (development), a webhook URL must be https
and its host must resolve only to public addresses; the check runs when the endpoint is created and again
before every attempt, and the attempt connects to the address just checked (DNS rebinding), presenting
the URL's host in the Host header and as the TLS server name (see http1.HttpClient.post).

URLs are parsed with httpx, the same parser that sends them, so the check and the request agree on the host.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

MAX_URL_LENGTH = 2048

Resolver = Callable[[str, int], Awaitable[list[str]]]


class UrlRefused(ValueError):
    pass


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


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

