"""Listing the cameras a user can pick, with names where the system can tell them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import cv2
from PySide6.QtCore import QObject, Signal

from ferapp.core.sources.captures import opencv_quiet

PROBE_INDICES = range(4)


def _qt_names() -> list[str]:
    """Camera names from QtMultimedia when that optional module (PySide6-Addons) works."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return []
    return [device.description() for device in QMediaDevices.videoInputs()]


def _linux_cameras() -> list[tuple[int, str]]:
    found = []
    for node in sorted(Path("/sys/class/video4linux").glob("video*")):
        try:
            index = int(node.name.removeprefix("video"))
            name = (node / "name").read_text().strip()
        except (OSError, ValueError):
            continue
        found.append((index, name))
    return found


def list_cameras() -> list[tuple[int, str]]:
    """(index, name) of each camera OpenCV can open by number."""
    if sys.platform.startswith("linux"):
        return _linux_cameras()
    names = _qt_names()
    cameras = []
    for index in PROBE_INDICES:
        with opencv_quiet():
            capture = cv2.VideoCapture(index)
        if capture.isOpened():
            cameras.append((index, names[index] if index < len(names) else f"camera {index}"))
        capture.release()
    return cameras


class CameraSearch(QObject):
    """Lists cameras on a worker thread (opening each one can take seconds on Windows and
    macOS) and hands the list to the UI thread through ``found``."""

    found = Signal(list)

    def __init__(self, lister: Callable[[], list[tuple[int, str]]]) -> None:
        super().__init__()
        self.lister = lister

    def run(self) -> None:
        try:
            cameras = self.lister()
        except Exception:  # a failed probe means no camera to offer
            cameras = []
        self.found.emit(cameras)
