"""`ferapp serve` over loopback: round trip of one frame, and throughput with many clients.

    python benchmarks/serve_load.py [--seconds 10] [--clients 1 2 4 8] [--fps 15]

Starts the server (default model and detector, two workers) as its own process and
sends it what the page sends: 480x360 JPEG frames of the five-person scene.

1. Round trip: one client sends a frame, waits for its result, and again (200 times,
   spaced 50 ms apart as a server answers a client at most 30 times a second); median
   and 95th percentile. The thesis's web app took about 0.7 s per frame.
2. Throughput: N clients each send 15 frames a second for --seconds; frames answered
   per second in all, frames dropped (answered neither by a result nor in time), and
   the server's memory before and after. Every phase ends by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
from aiohttp import ClientSession  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def page_frame() -> bytes:
    from tests.support import crowd_frame

    frame = cv2.resize(crowd_frame(0.3), (480, 360), interpolation=cv2.INTER_AREA)
    _, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return data.tobytes()


async def round_trips(url: str, jpeg: bytes, count: int) -> list[float]:
    times = []
    async with ClientSession() as session, session.ws_connect(url) as ws:
        await ws.receive_json()
        for number in range(1, count + 1):
            await asyncio.sleep(0.05)  # slower than the server's 30 frames/s per client
            started = time.perf_counter()
            await ws.send_bytes(struct.pack(">I", number) + jpeg)
            while (await ws.receive_json()).get("frame") != number:
                pass
            times.append((time.perf_counter() - started) * 1e3)
    return times


async def client(url: str, jpeg: bytes, fps: float, seconds: float) -> tuple[int, int]:
    """(frames sent, frames answered) for one client sending at ``fps``."""
    sent = answered = 0
    async with ClientSession() as session, session.ws_connect(url) as ws:
        await ws.receive_json()

        async def receive() -> None:
            nonlocal answered
            async for message in ws:
                if message.json().get("type") == "result":
                    answered += 1

        reader = asyncio.create_task(receive())
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sent += 1
            await ws.send_bytes(struct.pack(">I", sent) + jpeg)
            await asyncio.sleep(1.0 / fps)
        await asyncio.sleep(0.5)  # the last answers
        reader.cancel()
    return sent, answered


async def throughput(url: str, jpeg: bytes, clients: int, fps: float, seconds: float):
    results = await asyncio.gather(*(client(url, jpeg, fps, seconds) for _ in range(clients)))
    sent = sum(s for s, _ in results)
    answered = sum(a for _, a in results)
    return sent, answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--round-trips", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ferapp", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert "open http" in server.stdout.readline()
        url = f"http://127.0.0.1:{port}/ws"
        jpeg = page_frame()
        times = asyncio.run(round_trips(url, jpeg, args.round_trips))
        times.sort()
        print(
            f"round trip of one 480x360 JPEG frame ({len(jpeg) / 1000:.0f} KB, five faces), "
            f"{len(times)} in a row: median {statistics.median(times):.1f} ms, 95th percentile "
            f"{times[int(len(times) * 0.95) - 1]:.1f} ms (the thesis's web app: about 700 ms)"
        )
        print(
            "\n| clients at 15 fps | frames sent | answered per second | dropped | server memory before -> after |"
        )
        print("|---:|---:|---:|---:|---|")
        for count in args.clients:
            before = rss_mb(server.pid)
            sent, answered = asyncio.run(throughput(url, jpeg, count, args.fps, args.seconds))
            after = rss_mb(server.pid)
            print(
                f"| {count} | {sent} | {answered / args.seconds:.1f} | {sent - answered} "
                f"({(sent - answered) / max(sent, 1):.0%}) | {before:.0f} -> {after:.0f} MB |"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
