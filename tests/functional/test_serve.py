"""`ferapp serve` with aiohttp's test client: the API, the WebSocket protocol, limits, token."""

from __future__ import annotations

import asyncio
import itertools
import json
import struct
import time
from dataclasses import replace

import cv2
import numpy as np
import pytest
from aiohttp import WSMsgType

from ferapp.cli import main as cli_main
from ferapp.core.errors import FerappError
from ferapp.server.app import make_app
from ferapp.server.config import Limits, ServerConfig, access_token
from ferapp.server.recognition import RecognitionPool
from tests import support


def jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


def frame(number: int, image: np.ndarray) -> bytes:
    return struct.pack(">I", number) + jpeg(image)


@pytest.fixture
def config(happy_model_path) -> ServerConfig:
    return ServerConfig(model=str(happy_model_path), workers=1)


@pytest.fixture
async def client(aiohttp_client, config):
    return await aiohttp_client(make_app(config))


async def test_health_and_the_page(client):
    health = await (await client.get("/api/health")).json()
    assert health["status"] == "ok" and health["model"] == "happy.keras"
    assert health["detector"]["detector"] == "yunet" and health["colors"]["happy"] == "#ffff00"
    page = await client.get("/")
    assert page.status == 200 and "ferapp" in await page.text()
    script = await client.get("/static/app.js")
    assert script.status == 200 and "WebSocket" in await script.text()


async def test_analyze_gives_the_numbers_of_the_command_line(client, config, tmp_path, capsys):
    import skimage.data

    photos = {
        "astronaut.png": cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR),
        "three.jpg": support.face_frame(3),
        "hopper.png": support.grace_hopper_head(),
        "nobody.png": support.blank_frame(),
    }
    for name, image in photos.items():
        path = tmp_path / name
        cv2.imwrite(str(path), image)
        reply = await client.post("/api/analyze", data=path.read_bytes())
        assert reply.status == 200
        served = await reply.json()
        assert served["model"] == "happy.keras" and served["detector"]["detector"] == "yunet"
        out = tmp_path / f"{name}.json"
        assert cli_main(["analyze", str(path), "--model", config.model, "--json", str(out)]) == 0
        local = json.loads(out.read_text())["frames"][0]["faces"]
        assert len(local) == len(served["faces"])
        assert len(local) == (0 if name == "nobody.png" else 3 if name == "three.jpg" else 1)
        for a, b in zip(local, served["faces"], strict=True):
            assert a["label"] == b["label"] and a["box"] == b["box"] and a["face"] == b["face"]
            for emotion, p in a["probabilities"].items():
                assert b["probabilities"][emotion] == pytest.approx(p, abs=1e-5)
    capsys.readouterr()


async def test_bad_requests_get_errors_and_the_server_goes_on(aiohttp_client, config):
    small = replace(config, limits=Limits(max_body_bytes=50_000, max_frame_pixels=200 * 200))
    client = await aiohttp_client(make_app(small))
    for body, status, words in (
        (b"", 400, "send an image"),
        (b"definitely not an image", 400, "larger than the server's limit of 0.04 megapixels"),
        (b"\0" * 60_000, 413, "larger than the limit"),
        (jpeg(support.face_frame(1)), 400, "megapixels"),
    ):
        reply = await client.post("/api/analyze", data=body)
        assert reply.status == status, await reply.text()
        assert words in (await reply.json())["error"]
    assert (await client.get("/api/nothing")).status == 404
    assert (await client.get("/api/health")).status == 200
    plain = await aiohttp_client(make_app(config))  # the default limit: 3840x2160
    reply = await plain.post("/api/analyze", data=b"definitely not an image")
    assert "limit of 8.3 megapixels" in (await reply.json())["error"]


async def test_an_access_token_is_required_when_set(aiohttp_client, config):
    client = await aiohttp_client(make_app(replace(config, token="a-long-secret-token")))
    assert (await client.get("/api/health")).status == 401
    assert (await client.get("/api/health?token=wrong")).status == 401
    assert (await client.get("/api/health?token=a-long-secret-token")).status == 200
    headers = {"Authorization": "Bearer a-long-secret-token"}
    assert (await client.get("/api/health", headers=headers)).status == 200
    page = await client.get("/?token=a-long-secret-token")
    assert page.status == 200 and "ferapp_token" in page.cookies
    assert (await client.get("/api/health")).status == 200  # the page's cookie
    assert (await client.get("/static/app.js")).status == 200  # code, not data: open


def test_other_hosts_need_a_token():
    assert access_token("127.0.0.1", None) == "" and access_token("localhost", None) == ""
    assert len(access_token("0.0.0.0", None)) >= 20
    with pytest.raises(FerappError, match="token is required"):
        access_token("0.0.0.0", "")
    with pytest.raises(FerappError, match="12 characters"):
        access_token("0.0.0.0", "short")


async def test_the_stream_answers_frames_and_survives_bad_messages(client):
    ws = await client.ws_connect("/ws")
    hello = await ws.receive_json()
    assert hello["type"] == "hello" and "happy" in hello["class_names"]
    await ws.send_bytes(frame(1, support.face_frame(3)))
    result = await ws.receive_json()
    assert result["type"] == "result" and result["frame"] == 1
    assert [f["label"] for f in result["faces"]] == ["happy"] * 3
    assert sorted(f["track"] for f in result["faces"]) == [0, 1, 2]
    for bad, words in (
        ("{not json", "must be JSON"),
        ('{"type": "dance"}', "unknown message"),
    ):
        await ws.send_str(bad)
        assert words in (await ws.receive_json())["message"]
    await ws.send_bytes(b"\0\0")
    assert "4-byte frame number" in (await ws.receive_json())["message"]
    await ws.send_bytes(struct.pack(">I", 7) + b"garbage, not a picture")
    assert "cannot decode" in (await ws.receive_json())["message"]
    await ws.send_str('{"type": "reset"}')
    await ws.send_bytes(frame(8, support.face_frame(1)))
    again = await ws.receive_json()
    assert again["frame"] == 8 and again["faces"][0]["track"] == 0
    await ws.close()
    assert (await client.get("/api/health")).status == 200


class SlowPool(RecognitionPool):
    """Each frame waits before it is recognised: a reset arrives while it is in hand."""

    async def recognise(self, tracking, data, index=0, where="frame"):
        if tracking is not None:
            await asyncio.sleep(0.6)
        return await super().recognise(tracking, data, index, where)


async def test_a_reset_mid_frame_gives_the_next_source_the_numbers_of_analyze(
    aiohttp_client, config
):
    """The page resets when its source changes (camera -> photo); a frame of the old
    source still being recognised must not leave its faces behind."""
    client = await aiohttp_client(make_app(config, SlowPool(config)))
    photo = jpeg(support.face_frame(3))
    expected = await (await client.post("/api/analyze", data=photo)).json()
    ws = await client.ws_connect("/ws")
    await ws.receive_json()  # hello
    await ws.send_bytes(frame(1, support.face_frame(1)))  # the camera: one face, centred
    await asyncio.sleep(0.2)
    await ws.send_bytes(frame(2, support.face_frame(1)))
    await asyncio.sleep(0.1)  # frame 1 is in hand, frame 2 waits
    await ws.send_str('{"type": "reset"}')  # a photo is opened
    await ws.send_bytes(struct.pack(">I", 3) + photo)
    first, second = await ws.receive_json(), await ws.receive_json()
    assert (first["frame"], second["frame"]) == (1, 3)  # frame 2 was the old source's
    served = sorted(second["faces"], key=lambda f: f["box"][0])
    alone = sorted(expected["faces"], key=lambda f: f["box"][0])
    assert [f["face"] for f in served] == [f["face"] for f in alone]
    for a, b in zip(served, alone, strict=True):
        assert a["box"] == b["box"] and a["label"] == b["label"]
        for emotion, p in b["probabilities"].items():
            assert a["probabilities"][emotion] == pytest.approx(p, abs=1e-5)
    assert second["dropped"] == 0  # frame 2 was dropped on purpose, not for being late
    await ws.close()


async def test_the_newest_frame_wins_and_fast_clients_are_limited(
    aiohttp_client, config, monkeypatch
):
    client = await aiohttp_client(make_app(replace(config, limits=Limits(max_fps=1000))))
    ws = await client.ws_connect("/ws")
    await ws.receive_json()
    image = support.face_frame(3)
    for number in range(1, 41):  # far faster than one worker recognises them
        await ws.send_bytes(frame(number, image))
    answered = []
    while not answered or answered[-1]["frame"] != 40:
        answered.append(await asyncio.wait_for(ws.receive_json(), 30))
    assert len(answered) < 40 and answered[-1]["dropped"] == 40 - len(answered)
    await ws.close()
    starts: list[float] = []  # when each recognition began, as the server saw it
    recognise = RecognitionPool.recognise

    async def timed(self, *args, **kwargs):
        starts.append(time.monotonic())
        return await recognise(self, *args, **kwargs)

    monkeypatch.setattr(RecognitionPool, "recognise", timed)
    slow = await aiohttp_client(make_app(replace(config, limits=Limits(max_fps=2))))
    ws = await slow.ws_connect("/ws")
    await ws.receive_json()
    for number in (1, 2):  # the first recognitions warm the model up, however long
        await ws.send_bytes(frame(number, image))
        assert (await asyncio.wait_for(ws.receive_json(), 30))["frame"] == number
    for number in range(3, 13):  # ten at once, right after an answer, at two a second
        await ws.send_bytes(frame(number, image))
    later = await asyncio.wait_for(ws.receive_json(), 30)
    assert later["frame"] == 12 and later["dropped"] == 9  # the newest waited its turn
    assert len(starts) == 3 and min(b - a for a, b in itertools.pairwise(starts)) >= 0.49
    await ws.close()


async def test_clients_beyond_the_limit_are_told_and_closed(aiohttp_client, config):
    client = await aiohttp_client(make_app(replace(config, limits=Limits(max_clients=1))))
    first = await client.ws_connect("/ws")
    await first.receive_json()
    second = await client.ws_connect("/ws")
    refusal = await second.receive_json()
    assert refusal["type"] == "error" and "1 clients" in refusal["message"]
    closing = await second.receive()
    assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED) and second.close_code == 1013
    await first.send_bytes(frame(1, support.face_frame(1)))  # the first goes on
    assert (await first.receive_json())["type"] == "result"
    await first.close()


async def test_a_client_that_leaves_mid_frame_does_not_hurt(client):
    ws = await client.ws_connect("/ws")
    await ws.receive_json()
    await ws.send_bytes(frame(1, support.face_frame(3)))
    await ws.close()  # before the answer
    await asyncio.sleep(0.5)
    assert (await client.get("/api/health")).status == 200
    again = await client.ws_connect("/ws")
    assert (await again.receive_json())["type"] == "hello"
    await again.close()


def test_serve_refuses_bad_options(capsys):
    assert cli_main(["serve", "--host", "0.0.0.0", "--token", "short"]) == 1
    assert "--token" in capsys.readouterr().err
    assert cli_main(["serve", "--port", "70000"]) == 1
    assert "--port" in capsys.readouterr().err
