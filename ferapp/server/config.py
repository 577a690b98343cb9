"""What a server runs with: where it listens, who may use it, and its limits."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field

from ferapp.core.errors import FerappError
from ferapp.core.recognition.settings import RecognitionSettings

LOOPBACK_NAMES = ("localhost",)


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


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
