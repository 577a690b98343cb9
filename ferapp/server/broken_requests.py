"""One log line, not a traceback, for a client that hangs up or sends a broken request.

aiohttp logs such requests with ``logger.exception("Error handling request from %s",
remote)``; the server's requests get :class:`RequestLog` as that logger instead.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError, LineTooLong

SERVER_LOG = logging.getLogger("aiohttp.server")


class RequestLog(logging.LoggerAdapter):
    """aiohttp's server logger, saying a client's fault in one line (a warning)."""

    def __init__(self, logger: logging.Logger = SERVER_LOG) -> None:
        super().__init__(logger, {})

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info")
        reason = client_fault(exc) if isinstance(exc, BaseException) else None
        if (
            reason is None
            or level < logging.WARNING  # aiohttp's own choice to keep it quiet
            or not str(msg).startswith("Error handling request")
        ):
            super().log(level, msg, *args, **kwargs)
            return
        remote = args[0] if args and args[0] else "?"
        super().log(logging.WARNING, "client %s sent a broken request: %s", remote, reason)


def client_fault(exc: BaseException) -> str | None:
    """In plain words, what a client did wrong, or None when it is the server's fault."""
    if isinstance(exc, ConnectionResetError):
        return "it hung up before the request was complete"
    if isinstance(exc, LineTooLong):
        return f"a header (or the request's first line) is longer than {exc.args[1]} bytes"
    if isinstance(exc, HttpProcessingError):
        lines = [line.strip() for line in exc.message.splitlines() if line.strip()]
        words = (lines or [type(exc).__name__])[0].rstrip(":")
        printable = "".join(c if c.isprintable() else "?" for c in words[:100])
        return f"it is not valid HTTP: {printable}"
    return None
