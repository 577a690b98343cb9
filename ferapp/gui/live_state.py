"""What the Live tab knows about its source, without Qt: state, rate, the readout and the
notes it shows when a source stops.

The tab feeds it events (opened, ended, a result painted, paused) and shows what it says;
tests drive it directly, without a window or threads.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

STATES = ("starting", "playing", "paused", "ended", "lost", "failed")
STATE_WORDS = {"paused": "paused", "ended": "ended", "lost": "camera lost", "failed": "failed"}
RATE_WINDOW = 30  # painted frames the rate is measured over


class RateMeter:
    """Events per second over the last ``window`` events; forgets on :meth:`reset`."""

    def __init__(self, window: int = RATE_WINDOW) -> None:
        self._times: deque[float] = deque(maxlen=window)

    def tick(self, now: float) -> None:
        self._times.append(now)

    def reset(self) -> None:
        self._times.clear()

    @property
    def rate(self) -> float:
        if len(self._times) < 2 or self._times[-1] <= self._times[0]:
            return 0.0
        return (len(self._times) - 1) / (self._times[-1] - self._times[0])


@dataclass
class Shown:
    """What the readout says of the newest painted result."""

    name: str  # the picture's file name (folders) or ""
    infer_ms: float
    faces: int
    dropped: int


@dataclass
class LiveState:
    """The source's state and what the status bar says about it."""

    state: str = "starting"
    paused: bool = False
    source_name: str = ""
    source_kind: str = ""
    skipped: list[str] = field(default_factory=list)  # unreadable files of a folder
    shown: Shown | None = None
    meter: RateMeter = field(default_factory=RateMeter)

    def opened(self, name: str, kind: str) -> None:
        self.source_name = Path(name).name or name
        self.source_kind = kind
        self.skipped = []
        self.shown = None
        self.meter.reset()
        self.state = "paused" if self.paused else "playing"

    def stopped(self, state: str) -> None:
        """The source ended, was lost or failed: no rate to show until frames flow again."""
        assert state in ("ended", "lost", "failed"), state
        self.state = state
        self.meter.reset()

    def painted(self, shown: Shown, now: float | None = None, again: bool = False) -> None:
        """A result was painted; ``again``: the last frame redone (no new frame to count)."""
        self.shown = shown
        if again:
            return
        self.meter.tick(time.perf_counter() if now is None else now)
        if self.state in ("lost", "starting"):
            self.state = "playing"

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.meter.reset()  # the rate after resuming counts from the first new frame
        if self.state in ("playing", "paused"):
            self.state = "paused" if paused else "playing"

    @property
    def fps(self) -> float:
        return self.meter.rate

    @property
    def where(self) -> str:
        """What is being read: the source's name, or a folder's picture being shown."""
        shown = self.shown
        return shown.name if shown and self.source_kind == "folder" else self.source_name

    def readout(self) -> str:
        """What flows (rate, model time, faces), or why nothing flows; numbers only, so
        they are never cut: the name is :attr:`where`."""
        shown = self.shown
        if self.state == "playing" and shown is not None:
            fps = f"{self.fps:.1f} fps" if self.fps else "measuring"
            rate = f"{fps}  |  inference {shown.infer_ms:.1f} ms"
        else:
            rate = STATE_WORDS.get(self.state, self.state)
        faces = f"faces {shown.faces}  |  dropped {shown.dropped}" if shown else ""
        return "  |  ".join(part for part in (rate, faces) if part)


def stopped_texts(state: str, why: str, skipped: list[str]) -> tuple[str, str, int]:
    """For a source that ``state`` (ended, failed, lost) because of ``why``: the note over
    the frame, the status bar's message and for how many ms (0: until replaced)."""
    why = why[:1].upper() + why[1:]
    if state == "failed":
        steps = "File > Open video (Ctrl+O) or Open image folder (Ctrl+Shift+O), or pick"
        return f"{why}\n\n{steps} another camera in Settings (Ctrl+,).", why, 10000
    if state == "lost":
        return f"{why}.", why, 0
    more = f" Skipped {len(skipped)} unreadable file(s)." if skipped else ""
    note = f"{why}.{more} Replay (R), or open another source from the File menu."
    return note, f"{why}.{more} Press R to replay.", 0


def retry_text(seconds: int) -> str:
    """The countdown before a lost camera is tried again (0: trying now)."""
    if not seconds:
        return "Camera lost: trying to reconnect..."
    return f"Camera lost: trying again in {seconds} s (File > Reconnect camera to try now)"
