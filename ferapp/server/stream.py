"""The WebSocket stream: frames in, results out, the newest frame winning.

Protocol (``GET /ws``):

* On connecting, the server sends ``{"type": "hello", "model", "runtime", "detector",
  "class_names", "colors", "max_fps"}``.
* The client sends frames as binary messages: a 4-byte big-endian frame number, then an
  image (JPEG or PNG). It sends ``{"type": "reset"}`` as text when its source changes:
  the frame still waiting is dropped, and the next frame is recognised with no memory of
  the faces before (as ``POST /api/analyze`` would), even when the reset came while a
  frame was being recognised.
* For each frame it recognises, the server answers ``{"type": "result", "frame",
  "width", "height", "faces": [...], "server_ms", "dropped"}``; the faces are those of
  ``POST /api/analyze``, with a ``track`` that follows a face from frame to frame.
* A frame that arrives while the previous one is still being recognised replaces any
  frame waiting: a slow server drops frames (``dropped`` counts them) instead of
  falling behind. A client is answered at most ``max_fps`` times a second; frames sent
  faster wait their turn the same way, so the newest one is always answered.
* Problems are ``{"type": "error", "message"}`` (with ``frame`` when a frame caused
  them); the connection stays open (text nested
  deeper than 64 brackets is one). A client beyond the limit gets an error and the
  connection closes (code 1013).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from aiohttp import WSMsgType, web

from ferapp.core.errors import FerappError
from ferapp.core.output.rows import face_record

HEADER = struct.Struct(">I")
MAX_DEPTH = 64  # of a text message's JSON
# A JSON string, or one left open at the end (so that no search ever fails, and none
# takes longer than the text).
STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)', re.DOTALL)
BRACKET_STEPS = np.zeros(256, np.int8)  # byte -> +1 opens, -1 closes, 0 neither
BRACKET_STEPS[[ord("["), ord("{")]], BRACKET_STEPS[[ord("]"), ord("}")]] = 1, -1


@dataclass
class Pending:
    frame: int
    data: bytes
    received: float


class ClientStream:
    """One client's newest waiting frame, the tracking of its faces, and its counters."""

    def __init__(self, ws: web.WebSocketResponse, pool, max_fps: float) -> None:
        self.ws, self.pool = ws, pool
        self.tracking = pool.new_tracking()
        self.min_gap = 1.0 / max_fps if max_fps > 0 else 0.0
        self.waiting: Pending | None = None
        self.arrived = asyncio.Event()
        self.dropped = 0
        self.last_taken = 0.0
        self.fresh = False  # a reset came: forget the faces before the next frame

    def reset(self) -> None:
        """A new source: drop the waiting frame (the old source's) and forget the faces
        before the next frame is recognised, never during a recognition."""
        self.waiting = None
        self.fresh = True

    def offer(self, data: bytes) -> str | None:
        """Take a binary message; an error message for the client, or None."""
        if len(data) <= HEADER.size:
            return "a frame is a 4-byte frame number followed by a JPEG or PNG image"
        if self.waiting is not None:
            self.dropped += 1  # never recognised: a newer frame came first
        (frame,) = HEADER.unpack_from(data)
        self.waiting = Pending(frame, data[HEADER.size :], time.monotonic())
        self.arrived.set()
        return None

    async def answer(self) -> None:
        """Recognise the newest frame whenever there is one, at most ``max_fps`` times a
        second, until the client leaves."""
        names = self.pool.classifier.class_names
        while not self.ws.closed:
            await self.arrived.wait()
            too_soon = self.last_taken + self.min_gap - time.monotonic()
            if too_soon > 0:
                await asyncio.sleep(too_soon)  # newer frames may replace the waiting one
            self.arrived.clear()
            pending, self.waiting = self.waiting, None
            if pending is None:
                continue
            self.last_taken = time.monotonic()
            if self.fresh:
                self.tracking.reset()
                self.fresh = False
            try:
                result, (height, width) = await self.pool.recognise(
                    self.tracking, pending.data, pending.frame, where=f"frame {pending.frame}"
                )
            except FerappError as exc:
                await self.send({"type": "error", "message": str(exc), "frame": pending.frame})
                continue
            await self.send(
                {
                    "type": "result",
                    "frame": pending.frame,
                    "width": width,
                    "height": height,
                    "faces": [face_record(f, i, names) for i, f in enumerate(result.faces)],
                    "server_ms": round((time.monotonic() - pending.received) * 1e3, 1),
                    "dropped": self.dropped,
                }
            )

    async def send(self, message: dict) -> None:
        if not self.ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):  # the client went away
                await self.ws.send_str(json.dumps(message))


def stream_handler(pool_key, config_key, clients_key, hello: Callable[[web.Application], str]):
    async def handle(request: web.Request) -> web.WebSocketResponse:
        app = request.app
        limits = app[config_key].limits
        ws = web.WebSocketResponse(max_msg_size=limits.max_message_bytes, heartbeat=30)
        await ws.prepare(request)
        clients = app[clients_key]
        if len(clients) >= limits.max_clients:
            await ws.send_str(
                json.dumps(
                    {
                        "type": "error",
                        "message": f"the server already serves {limits.max_clients} clients; "
                        "try again later",
                    }
                )
            )
            await ws.close(code=1013, message=b"too many clients")
            return ws
        clients.add(ws)
        client = ClientStream(ws, app[pool_key], limits.max_fps)
        answering = asyncio.create_task(client.answer())
        try:
            await ws.send_str(hello(app))
            async for message in ws:
                if message.type == WSMsgType.BINARY:
                    problem = client.offer(message.data)
                elif message.type == WSMsgType.TEXT:
                    problem = _text(message.data, client)
                elif message.type == WSMsgType.ERROR:
                    break
                else:
                    continue
                if problem:
                    await client.send({"type": "error", "message": problem})
        finally:
            clients.discard(ws)
            answering.cancel()
            client.arrived.set()
        return ws

    return handle


def _text(text: str, client: ClientStream) -> str | None:
    if too_deep(text):  # json.loads would recurse as deep as the brackets go
        return (
            f'text messages are JSON nested at most {MAX_DEPTH} deep, such as {{"type": "reset"}}'
        )
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        return 'text messages must be JSON, such as {"type": "reset"}'
    if not isinstance(message, dict) or message.get("type") != "reset":
        return f'unknown message {text[:60]!r}; frames are binary, text is {{"type": "reset"}}'
    client.reset()
    return None


def too_deep(text: str) -> bool:
    """Whether a JSON text's brackets nest deeper than ``MAX_DEPTH``, those inside strings
    left out: a cheap scan (in C and NumPy) of a text as long as a message may be."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    data = STRINGS.sub("", text).encode("utf-8", "surrogatepass")
    steps = BRACKET_STEPS[np.frombuffer(data, np.uint8)]
    return int(np.cumsum(steps, dtype=np.int32).max(initial=0)) > MAX_DEPTH
