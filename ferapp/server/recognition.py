"""Frames from many clients, recognised by a few workers.

Each worker owns a :class:`~ferapp.core.recognition.recognizer.Recognizer` with its own
detector and model instance (neither may be used by two threads at once); each client owns
a :class:`~ferapp.core.recognition.recognizer.Tracking`, which follows that client's faces
only. A frame borrows a free worker's recognizer for the time it takes.
"""

from __future__ import annotations

import asyncio
import queue
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ferapp.core.errors import SourceError
from ferapp.core.faces.results import FrameResult
from ferapp.core.locations import resolve_model_path
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.recognition.recognizer import Recognizer, Tracking
from ferapp.core.sources.images import decode_image
from ferapp.server.config import ServerConfig


class RecognitionPool:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        model = resolve_model_path(config.model or None)
        self._free: queue.SimpleQueue[Recognizer] = queue.SimpleQueue()
        for _ in range(max(1, config.workers)):
            classifier = EmotionClassifier.load(model, threads=1)
            self._free.put(Recognizer.from_settings(config.recognition, classifier))
        self.model_name = model.name
        self.classifier = classifier
        self.executor = ThreadPoolExecutor(max(1, config.workers), "ferapp-recognise")

    def new_tracking(self) -> Tracking:
        """A client's own tracking of its faces."""
        return Tracking(self.config.recognition.smoothing)

    async def recognise(
        self, tracking: Tracking | None, data: bytes, index: int = 0, where: str = "frame"
    ) -> tuple[FrameResult, tuple[int, int]]:
        """Decode and recognise one image; ``tracking`` None: a separate photo, untracked."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._run, tracking, data, index, where)

    def _run(
        self, tracking: Tracking | None, data: bytes, index: int, where: str
    ) -> tuple[FrameResult, tuple[int, int]]:
        image = self._decode(data, where)
        recognizer = self._free.get()
        try:
            # a photo (no tracking of its own): as `ferapp analyze` does
            stream = tracking is not None
            tracking = tracking or recognizer.new_tracking()
            result = recognizer.process(image, "client", index, stream=stream, tracking=tracking)
            return result.result, image.shape[:2]
        finally:
            self._free.put(recognizer)

    def _decode(self, data: bytes, where: str) -> np.ndarray:
        mega = self.config.limits.max_frame_pixels / 1e6
        limit = f"{mega:.1f} megapixels" if mega >= 1 else f"{mega:.2g} megapixels"
        try:
            image = decode_image(data, where)
        except SourceError as exc:  # its words give the decoder's limit, not the server's
            if "megapixels" not in str(exc):
                raise
            raise SourceError(
                f"cannot decode {where}: not an image, a damaged file, or larger than the "
                f"server's limit of {limit}"
            ) from exc
        height, width = image.shape[:2]
        if height * width > self.config.limits.max_frame_pixels:
            raise SourceError(f"{where} is {width}x{height}; the server takes at most {limit}")
        return image

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
