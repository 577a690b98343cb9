"""Timelines of an analysed video: each tracked face's emotions over time, as a picture.

Read from a result JSON (``ferapp analyze --json`` or a batch's ``<name>.json``): per
tracked face, the probability of each emotion at each frame (already smoothed when the
run smoothed), and the dominant emotion as a coloured band under the curves. The
window's result viewer draws the same data itself.
"""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ferapp.core.errors import FerappError
from ferapp.core.files import write_bytes_atomic
from ferapp.core.output.colors import resolve_palette, to_hex

MAX_FACES_DRAWN = 6  # the faces seen longest; more would make the picture unreadable


@dataclass
class FaceTimeline:
    face: int
    times_s: list[float] = field(default_factory=list)
    probabilities: list[list[float]] = field(default_factory=list)  # per frame, per class

    def dominant(self) -> list[int]:
        return [int(np.argmax(p)) for p in self.probabilities]


@dataclass
class Timeline:
    source: str
    class_names: list[str]
    faces: list[FaceTimeline]
    duration_s: float


def read_timeline(result_json: Path) -> Timeline:
    """Per-face series from a result JSON; FerappError when the file is not one."""
    try:
        data = json.loads(Path(result_json).read_text(encoding="utf-8"))
        names = data["class_names"]
        faces: dict[int, FaceTimeline] = {}
        duration = 0.0
        for frame in data["frames"]:
            t = frame["time_ms"] / 1000.0 or frame["frame"] / 30.0
            duration = max(duration, t)
            for face in frame["faces"]:
                series = faces.setdefault(face["face"], FaceTimeline(face["face"]))
                series.times_s.append(t)
                series.probabilities.append([face["probabilities"].get(n, 0.0) for n in names])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FerappError(f"{result_json} is not a ferapp result file ({exc})") from exc
    ordered = sorted(faces.values(), key=lambda f: -len(f.times_s))
    return Timeline(data.get("source", str(result_json)), names, ordered, duration)


def render_timeline_png(timeline: Timeline) -> bytes:
    """The timeline as a PNG (matplotlib, headless)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    palette = {k: to_hex(v) for k, v in resolve_palette().items()}
    faces = timeline.faces[:MAX_FACES_DRAWN]
    rows = max(1, len(faces))
    figure, axes = plt.subplots(rows, 1, figsize=(10, 1.9 * rows + 0.8), sharex=True, squeeze=False)
    rgb = np.array(
        [matplotlib.colors.to_rgb(palette.get(n, "#888888")) for n in timeline.class_names]
    )
    for ax, face in zip(axes[:, 0], faces, strict=False):
        t, p = _binned(np.asarray(face.times_s), np.asarray(face.probabilities))
        for i, name in enumerate(timeline.class_names):
            ax.plot(t, p[:, i], color=rgb[i], lw=1.4, label=name)
        band = rgb[p.argmax(axis=1)][None]  # the dominant emotion as a band under the curves
        ax.imshow(band, extent=(t[0], t[-1] + 1e-3, -0.1, -0.02), aspect="auto", origin="lower")
        ax.set_ylim(-0.1, 1.02)
        ax.set_xlim(0, max(timeline.duration_s, 1e-3))
        ax.set_ylabel(f"face {face.face}")
        ax.grid(alpha=0.3)
    if not faces:
        axes[0, 0].text(0.5, 0.5, "no face found", ha="center", va="center")
    axes[-1, 0].set_xlabel("time (s)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False)
    figure.suptitle(Path(timeline.source).name, y=0.995, fontsize=10, x=0.01, ha="left")
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()


def _binned(t: np.ndarray, p: np.ndarray, most: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` points: means over equal runs of frames (an hour is 108,000)."""
    if len(t) <= most:
        return t, p
    edges = np.linspace(0, len(t), most + 1).astype(int)
    return (
        np.array([t[a:b].mean() for a, b in itertools.pairwise(edges)]),
        np.array([p[a:b].mean(axis=0) for a, b in itertools.pairwise(edges)]),
    )


def write_timeline(result_json: Path, png: Path) -> Path:
    write_bytes_atomic(png, render_timeline_png(read_timeline(result_json)))
    return png
