"""Analysing one source from start to end into result files: what `ferapp analyze` and each
job of a batch do.

Outputs (CSV, JSON, annotated image/folder/video) appear at their paths only when the
run ends: complete, or with every frame done so far when it is interrupted. A run that
fails leaves files that were already at those paths as they were. No output may be the
input itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferapp.core.errors import FerappError, OutputError
from ferapp.core.output.annotated import AnnotatedOutput
from ferapp.core.output.counts import FrameCounts
from ferapp.core.output.rows import describe_detector
from ferapp.core.output.writers import Recorder, ResultCsvWriter, ResultJsonWriter
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.sources.frames import FrameSource


@dataclass(frozen=True)
class Outputs:
    """Where results go; None for those not wanted."""

    csv: Path | None = None
    json: Path | None = None
    annotate: Path | None = None
    landmarks: bool = False  # landmark columns in the CSV


@dataclass
class AnalysisResult:
    summary: FrameCounts
    seconds: float
    interrupted: bool = False
    ended_early: bool = False  # a video stopped before its declared length
    warnings: list[str] = field(default_factory=list)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs_spare_input(source: FrameSource, outputs: Outputs) -> None:
    """Refuse outputs that would overwrite the input: the source file, the source folder,
    or one of its images."""
    if source.kind == "camera":
        return
    inputs = [Path(source.name), *getattr(source, "paths", [])]
    for output, path in (
        ("csv", outputs.csv),
        ("json", outputs.json),
        ("annotate", outputs.annotate),
    ):
        if path is not None and any(_same_file(path, origin) for origin in inputs):
            raise OutputError(
                output,
                f"{path} would overwrite the input being analysed; choose another "
                f"{'folder' if path.is_dir() else 'file'}",
            )


def analyze_source(
    source: FrameSource,
    recognizer: Recognizer,
    outputs: Outputs,
    header: dict[str, Any] | None = None,
    max_frames: int = 0,
    on_frame: Callable[[int], None] | None = None,
) -> AnalysisResult:
    """Run ``recognizer`` over every frame of ``source`` (at most ``max_frames``, 0 = all)
    and write the outputs. Ctrl-C ends the run with what was done; any error drops the
    outputs and is raised."""
    if max_frames < 0:
        raise FerappError(f"the frame limit must be 0 (all) or more, got {max_frames}")
    check_outputs_spare_input(source, outputs)
    names = recognizer.class_names
    summary = FrameCounts()
    detector = recognizer.pipeline.detector.settings.describe()
    recorders: list[Recorder] = [summary]
    annotated: AnnotatedOutput | None = None
    started = time.perf_counter()
    interrupted = False
    try:
        if outputs.csv:
            recorders.append(
                ResultCsvWriter(outputs.csv, names, outputs.landmarks, describe_detector(detector))
            )
        if outputs.json:
            recorders.append(
                ResultJsonWriter(outputs.json, names, {**(header or {}), "detector": detector})
            )
        if outputs.annotate:
            annotated = AnnotatedOutput(outputs.annotate, source)
        recognizer.set_recorders(tuple(recorders))
        try:
            for frame in source:
                seen = recognizer.process(
                    frame.image,
                    frame.name,
                    frame.index,
                    frame.time_ms,
                    stream=source.is_stream,
                    draw=annotated is not None,
                )
                if annotated is not None and seen.annotated is not None:
                    annotated.write(frame.name, seen.annotated)
                if on_frame:
                    on_frame(summary.frames)
                if max_frames and summary.frames >= max_frames:
                    break
        except KeyboardInterrupt:
            interrupted = True
        recognizer.set_recorders(())
        summary.skipped = [f"{path.name} ({why})" for path, why in source.skipped]
        result = AnalysisResult(summary, time.perf_counter() - started, interrupted)
        result.ended_early = bool(getattr(source, "ended_early", False)) and not max_frames
        if result.ended_early:
            result.warnings.append(
                f"{Path(source.name).name} ended after {summary.frames} frames, before the "
                f"{len(source)} its file declares: it is probably truncated"
            )
        for recorder in recorders:
            recorder.close(
                summary=summary.as_dict(),
                interrupted=interrupted,
                complete=not interrupted,
                seconds=round(result.seconds, 2),
            )
        if annotated is not None:
            annotated.close()
        return result
    except BaseException:
        recognizer.set_recorders(())
        for recorder in recorders:
            if hasattr(recorder, "discard"):
                recorder.discard()
        if annotated is not None:
            annotated.close(ok=False)
        raise
