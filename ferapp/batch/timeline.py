"""Timelines of an analysed video: each tracked face's emotions over time, as a picture;
for photos (an image or a folder of them), each photo's faces and a count of the labels.

Read from a result JSON (``ferapp analyze --json`` or a batch's ``<name>.json``): per
tracked face, the probability of each emotion at each frame (already smoothed when the
run smoothed), and the dominant emotion as a coloured band under the curves. Photos are
unrelated pictures, not a scene over time: they are listed, never drawn as a timeline.
The window's result viewer draws the same data itself.
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

MAX_FACES_DRAWN = 8  # the faces seen longest; the picture says how many more there are


@dataclass
class PhotoFace:
    face: int
    label: str
    confidence: float
    uncertain: str = ""

    def text(self) -> str:
        mark = "? " if self.uncertain else ""
        return f"{self.face}: {mark}{self.label} {self.confidence:.0%}"


@dataclass
class Photo:
    name: str
    faces: list[PhotoFace]


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
    photos: list[Photo] | None = None  # an image or a folder of them: no timeline

    def not_drawn(self) -> int:
        """How many of a video's faces the picture leaves out (those seen least)."""
        return max(0, len(self.faces) - MAX_FACES_DRAWN) if self.photos is None else 0


def read_timeline(result_json: Path) -> Timeline:
    """Per-face series from a result JSON; FerappError when the file is not one."""
    try:
        data = json.loads(Path(result_json).read_text(encoding="utf-8"))
        names = data["class_names"]
        faces: dict[int, FaceTimeline] = {}
        duration = 0.0
        frames = data["frames"]
        if _are_photos(frames):
            return Timeline(data.get("source", str(result_json)), names, [], 0.0, _photos(frames))
        for frame in frames:
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


def _are_photos(frames: list[dict]) -> bool:
    """Frames named after different files (a folder), or one untimed frame (an image)."""
    names = {frame.get("source") for frame in frames}
    return len(names) > 1 or (len(frames) == 1 and not frames[0]["time_ms"])


def _photos(frames: list[dict]) -> list[Photo]:
    return [
        Photo(
            str(frame.get("source", frame["frame"])),
            [
                PhotoFace(f["face"], f["label"], f["confidence"], f.get("uncertain") or "")
                for f in frame["faces"]
            ],
        )
        for frame in frames
    ]


TOP_INCHES = 0.95  # the title's line and the legend's line, above every plot


def render_timeline_png(timeline: Timeline) -> bytes:
    """The timeline as a PNG (matplotlib, headless); photos: their labels counted."""
    return _png(timeline_figure(timeline))


def timeline_figure(timeline: Timeline):
    """The matplotlib figure of :func:`render_timeline_png` (the caller closes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    palette = {k: to_hex(v) for k, v in resolve_palette().items()}
    if timeline.photos is not None:
        return _photos_figure(timeline, palette)
    faces = timeline.faces[:MAX_FACES_DRAWN]
    rows = max(1, len(faces))
    height = 1.6 * rows + TOP_INCHES + 0.6
    figure, axes = plt.subplots(rows, 1, figsize=(10, height), sharex=True, squeeze=False)
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
    title = f"{Path(timeline.source).name}: {len(timeline.faces)} face(s) tracked"
    if timeline.not_drawn():
        title += f"; the {len(faces)} seen longest shown, {timeline.not_drawn()} more not shown"
    handles, labels = axes[0, 0].get_legend_handles_labels()
    _top(figure, title, handles, labels, height)
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.55 / height, hspace=0.25)
    return figure


def _top(figure, title: str, handles: list, labels: list, height: float) -> None:
    """The title on the first line and the legend on the second, both above the plots."""
    figure.text(0.01, 1 - 0.3 / height, title, fontsize=10, ha="left", va="center")
    if handles:
        figure.legend(
            handles, labels, loc="center", bbox_to_anchor=(0.5, 1 - 0.68 / height),
            ncol=len(labels), frameon=False, fontsize=9,
        )  # fmt: skip
    figure.subplots_adjust(top=1 - TOP_INCHES / height)


def _photos_figure(timeline: Timeline, palette: dict[str, str]):
    """Photos: how many faces got each label, over every photo."""
    import matplotlib.pyplot as plt

    photos = timeline.photos or []
    labels = [f.label for photo in photos for f in photo.faces]
    names = timeline.class_names
    counts = [labels.count(n) for n in names]
    height = 3.6
    figure, ax = plt.subplots(figsize=(10, height))
    ax.barh(names[::-1], counts[::-1], color=[palette.get(n, "#888888") for n in names[::-1]],
            edgecolor="#555555")  # fmt: skip
    ax.set_xlabel("faces")
    ax.grid(axis="x", alpha=0.3)
    empty = sum(1 for p in photos if not p.faces)
    title = (
        f"{Path(timeline.source).name}: {len(labels)} face(s) in {len(photos)} photo(s)"
        + (f", {empty} without a face" if empty else "")
        + " (unrelated photos: counted, not drawn over time)"
    )
    _top(figure, title, [], [], height)
    figure.subplots_adjust(left=0.12, right=0.98, bottom=0.55 / height)
    return figure


def _png(figure) -> bytes:
    import matplotlib.pyplot as plt

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
