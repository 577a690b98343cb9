"""What a server runs with: where it listens, who may use it, and its limits."""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass, field

from ferapp.core.errors import FerappError
from ferapp.core.recognition.settings import RecognitionSettings

LOOPBACK_NAMES = ("localhost",)
HOST_NAME = re.compile(r"[a-z0-9._:-]{1,253}")


@dataclass(frozen=True)
class Limits:
    """Requests beyond these get a clear error (and never take the server down)."""

    max_body_bytes: int = 10_000_000  # an image sent to /api/analyze
    max_message_bytes: int = 4_000_000  # one frame over the WebSocket
    max_frame_pixels: int = 3840 * 2160  # a decoded frame or image
    max_fps: float = 30.0  # frames per second taken from one client; more are dropped
    max_clients: int = 8  # WebSocket clients at once


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str = ""  # required from clients when set
    model: str = ""  # "" = the default model
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)
    workers: int = 2  # frames recognised at once (each has its own model instance)
    limits: Limits = field(default_factory=Limits)
    allowed_hosts: tuple[str, ...] = ()  # names (lowercase) a reverse proxy uses for it


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, int | None] | None:
    """A Host header (``name``, ``name:port``, ``[v6]:port``) -> its name (lowercase,
    without brackets) and port, or None when it is not one."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:] if rest else None
    elif value.count(":") == 1:
        name, port = value.split(":")
    else:
        name, port = value, None  # a name, or an IPv6 address without brackets
    if not HOST_NAME.fullmatch(name) or (port is not None and not port.isdigit()):
        return None
    return name, None if port is None else int(port)


def allowed_host(name: str) -> str:
    """A name given to ``--allow-host``, checked and lowercased."""
    parsed = split_host(name)
    if parsed is None or parsed[1] is not None:
        raise FerappError(
            f"--allow-host takes a name such as example.com, without http:// or a port, "
            f"not {name!r}"
        )
    return parsed[0]


def access_token(host: str, token: str | None) -> str:
    """The token clients must show: the one given, a new one for a host other machines can
    reach, none on loopback (only this computer can connect)."""
    if token is not None:
        if token and len(token) < 12:
            raise FerappError("--token must be at least 12 characters (or empty for none)")
        if not token and not is_loopback(host):
            raise FerappError(
                f"--host {host} lets other computers connect: an access token is required"
            )
        return token
    return "" if is_loopback(host) else secrets.token_urlsafe(18)
