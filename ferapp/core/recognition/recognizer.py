"""A frame's whole way through ferapp: detect, classify, track and smooth, record, draw.

:class:`Recognizer` is the one thing the window's inference worker, ``ferapp analyze``,
the batch runner and the web server call per frame, so they all follow one rule for
tracking (a new stream, a rewind or a separate photo starts afresh) and give the same
numbers for the same frame.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ferapp.core.faces.certainty import DEFAULT_MAX_YAW, DEFAULT_MIN_CONFIDENCE, Certainty
from ferapp.core.faces.results import FrameResult
from ferapp.core.faces.tracking import FaceTracker, check_smoothing
from ferapp.core.output.colors import RGB
from ferapp.core.output.drawing import draw_faces
from ferapp.core.output.writers import Recorder
from ferapp.core.recognition.pipeline import Pipeline


@dataclass(frozen=True)
class Recognition:
    """One frame's results and, when asked for, the frame with its boxes drawn."""

    result: FrameResult
    annotated: np.ndarray | None


class Recognizer:
    """Pipeline + per-face tracker + optional recorders + drawing.

    ``smoothing`` averages each tracked face's probabilities over frames of a stream (0 =
    off; faces are still tracked, so their numbers stay the same across frames).
    ``min_confidence`` and ``max_yaw`` mark faces uncertain (:mod:`ferapp.core.faces.certainty`).
    Recorders may be swapped from another thread (:meth:`set_recorder`); everything else
    belongs to the thread that calls :meth:`process`.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        smoothing: float = 0.0,
        palette: Mapping[str, RGB] | None = None,
        landmarks: bool = False,
        recorders: tuple[Recorder, ...] = (),
        min_confidence: float | None = None,
        max_yaw: float = DEFAULT_MAX_YAW,
    ) -> None:
        self.pipeline = pipeline
        self.min_confidence = min_confidence  # None: the model's calibrated threshold
        self.max_yaw = max_yaw
        self.current_certainty()  # refuses limits out of range at once
        self.tracker = FaceTracker(check_smoothing(smoothing))
        self.palette = dict(palette) if palette is not None else None
        self.landmarks = landmarks
        self._recorders = tuple(recorders)
        self._lock = threading.Lock()
        self._last: tuple[str, int] = ("", -1)

    @property
    def class_names(self) -> tuple[str, ...]:
        classifier = self.pipeline.classifier
        return classifier.class_names if classifier is not None else ()

    def set_smoothing(self, strength: float) -> None:
        if strength != self.tracker.strength:
            self.tracker = FaceTracker(check_smoothing(strength))

    def set_recorders(self, recorders: tuple[Recorder, ...]) -> tuple[Recorder, ...]:
        """Replace the recorders (any thread); returns the previous ones, which get no more rows."""
        with self._lock:
            previous, self._recorders = self._recorders, tuple(recorders)
        return previous

    def process(
        self,
        image: np.ndarray,
        name: str = "",
        index: int = 0,
        time_ms: float = 0.0,
        stream: bool = True,
        draw: bool = False,
    ) -> Recognition:
        """Recognise one frame of source ``name``; ``stream`` says frames belong to one scene
        over time (a video or a camera), where faces are tracked from frame to frame."""
        result = self.pipeline.process(image)
        if not stream or name != self._last[0] or index <= self._last[1]:
            self.tracker.reset()  # a new source, a rewind, or a separate photo
        self._last = (name, index)
        faces = self.tracker.update(result.faces, self.class_names)
        result = replace(result, faces=self.current_certainty().mark(faces))
        with self._lock:
            for recorder in self._recorders:
                recorder.write(name, index, time_ms, result)
        annotated = self.draw(image, result) if draw else None
        return Recognition(result, annotated)

    def current_certainty(self) -> Certainty:
        """The limits in force: ``min_confidence`` when set, else the model's calibrated
        threshold, else the default; and ``max_yaw``."""
        threshold = self.min_confidence
        classifier = self.pipeline.classifier
        if threshold is None and classifier is not None:
            threshold = classifier.min_confidence
        return Certainty(DEFAULT_MIN_CONFIDENCE if threshold is None else threshold, self.max_yaw)

    def draw(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        """A copy of ``image`` with every face's box, number, label (and landmarks) drawn."""
        return draw_faces(image.copy(), result.faces, self.palette, self.landmarks)
