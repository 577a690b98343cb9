"""How a training run talks to whoever watches it: the window, the terminal, a script.

Keras-free (an import contract checks it), so the window can read it without loading
TensorFlow. It holds the catalogue a form needs (architectures, schedules,
augmentations), the events a run reports, how they travel as lines of a child
process's output, the stop request going the other way, and the run summary written
beside the model.

Wire format: with ``ferapp train --events``, every event is one stdout line
``ferapp-event {json}``; an error the run cannot go on from is an event of kind
``error`` (its message is the user's); writing ``stop`` and a newline to the child's
stdin ends the run after the current batch, keeping the best model.
"""

from __future__ import annotations

import json
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path
from typing import Any

# ------------------------------------------------------------------ the catalogue
ARCHITECTURE_NAMES = ("thesis1", "thesis2", "thesis3", "mini_xception", "fernet", "fernet_wide")
# Their parameter counts for 48x48x1 input and 7 classes (checked by the tests).
PARAMETER_COUNTS = {
    "thesis1": 493_063,
    "thesis2": 102_055,
    "thesis3": 1_485_831,
    "mini_xception": 58_423,
    "fernet": 1_094_335,
    "fernet_wide": 1_488_403,
}
# Architectures with a stride-2 convolution after a trainable layer: oneDNN's AVX-512
# training kernels crash on them (trainer/__init__), so they train with oneDNN limited
# to AVX2. The tests check this set against the built models.
GUARDED_ARCHITECTURES = frozenset({"mini_xception"})
SCHEDULES = ("plateau", "cosine")
# Training arithmetic: float32, or Keras's mixed bfloat16 (bfloat16 compute, float32
# weights), which CPUs with AMX run about 1.3x faster; auto picks bfloat16 on those.
PRECISIONS = ("auto", "float32", "bfloat16")
THESIS_AUGMENTATIONS = ("rotation", "shift", "zoom", "flip")
# random erasing, mixup, turned heads and camera blur: off unless asked for
AUGMENTATIONS = (*THESIS_AUGMENTATIONS, "erase", "mixup", "turn", "blur")
ERASE_PROBABILITY = 0.5  # the share of images that get a rectangle of noise
MIXUP_ALPHA = 0.2  # mixup's Beta(alpha, alpha): most mixes keep one face clearly on top
# "turn": the face's width squeezed by up to this share (a head turned by up to about 45
# degrees is foreshortened so: cos 45 = 0.71) and moved off-centre by up to half of it
TURN_SQUEEZE = 0.3
# "blur": this share of the faces blurred by a Gaussian of a sigma (pixels of the 48x48
# face) drawn from BLUR_SIGMA. Measured (benchmarks/face_image_statistics.py): ferapp's
# crops of ExpW's web photos are less sharp than FER2013's faces (median sharpness 0.72
# against 0.84, 10th percentile 0.45 against 0.61); this draw brings FER2013's sharpness
# percentiles to the crops' within 0.03. Their contrast and brightness already match
# FER2013's (medians within 4 %), so neither is varied.
BLUR_PROBABILITY = 0.6
BLUR_SIGMA = (0.3, 0.6)


@dataclass(frozen=True)
class Augmentation:
    """Thesis defaults: rotation +-10 degrees, shifts 0.1, zoom 0.1, horizontal flip.

    ``erase`` is the probability of random erasing (Zhong et al. 2020): a rectangle of
    2-40 % of the image, of aspect ratio 0.3-3.3, filled with noise. ``mixup`` is the
    alpha of mixup (Zhang et al. 2018): each image blended with another of its batch,
    and their targets alike, in proportions drawn from Beta(alpha, alpha). ``turn``
    imitates a turned head (ferapp's framing of one, :mod:`ferapp.core.faces.crop`): the
    image squeezed horizontally by up to that share and moved sideways by up to half
    of it. ``blur`` is the share of faces blurred as ferapp's crops of real photos are
    (``BLUR_SIGMA``). None is in the thesis.
    """

    rotation_deg: float = 10.0
    shift: float = 0.1
    zoom: float = 0.1
    flip: bool = True
    erase: float = 0.0
    mixup: float = 0.0
    turn: float = 0.0
    blur: float = 0.0

    @property
    def enabled(self) -> bool:
        return any(astuple(self))

    @classmethod
    def parse(cls, text: str) -> Augmentation:
        """'rotation,shift,zoom,flip,erase' (any of them) or 'none'; ValueError if unknown."""
        names = {n.strip().lower() for n in text.split(",") if n.strip()} - {"none"}
        unknown = names - set(AUGMENTATIONS)
        if unknown:
            raise ValueError(
                f"unknown augmentation {', '.join(sorted(unknown))}; use "
                f"{', '.join(AUGMENTATIONS)} or none"
            )
        full = cls()
        return cls(
            rotation_deg=full.rotation_deg if "rotation" in names else 0.0,
            shift=full.shift if "shift" in names else 0.0,
            zoom=full.zoom if "zoom" in names else 0.0,
            flip="flip" in names,
            erase=ERASE_PROBABILITY if "erase" in names else 0.0,
            mixup=MIXUP_ALPHA if "mixup" in names else 0.0,
            turn=TURN_SQUEEZE if "turn" in names else 0.0,
            blur=BLUR_PROBABILITY if "blur" in names else 0.0,
        )

    def names(self) -> str:
        """The ``--augment`` text naming what this augmentation does ('none' for nothing)."""
        amounts = astuple(self)  # in the order of AUGMENTATIONS
        return (
            ",".join(name for name, on in zip(AUGMENTATIONS, amounts, strict=True) if on) or "none"
        )


# ------------------------------------------------------------------ events
EVENT_PREFIX = "ferapp-event "
STOP_REQUEST = "stop"
EVENT_KINDS = ("start", "batch", "epoch", "averaging", "average", "flip", "stopped", "end", "error")
# Kinds whose message is a line for the log.
MESSAGE_KINDS = ("start", "averaging", "average", "flip", "stopped", "error")


@dataclass
class TrainEvent:
    """A progress report; ``kind`` is one of EVENT_KINDS (averaging: begun, average: scored)."""

    kind: str
    epoch: int = 0  # 1-based epoch the event belongs to
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    logs: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0
    eta_s: float | None = None
    message: str = ""
    device: str = ""  # on the start event: what trains ("CPU, 2 threads (tensorflow)")

    def to_line(self) -> str:
        return EVENT_PREFIX + json.dumps(asdict(self))

    def text(self) -> str:
        """The event as one line for a person (the terminal and the window's log)."""
        if self.kind == "epoch":
            lg = self.logs
            return (
                f"epoch {self.epoch}/{self.epochs}: loss {lg.get('loss', 0):.4f}, "
                f"accuracy {lg.get('accuracy', 0):.4f}, validation loss "
                f"{lg.get('val_loss', 0):.4f}, validation accuracy "
                f"{lg.get('val_accuracy', 0):.4f}, learning rate "
                f"{lg.get('learning_rate', 0):.2e} ({lg.get('seconds', 0):.0f} s)"
            )
        if self.kind == "batch":
            return f"epoch {self.epoch}/{self.epochs}, batch {self.batch}/{self.batches}"
        if self.kind == "end":
            return f"run {self.message or 'ended'}"
        return self.message

    @classmethod
    def from_line(cls, line: str) -> TrainEvent | None:
        """The event a line carries, or None for any other line (or a garbled one)."""
        if not line.startswith(EVENT_PREFIX):
            return None
        try:
            data = json.loads(line[len(EVENT_PREFIX) :])
            return cls(**data) if data.get("kind") in EVENT_KINDS else None
        except (ValueError, TypeError, AttributeError):
            return None


# ------------------------------------------------------------------ the run summary
def summary_path(out: Path) -> Path:
    """The run summary beside the model: ``my.keras`` -> ``my.json``."""
    return Path(out).with_suffix(".json")


@dataclass
class RunSummary:
    """What ``<out>.json`` holds after a run (its settings, scores and history)."""

    model: str
    config: dict[str, Any]
    parameters: int
    epochs_done: int
    best_epoch: int
    best_val_accuracy: float
    cancelled: bool
    seconds: float
    counts: dict[str, dict[str, int]]
    skipped_rows: int
    history: list[dict[str, float]]
    validation: dict[str, Any] | None  # ClassificationReport.as_dict() of the saved model
    average: dict[str, Any] | None = None  # epochs averaged, their accuracy, kept or not
    flip_average: dict[str, Any] | None = None  # accuracy with flip averaging, kept or not
    device: str | None = None  # what trained it ("NVIDIA H100 (jax)")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def read(cls, path: Path) -> RunSummary:
        """Read a summary; ValueError when the file is not one."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(f"{path} is not a ferapp run summary ({exc})") from exc

    @property
    def origin(self) -> str:
        return best_model_origin(self.best_epoch, self.average, self.flip_average)


def best_model_origin(
    best_epoch: int, averaged: dict | None = None, flipped: dict | None = None
) -> str:
    """Where a run's saved model came from, in words."""
    origin = (
        f"the average of the last {averaged['epochs']} epochs"
        if averaged and averaged.get("kept")
        else f"epoch {best_epoch}"
    )
    return origin + (" with flip averaging" if flipped and flipped.get("kept") else "")
