"""`ferapp serve` at its edges: tokens in any language and any case of ``Bearer``, broken
requests, deep JSON, and other sites' pages and names (DNS rebinding)."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import replace
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web

from ferapp.cli import main as cli_main
from ferapp.server.app import make_app
from tests import support
from tests.functional import test_serve

config, client, frame = test_serve.config, test_serve.client, test_serve.frame  # fixtures
TOKEN = "clé-secrète-été"  # not ASCII


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def status(client, path: str, **headers: str) -> int:
    return (await client.get(path, headers=headers)).status


async def raw(server, request: bytes) -> bytes:
    """One request as bytes on its own connection; the answer's first line."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request)
    line = await reader.readline()
    writer.close()
    return line


async def test_tokens_in_any_language_and_bearer_in_any_case(aiohttp_client, config):
    client = await aiohttp_client(make_app(replace(config, token=TOKEN)))
    for wrong in ("é", "clé-secrète-éte", "ÿ" * 20):
        assert await status(client, f"/api/health?token={urllib.parse.quote(wrong)}") == 401
        assert await status(client, "/api/health", Authorization=f"Bearer {wrong}") == 401
    # as curl sends them: UTF-8 header bytes, one not even UTF-8
    for value in ("Bearer é".encode(), b"Bearer \xe9\xff", b"Bearer " + TOKEN.encode("latin-1")):
        request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + value
        assert b" 401 " in await raw(client.server, request + b"\r\nConnection: close\r\n\r\n")
    assert await status(client, f"/api/health?token={urllib.parse.quote(TOKEN)}") == 200
    for scheme in ("Bearer", "bearer", "BEARER", "beAReR"):
        assert await status(client, "/api/health", Authorization=f"{scheme} {TOKEN}") == 200
        assert await status(client, "/api/health", Authorization=f"{scheme}  {TOKEN} ") == 200
    request = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: bearer {TOKEN}\r\n"
    assert b" 200 " in await raw(client.server, (request + "Connection: close\r\n\r\n").encode())
    page = await client.get(f"/?token={urllib.parse.quote(TOKEN)}")
    assert page.status == 200 and "ferapp_token" in page.cookies
    assert await status(client, "/api/health") == 200  # the cookie the page got
    ascii_only = await aiohttp_client(make_app(replace(config, token="a-long-secret-token")))
    assert await status(ascii_only, "/api/health?token=%C3%A9") == 401
    assert (
        await status(ascii_only, "/api/health", Authorization="bearer a-long-secret-token") == 200
    )


async def test_broken_requests_give_one_line_each(config, caplog):
    caplog.set_level(logging.WARNING)
    runner = web.AppRunner(make_app(config), access_log=None)  # as `ferapp serve` runs it
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = SimpleNamespace(host="127.0.0.1", port=runner.addresses[0][1])
    try:
        _, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(
            b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999\r\n\r\n"
        )
        writer.write(b"\xff" * 1000)
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()  # hangs up mid-upload
        big = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000
        assert b" 400 " in await raw(server, big + b"\r\n\r\n")
        assert b" 400 " in await raw(server, "GET /?token=é HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        deadline = time.monotonic() + 10
        while len(caplog.records) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        healthy = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        assert b" 200 " in await raw(server, healthy)
    finally:
        await runner.cleanup()
    records = [r for r in caplog.records if r.name.startswith(("aiohttp", "asyncio"))]
    lines = sorted(r.getMessage() for r in records)
    assert len(lines) == 3 and all(not r.exc_info and not r.exc_text for r in records), lines
    assert all(line.startswith("client 127.0.0.1 sent a broken request: ") for line in lines)
    assert "longer than 8190 bytes" in lines[0] and "hung up" in lines[1]
    assert "not valid HTTP" in lines[2] and all(len(line) < 200 for line in lines)


async def test_json_nested_too_deep_is_an_error_and_the_stream_goes_on(client):
    ws = await client.ws_connect("/ws")
    await ws.receive_json()
    for deep in ("[" * 50_000 + "]" * 50_000, '{"a":' * 65 + "1" + "}" * 65, "[" * 100_000):
        await ws.send_str(deep)
        reply = await ws.receive_json()
        assert reply["type"] == "error" and "at most 64 deep" in reply["message"]
    shallow = '{"x": ' + "[" * 63 + "]" * 63 + ', "s": "' + "[{" * 1000 + '", "type": "reset"}'
    await ws.send_str(shallow)  # accepted silently, as the reset it is
    await ws.send_bytes(frame(5, support.face_frame(1)))
    assert (await ws.receive_json())["frame"] == 5
    await ws.close()


async def test_other_names_and_other_sites_pages_are_refused(client):
    port = client.server.port
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "", "a b"):
        reply = await client.get("/api/health", headers={"Host": host})
        assert reply.status == 403 and "only at localhost" in (await reply.json())["error"]
        assert await status(client, "/static/app.js", Host=host) == 403
    for host in ("localhost", f"LOCALHOST:{port}", "127.0.0.1", f"[::1]:{port}", "localhost:1"):
        assert await status(client, "/api/health", Host=host) == 200
    for origin in ("http://evil.example", "null", "http://localhost:1", f"https://evil:{port}"):
        reply = await client.get("/api/health", headers={"Origin": origin})
        assert reply.status == 403 and "may not use this server" in (await reply.json())["error"]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers={"Origin": origin})
        assert refused.value.status == 403
    for name in ("127.0.0.1", "localhost", "[::1]"):
        origin = f"http://{name}:{port}"
        assert await status(client, "/api/health", Origin=origin) == 200
        ws = await client.ws_connect("/ws", headers={"Origin": origin})
        assert (await ws.receive_json())["type"] == "hello"
        await ws.close()


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
async def test_the_page_works_as_a_browser_opens_it(client, name):
    """What a browser sends for the page opened at http://127.0.0.1:PORT or localhost."""
    where = f"{name}:{client.server.port}"
    page = await client.get("/", headers={"Host": where})
    assert page.status == 200 and "/static/app.js" in await page.text()
    assert await status(client, "/static/app.js", Host=where) == 200
    ws = await client.ws_connect("/ws", headers={"Host": where, "Origin": f"http://{where}"})
    assert (await ws.receive_json())["type"] == "hello"
    await ws.close()


async def test_a_proxys_names_and_a_public_server(aiohttp_client, config):
    proxied = await aiohttp_client(make_app(replace(config, allowed_hosts=("ferapp.example",))))
    assert await status(proxied, "/api/health", Host="ferapp.example") == 200
    assert await status(proxied, "/api/health", Host="FERAPP.example:443") == 200
    for origin in ("https://ferapp.example", "http://ferapp.example:8080"):
        assert await status(proxied, "/api/health", Host="ferapp.example", Origin=origin) == 200
        ws = await proxied.ws_connect("/ws", headers={"Origin": origin})
        assert (await ws.receive_json())["type"] == "hello"
        await ws.close()
    assert await status(proxied, "/api/health", Host="other.example") == 403
    assert await status(proxied, "/api/health", Origin="https://other.example") == 403
    public = await aiohttp_client(make_app(replace(config, host="0.0.0.0", token=TOKEN)))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert await status(public, "/api/health", Host="evil.example", **auth) == 200  # as before
    assert await status(public, "/api/health", Host="evil.example") == 401
    assert await status(public, "/api/health", Origin="http://evil.example", **auth) == 403
    for host, origin in (
        ("192.168.1.5:8765", "http://192.168.1.5:8765"),
        ("a.lan", "https://a.lan"),
    ):
        assert await status(public, "/api/health", Host=host, Origin=origin, **auth) == 200


def test_allow_host_takes_names_only(capsys):
    for bad in ("https://ferapp.example", "ferapp.example:443", "a/b", ""):
        assert cli_main(["serve", "--allow-host", bad]) == 1
        assert "--allow-host takes a name" in capsys.readouterr().err


def test_the_command_with_a_token_not_in_ascii(happy_model_path):
    """`ferapp serve --token ... --allow-host ...` itself: the URL it prints works, a proxy's
    name is served, and broken requests are one line each on stderr."""
    port = free_port()
    command = [sys.executable, "-m", "ferapp", "serve", "--port", str(port), "--model",
               str(happy_model_path), "--token", TOKEN, "--allow-host", "Proxy.Example"]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=support.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        line = proc.stdout.readline().decode("ascii")  # the token in it: percent-encoded
        assert line.startswith("ferapp serve: open"), line + proc.stderr.read().decode()
        url = line.split()[3]
        assert url == f"http://127.0.0.1:{port}/?token={urllib.parse.quote(TOKEN, safe='')}", line
        asyncio.run(_use_the_command(url, port))
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert "Traceback" not in err and err.count("sent a broken request") == 2, err
    assert "ferapp: WARNING: client 127.0.0.1 sent a broken request: it hung up" in err, err


async def _use_the_command(url: str, port: int) -> None:
    deadline = time.monotonic() + 30  # it prints the URL, then starts listening
    while True:
        try:
            (await asyncio.open_connection("127.0.0.1", port))[1].close()
            break
        except OSError:
            assert time.monotonic() < deadline, "ferapp serve never listened"
            await asyncio.sleep(0.1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        page = await session.get(url)  # the page, and its cookie for what follows
        assert page.status == 200 and "ferapp_token" in page.cookies
        base = f"http://127.0.0.1:{port}"
        assert (await session.get(f"{base}/api/health")).status == 200
        origin = {"Origin": "https://proxy.example", "Host": "proxy.example"}
        ws = await session.ws_connect(f"{base}/ws", headers=origin)
        assert (await ws.receive_json())["type"] == "hello"
        await ws.close()
    async with aiohttp.ClientSession() as session:  # no cookie
        bearer = {"Authorization": f"BEARER {TOKEN}"}
        assert (await session.get(f"{base}/api/health", headers=bearer)).status == 200
        assert (await session.get(f"{base}/api/health?token=%C3%A9")).status == 401
        assert (await session.get(f"{base}/api/health", headers={"Host": "evil"})).status == 403
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    bearer_bytes = f"Authorization: Bearer {TOKEN}\r\n".encode()
    writer.write(b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n" + bearer_bytes)
    writer.write(b"Content-Length: 9999\r\n\r\nab")
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + b"a" * 100_000 + b"\r\n\r\n")
    assert b" 400 " in await reader.readline()
    writer.close()
    await asyncio.sleep(0.5)
