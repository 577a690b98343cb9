"""The web server: the page, the WebSocket stream, the HTTP API, the access token.

Routes: ``GET /`` the page (``resources/web/``), ``GET /api/health``, ``POST
/api/analyze`` (an image in the body), ``GET /ws`` (the stream; protocol in
:mod:`ferapp.server.stream`). With a token, every route but the page's static files
requires it: ``?token=``, an ``Authorization: Bearer`` header, or the cookie the page
gets when opened with the token. Requests from other sites' pages, and on loopback to
other names, are refused (:mod:`ferapp.server.access`).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from ferapp import __version__
from ferapp.core.errors import FerappError
from ferapp.core.locations import resource_path
from ferapp.core.output.colors import resolve_palette, to_hex
from ferapp.core.output.rows import face_record
from ferapp.server.access import (
    COOKIE,
    host_refusal,
    origin_refusal,
    presented_token,
    same_token,
)
from ferapp.server.broken_requests import RequestLog
from ferapp.server.config import ServerConfig
from ferapp.server.recognition import RecognitionPool
from ferapp.server.stream import stream_handler

POOL = web.AppKey("pool", RecognitionPool)
CONFIG = web.AppKey("config", ServerConfig)
CLIENTS = web.AppKey("clients", set)
PUBLIC = ("/static/",)  # the page's code and style: no data in them


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def guard(request: web.Request, handler):
    """The Host, Origin and token checks, and every failure as a JSON error instead of an
    HTML page."""
    config = request.app[CONFIG]
    public = request.path.startswith(PUBLIC)
    refusal = host_refusal(request, config) or (None if public else origin_refusal(request, config))
    if refusal:
        return json_error(403, refusal)
    if config.token and not public and not same_token(presented_token(request), config.token):
        return json_error(401, "an access token is required: open the URL ferapp printed")
    try:
        response = await handler(request)
    except web.HTTPRequestEntityTooLarge:
        limit = config.limits.max_body_bytes
        return json_error(413, f"the body is larger than the limit of {limit / 1e6:.0f} MB")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return json_error(exc.status, exc.reason)
    shown = request.query.get("token")
    if config.token and request.path == "/" and shown and same_token(shown, config.token):
        response.set_cookie(COOKIE, quote(config.token, safe=""), httponly=True, samesite="Strict")
    return response


def describe(app: web.Application) -> dict:
    pool, config = app[POOL], app[CONFIG]
    return {
        "model": pool.model_name,
        "runtime": pool.classifier.precision,
        "detector": config.recognition.detector.describe(),
        "class_names": list(pool.classifier.class_names),
    }


async def index(request: web.Request) -> web.Response:
    return web.FileResponse(web_folder() / "index.html")


async def health(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            **describe(request.app),
            "colors": {k: to_hex(v) for k, v in resolve_palette().items()},
            "clients": len(request.app[CLIENTS]),
            "limits": request.app[CONFIG].limits.__dict__,
        }
    )


async def analyze(request: web.Request) -> web.Response:
    """One image (JPEG, PNG, ... as the body) -> its faces, as `ferapp analyze` gives them."""
    data = await request.read()
    if not data:
        return json_error(400, "send an image (JPEG or PNG) as the request body")
    pool = request.app[POOL]
    try:
        result, (height, width) = await pool.recognise(None, data, where="the request body")
    except FerappError as exc:
        return json_error(400, str(exc))
    names = pool.classifier.class_names
    return web.json_response(
        {
            "faces": [face_record(f, i, names) for i, f in enumerate(result.faces)],
            "width": width,
            "height": height,
            **describe(request.app),
        }
    )


def web_folder() -> Path:
    return resource_path("web/index.html").parent


def make_app(config: ServerConfig, pool: RecognitionPool | None = None) -> web.Application:
    """The application (the pool, with its models, is made here unless given)."""
    app = web.Application(
        middlewares=[guard],
        client_max_size=config.limits.max_body_bytes,
        handler_args={"logger": RequestLog()},  # a broken request: one line, no traceback
    )
    app[CONFIG] = config
    app[POOL] = pool or RecognitionPool(config)
    app[CLIENTS] = set()
    app.router.add_get("/", index)
    app.router.add_get("/api/health", health)
    app.router.add_post("/api/analyze", analyze)
    app.router.add_get("/ws", stream_handler(POOL, CONFIG, CLIENTS, hello_message))
    app.router.add_static("/static/", web_folder())

    async def close_clients(app: web.Application) -> None:
        for ws in set(app[CLIENTS]):
            await ws.close(code=1001, message=b"server shutting down")

    async def close_pool(app: web.Application) -> None:
        app[POOL].close()

    app.on_shutdown.append(close_clients)
    app.on_cleanup.append(close_pool)
    return app


def hello_message(app: web.Application) -> str:
    config = app[CONFIG]
    return json.dumps(
        {
            "type": "hello",
            **describe(app),
            "colors": {k: to_hex(v) for k, v in resolve_palette().items()},
            "max_fps": config.limits.max_fps,
        }
    )
