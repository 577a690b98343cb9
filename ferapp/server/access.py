"""Who may use the server: the access token, and the Host and Origin a request comes with.

The Host and Origin checks stop DNS rebinding and other sites' pages: a page from
another origin may not use the API or the stream, and a server on this computer's
loopback answers only to loopback names (and the ``--allow-host`` ones of a proxy).
"""

from __future__ import annotations

import hmac
from urllib.parse import unquote

from aiohttp import web

from ferapp.server.config import ServerConfig, is_loopback, split_host

COOKIE = "ferapp_token"
DEFAULT_PORTS = {"http": 80, "https": 443}
OWN_NAMES = ("localhost", "127.0.0.1", "::1")  # the server's own origins, over http


def presented_token(request: web.Request) -> str:
    """The token a request shows: ``Authorization: Bearer`` (any case), ``?token=``, or
    the page's cookie."""
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    cookie = request.cookies.get(COOKIE, "")
    return request.query.get("token") or unquote(cookie)


def same_token(presented: str, token: str) -> bool:
    """Constant-time comparison, as bytes: any text (non-ASCII too) compares."""
    return hmac.compare_digest(_bytes(presented), _bytes(token))


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # surrogates: undecodable header bytes


def host_refusal(request: web.Request, config: ServerConfig) -> str | None:
    """Why a request's Host is refused, or None. Only on loopback: there, any other name
    is a page that made its own name point at this computer (DNS rebinding)."""
    host = request.headers.get("Host")
    if host is None or not is_loopback(config.host):
        return None
    parsed = split_host(host)
    if parsed is not None and (is_loopback(parsed[0]) or parsed[0] in config.allowed_hosts):
        return None
    return (
        f"this server answers only at localhost or 127.0.0.1, not at {host[:80]!r}; "
        "behind a proxy, start it with --allow-host and the proxy's name"
    )


def origin_refusal(request: web.Request, config: ServerConfig) -> str | None:
    """Why a request's Origin (the page it comes from) is refused, or None: allowed are
    the server's own origins, the Host the request came to, and ``--allow-host`` names."""
    origin = request.headers.get("Origin")
    if origin is None or _origin_allowed(origin, request, config):
        return None
    return (
        f"a page from {origin[:80]!r} may not use this server: open the address ferapp "
        "serve printed (behind a proxy, start it with --allow-host and the proxy's name)"
    )


def _origin_allowed(origin: str, request: web.Request, config: ServerConfig) -> bool:
    scheme, separator, rest = origin.strip().lower().partition("://")
    parsed = split_host(rest) if separator and scheme in DEFAULT_PORTS else None
    if parsed is None:
        return False  # "null" (a file, a sandbox) or not an origin
    name, port = parsed[0], parsed[1] or DEFAULT_PORTS[scheme]
    if name in config.allowed_hosts:
        return True
    if scheme == "http" and name in OWN_NAMES and port == _listening_port(request, config):
        return True
    host = split_host(request.headers.get("Host", ""))
    return host is not None and (name, port) == (host[0], host[1] or DEFAULT_PORTS[scheme])


def _listening_port(request: web.Request, config: ServerConfig) -> int:
    transport = request.transport
    address = transport.get_extra_info("sockname") if transport is not None else None
    return address[1] if isinstance(address, tuple) and len(address) >= 2 else config.port
