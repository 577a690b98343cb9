"""Frames from many clients, recognised by a few workers.

Each worker thread owns a detector and a model instance (neither may be used by two
threads at once); each client owns a :class:`~ferapp.core.recognition.recognizer.Recognizer`, whose
tracker and smoothing follow that client's faces only. A frame borrows a free worker's
pipeline for the time it takes.
"""

from __future__ import annotations

import asyncio
import queue
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ferapp.core.detect.factory import create_detector
from ferapp.core.errors import SourceError
from ferapp.core.faces.results import FrameResult
from ferapp.core.locations import resolve_model_path
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.recognition.pipeline import Pipeline
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.sources.images import decode_image
from ferapp.server.config import ServerConfig


class RecognitionPool:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        model = resolve_model_path(config.model or None)
        self._free: queue.SimpleQueue[Pipeline] = queue.SimpleQueue()
        for _ in range(max(1, config.workers)):
            classifier = EmotionClassifier.load(model, threads=1)
            self._free.put(Pipeline(create_detector(config.detector), classifier, config.crop))
        self.model_name = model.name
        self.classifier = classifier
        self.executor = ThreadPoolExecutor(max(1, config.workers), "ferapp-recognise")

    def _certainty(self) -> dict:
        return {"min_confidence": self.config.min_confidence, "max_yaw": self.config.max_yaw}

    def new_recognizer(self) -> Recognizer:
        """A client's own tracker and smoothing; its pipeline is lent per frame."""
        pipeline = self._free.get()
        self._free.put(pipeline)
        return Recognizer(pipeline, smoothing=self.config.smoothing, **self._certainty())

    async def recognise(
        self, recognizer: Recognizer | None, data: bytes, index: int = 0, where: str = "frame"
    ) -> tuple[FrameResult, tuple[int, int]]:
        """Decode and recognise one image; ``recognizer`` None: a separate photo, untracked."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._run, recognizer, data, index, where)

    def _run(
        self, recognizer: Recognizer | None, data: bytes, index: int, where: str
    ) -> tuple[FrameResult, tuple[int, int]]:
        image = self._decode(data, where)
        pipeline = self._free.get()
        try:
            stream = recognizer is not None
            # a photo: as `ferapp analyze` does
            recognizer = recognizer or Recognizer(pipeline, **self._certainty())
            recognizer.pipeline = pipeline
            result = recognizer.process(image, "client", index, stream=stream).result
            return result, image.shape[:2]
        finally:
            self._free.put(pipeline)

    def _decode(self, data: bytes, where: str) -> np.ndarray:
        image = decode_image(data, where)
        height, width = image.shape[:2]
        if height * width > self.config.limits.max_frame_pixels:
            raise SourceError(
                f"{where} is {width}x{height}; the server takes at most "
                f"{self.config.limits.max_frame_pixels / 1e6:.1f} megapixels"
            )
        return image

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
