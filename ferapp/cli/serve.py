"""`ferapp serve`: the web page and API over the same core as the window."""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import quote

from ferapp.cli.options import add_recognition_options, recognition_settings
from ferapp.core.errors import FerappError
from ferapp.server.config import Limits, ServerConfig, access_token, allowed_host, is_loopback


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the web page (browser camera) and an HTTP API",
        description="Serve ferapp in a browser: the page sends camera frames, the server "
        "finds the faces and their emotions. Only this computer can connect unless --host "
        "says otherwise, and then an access token is required.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument(
        "--token",
        help="access token clients must show (default: none on 127.0.0.1, a new one otherwise)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a name the server is reached by behind a reverse proxy (repeatable): accepted "
        "as the request's host and as the page's origin (http and https)",
    )
    p.add_argument(
        "--model",
        default="",
        help="model file (.keras or .h5) or a shipped model's name (ferapp-fer2013); "
        "default: the shipped default model",
    )
    p.add_argument(
        "--workers", type=int, default=min(2, os.cpu_count() or 1), help="frames recognised at once"
    )
    p.add_argument("--max-clients", type=int, default=Limits.max_clients)
    p.add_argument(
        "--max-fps", type=float, default=Limits.max_fps, help="frames per second per client"
    )
    add_recognition_options(p)
    p.set_defaults(run=run)


def build_config(args: argparse.Namespace) -> ServerConfig:
    if not 1 <= args.port <= 65535:
        raise FerappError(f"--port must be 1..65535, got {args.port}")
    if not 1 <= args.workers <= 64 or not 1 <= args.max_clients <= 1000:
        raise FerappError("--workers must be 1..64 and --max-clients 1..1000")
    if not 0 < args.max_fps <= 120:
        raise FerappError(f"--max-fps must be above 0 and at most 120, got {args.max_fps}")
    return ServerConfig(
        host=args.host,
        port=args.port,
        token=access_token(args.host, args.token),
        model=args.model,
        recognition=recognition_settings(args),
        workers=args.workers,
        limits=Limits(max_clients=args.max_clients, max_fps=args.max_fps),
        allowed_hosts=tuple(allowed_host(name) for name in args.allow_host),
    )


def run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from ferapp.server.app import make_app

    config = build_config(args)
    app = make_app(config)  # loads the models: errors are told before listening
    host = f"[{config.host}]" if ":" in config.host else config.host
    token = f"?token={quote(config.token, safe='')}" if config.token else ""
    url = f"http://{host}:{config.port}/{token}"
    print(f"ferapp serve: open {url}  (Ctrl+C stops)", flush=True)
    if not is_loopback(config.host):
        print(
            "ferapp serve: other computers can connect; browsers allow the camera only over "
            "https or on this computer, so they may need to open a file instead",
            file=sys.stderr,
        )
    try:
        web.run_app(app, host=config.host, port=config.port, print=None, access_log=None)
    except OSError as exc:
        raise FerappError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"
        ) from exc
    print("ferapp serve: stopped", flush=True)
    return 0
