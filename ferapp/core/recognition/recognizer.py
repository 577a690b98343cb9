"""A frame's whole way through ferapp: detect, classify, track and smooth, record, draw.

:class:`Recognizer` is the one thing the window's inference worker, ``ferapp analyze``,
the batch runner and the web server call per frame, so they all follow one rule for
tracking (a new stream, a rewind, a scene cut or a separate photo starts afresh) and
give the same numbers for the same frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from ferapp.core.detect.factory import create_detector
from ferapp.core.faces.certainty import DEFAULT_MIN_CONFIDENCE, Certainty
from ferapp.core.faces.results import FaceResult, FrameResult
from ferapp.core.faces.tracking import FaceTracker, SceneCuts, check_smoothing
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.output.drawing import draw_faces
from ferapp.core.output.writers import Recorder
from ferapp.core.recognition.pipeline import Pipeline
from ferapp.core.recognition.reuse import LiveReuse
from ferapp.core.recognition.settings import RecognitionSettings


@dataclass(frozen=True)
class Recognition:
    """One frame's results and, when asked for, the frame with its boxes drawn."""

    result: FrameResult
    annotated: np.ndarray | None


class Tracking:
    """One stream's faces over time: their tracks and smoothed probabilities, and which
    frame of which source came last. A new source, a rewind, a scene cut or a separate
    photo starts afresh (a cut with new numbers), so a number never passes from one
    person to another."""

    def __init__(
        self, smoothing: float, classify_every_ms: float = 0.0, detect_every_ms: float = 0.0
    ) -> None:
        self.tracker = FaceTracker(smoothing)
        self.recent: LiveReuse | None = None
        self.set_reuse(classify_every_ms, detect_every_ms)
        self.cuts = SceneCuts()
        self.cut_count = 0  # scene cuts seen in this stream's life (tests and logs)
        self._last: tuple[str, int] = ("", -1)
        self._before = self.tracker.snapshot()  # the tracks before the last frame

    def reset(self) -> None:
        """Forget every face, what may be reused, and the last frame: numbers start again."""
        self.tracker.reset()
        if self.recent is not None:
            self.recent.reset()
        self.cuts.reset()
        self._last = ("", -1)

    def set_reuse(self, classify_every_ms: float, detect_every_ms: float) -> None:
        """What a live view may reuse (0 and 0: nothing; every frame from scratch)."""
        now = (self.recent.classify_every_ms, self.recent.detect_every_ms) if self.recent else None
        if now != (classify_every_ms, detect_every_ms):
            live = classify_every_ms > 0 or detect_every_ms > 0
            self.recent = LiveReuse(classify_every_ms, detect_every_ms) if live else None

    def begin(
        self,
        name: str,
        index: int,
        stream: bool,
        image: np.ndarray | None = None,
        again: bool = False,
    ) -> None:
        """Frame ``index`` of source ``name`` (``image``, when given, is checked for a scene
        cut) comes next: a new source, a rewind, a cut or a separate photo starts afresh.
        ``again``: the last frame once more (new settings or model), from the tracks as
        they were before it, with nothing reused."""
        if again and (name, index) == self._last:
            self.tracker.restore(self._before)
            if self.recent is not None:
                self.recent.reset()
            return
        if not stream or name != self._last[0] or index <= self._last[1]:
            self.reset()
        if image is not None and stream and self.cuts.is_cut(image):
            self.cut_count += 1  # new people: new numbers, nothing of the last scene reused
            self.tracker.cut()
            if self.recent is not None:
                self.recent.reset()
        self._last = (name, index)
        self._before = self.tracker.snapshot()

    def new_scene(self) -> None:
        """What is seen changed at once (a view mirrored, say): new numbers from the next
        frame, done again or not, and nothing of the last one reused."""
        self.tracker.cut()
        if self.recent is not None:
            self.recent.reset()
        self._before = self.tracker.snapshot()

    def set_smoothing(self, strength: float) -> None:
        """A new strength from the next frame; the faces keep their numbers."""
        self.tracker.strength = check_smoothing(strength)

    def forget_probabilities(self) -> None:
        """Another model: nothing it did not classify itself is reused or averaged in."""
        if self.recent is not None:
            self.recent.reset()
        self.tracker.forget_probabilities()
        tracks, next_id = self._before
        self._before = ([replace(t, probs=np.zeros(0)) for t in tracks], next_id)

    def follow(
        self, faces: tuple[FaceResult, ...], class_names: tuple[str, ...]
    ) -> tuple[FaceResult, ...]:
        """Number and smooth the faces of the frame :meth:`begin` announced."""
        return self.tracker.update(faces, class_names)


class Recognizer:
    """Pipeline + tracking + optional recorders + drawing, set up by one
    :class:`RecognitionSettings`.

    Build it with :meth:`from_settings`; change it with :meth:`apply`. A stream's tracking
    is its own (:meth:`new_tracking`), so many streams (a server's clients) may share one
    pipeline. Recorders may be swapped from another thread (:meth:`set_recorders`);
    everything else belongs to the thread that calls :meth:`process`.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        settings: RecognitionSettings | None = None,
        recorders: tuple[Recorder, ...] = (),
    ) -> None:
        self.settings = settings or RecognitionSettings()
        self.pipeline = pipeline
        self.pipeline.crop = self.settings.crop
        self.tracking = self.new_tracking()
        self._recorders = tuple(recorders)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: RecognitionSettings,
        classifier: EmotionClassifier | None,
        recorders: tuple[Recorder, ...] = (),
    ) -> Recognizer:
        """The detector ``settings`` name, with ``classifier`` (None: faces only)."""
        detector = create_detector(settings.detector)
        return cls(Pipeline(detector, classifier, settings.crop), settings, recorders)

    def apply(self, settings: RecognitionSettings) -> None:
        """Use ``settings`` from the next frame; a detector that cannot be made raises
        DetectorError and leaves everything as it was."""
        if settings.detector != self.pipeline.detector.settings:
            self.pipeline.detector = create_detector(settings.detector)
        self.pipeline.crop = settings.crop
        self.tracking.set_smoothing(settings.smoothing)
        self.tracking.set_reuse(settings.classify_every_ms, settings.detect_every_ms)
        self.settings = settings

    def set_classifier(self, classifier: EmotionClassifier | None) -> None:
        """Classify with ``classifier`` from the next frame; nothing the previous one
        classified is reused."""
        if classifier is not self.pipeline.classifier:
            self.pipeline.classifier = classifier
            self.tracking.forget_probabilities()

    def new_tracking(self) -> Tracking:
        """A fresh stream's tracking, with these settings' smoothing."""
        s = self.settings
        return Tracking(s.smoothing, s.classify_every_ms, s.detect_every_ms)

    @property
    def class_names(self) -> tuple[str, ...]:
        classifier = self.pipeline.classifier
        return classifier.class_names if classifier is not None else ()

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
        tracking: Tracking | None = None,
        again: bool = False,
        clock_ms: float | None = None,
    ) -> Recognition:
        """Recognise one frame of source ``name``; ``stream`` says frames belong to one scene
        over time (a video or a camera), where faces are tracked from frame to frame (until
        a scene cut); ``tracking``: that stream's own (default: this recognizer's).
        ``again``: the frame processed last, once more with new settings or another model
        (a paused view): tracked as it was the first time, and not recorded twice.
        ``clock_ms``: when the frame was captured, for what a live view reuses (default:
        ``time_ms``; a live view gives its wall clock, which a file's timestamps may not
        follow)."""
        tracking = tracking or self.tracking
        tracking.begin(name, index, stream, image, again)
        result = self.pipeline.process(
            image, tracking.recent, time_ms if clock_ms is None else clock_ms
        )
        faces = tracking.follow(result.faces, self.class_names)
        result = replace(result, faces=self.current_certainty().mark(faces))
        with self._lock:
            for recorder in () if again else self._recorders:
                recorder.write(name, index, time_ms, result)
        annotated = self.draw(image, result) if draw else None
        return Recognition(result, annotated)

    def current_certainty(self) -> Certainty:
        """The limits in force: ``min_confidence`` when set, else the model's calibrated
        threshold, else the default; and ``max_yaw``."""
        threshold = self.settings.min_confidence
        classifier = self.pipeline.classifier
        if threshold is None and classifier is not None:
            threshold = classifier.min_confidence
        return Certainty(
            DEFAULT_MIN_CONFIDENCE if threshold is None else threshold, self.settings.max_yaw
        )

    def draw(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        """A copy of ``image`` with every face's box, number, label (and landmarks) drawn."""
        s = self.settings
        return draw_faces(image.copy(), result.faces, s.palette, s.landmarks, blur=s.blur_faces)
