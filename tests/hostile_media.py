"""Hostile media the tests make by hand: photos stored turned with an EXIF orientation tag,
MP4 videos with a variable frame rate, and .keras archives with odd zip members."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import cv2
import numpy as np

# How a camera held sideways stores an upright scene, by EXIF orientation: a viewer turns
# the stored pixels back (6: a quarter turn clockwise, 8: anticlockwise, 3: a half turn).
STORED_TURN = {
    3: cv2.ROTATE_180,
    6: cv2.ROTATE_90_COUNTERCLOCKWISE,
    8: cv2.ROTATE_90_CLOCKWISE,
}


def jpeg_with_orientation(path: Path, upright: np.ndarray, orientation: int) -> Path:
    """A JPEG of ``upright`` stored turned, with the EXIF tag (0x0112) that says so."""
    ok, encoded = cv2.imencode(".jpg", cv2.rotate(upright, STORED_TURN[orientation]))
    assert ok
    entry = struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)  # tag, SHORT, count, value
    tiff = b"MM\x00\x2a" + struct.pack(">IH", 8, 1) + entry + struct.pack(">I", 0)
    app1 = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    data = encoded.tobytes()
    path.write_bytes(data[:2] + segment + data[2:])  # right after the start-of-image marker
    return path


_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _boxes(data: bytes) -> list[list]:
    boxes, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + size]
        boxes.append([kind, _boxes(body) if kind in _CONTAINERS else body])
        offset += size
    return boxes


def _bytes(boxes: list[list]) -> bytes:
    out = b""
    for kind, body in boxes:
        payload = _bytes(body) if kind in _CONTAINERS else body
        out += struct.pack(">I4s", len(payload) + 8, kind) + payload
    return out


def _timescale(boxes: list[list]) -> int:
    """The track's clock rate (ticks a second), from its media header (mdhd)."""
    for kind, body in boxes:
        if kind == b"mdhd":
            assert body[0] == 0, "mdhd version 0 expected"
            return struct.unpack(">I", body[12:16])[0]
        if kind in _CONTAINERS and (found := _timescale(body)):
            return found
    return 0


def _timed(boxes: list[list], ticks: list[int]) -> list[list]:
    """The boxes with one sample duration per frame (stts), as a phone's recorder writes."""
    out = []
    for kind, body in boxes:
        if kind == b"edts":  # the edit list spans the old duration: dropped
            continue
        if kind in _CONTAINERS:
            body = _timed(body, ticks)
        elif kind == b"mdhd":
            body = body[:16] + struct.pack(">I", sum(ticks)) + body[20:]
        elif kind == b"stts":
            entries = b"".join(struct.pack(">II", 1, t) for t in ticks)
            body = struct.pack(">II", 0, len(ticks)) + entries
        out.append([kind, body])
    return out


def variable_rate_mp4(path: Path, frames: list[np.ndarray], durations_ms: list[int]) -> Path:
    """An MP4 (MPEG-4 part 2, written by OpenCV) whose frames last ``durations_ms`` each:
    written at a constant rate, then its sample table (stts) given these durations."""
    height, width = frames[0].shape[:2]
    plain = path.with_name("constant-" + path.name)
    writer = cv2.VideoWriter(str(plain), cv2.VideoWriter_fourcc(*"mp4v"), 25, (width, height))
    assert writer.isOpened(), "this OpenCV cannot write MP4"
    for frame in frames:
        writer.write(frame)
    writer.release()
    boxes = _boxes(plain.read_bytes())
    assert [kind for kind, _ in boxes][-1] == b"moov", "the index is expected after the frames"
    scale = _timescale(boxes)
    path.write_bytes(_bytes(_timed(boxes, [ms * scale // 1000 for ms in durations_ms])))
    plain.unlink()
    return path


def set_member_fields(
    path: Path, name: str, *, flags: int | None = None, method: int | None = None
) -> Path:
    """Mark member ``name`` of a zip archive as encrypted (``flags`` 0x1) or packed with
    compression ``method``, in its local header and the central directory alike."""
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
        central = archive.start_dir
    data = bytearray(path.read_bytes())
    offset = central
    while data[offset : offset + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[offset + 28 : offset + 34])
        if data[offset + 46 : offset + 46 + name_len].decode() == name:
            break
        offset += 46 + name_len + extra_len + comment_len
    else:
        raise AssertionError(f"{name} not in the central directory")
    for field_at in (local + 6, offset + 8):  # general-purpose flags, then the method
        if flags is not None:
            data[field_at : field_at + 2] = struct.pack("<H", flags)
        if method is not None:
            data[field_at + 2 : field_at + 4] = struct.pack("<H", method)
    path.write_bytes(bytes(data))
    return path
