"""Knowledge distillation from a finished model: training targets that mix its answers in.

Offline distillation: the teacher classifies each training image once, before the run,
and the targets become ``weight * teacher + (1 - weight) * one-hot label``. The thesis's
augmentation is mild (small turns, shifts and zooms, mirror images a flip-averaged
teacher answers alike), so one answer per image stands for its augmented copies, and
training costs no more than without a teacher (with random erasing, the student learns
the teacher's answer for the whole face from a partly hidden copy). A student copying a
teacher of its own size and kind (a "born-again" network) often ends above it.

The mixed targets change what Keras's training "accuracy" measures: agreement with each
target's top class, which is the teacher's answer wherever it outweighs the label.
Validation uses the labels alone, as always.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ferapp.core.errors import FerappError
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import model_file_problem
from trainer.backends import loaded_backend
from trainer.config import TrainConfig
from trainer.datasets import Split, Splits


def check_teacher(teacher: Path) -> None:
    """Refuse, before the dataset is read, a teacher that is missing or not ferapp's."""
    if not teacher.is_file():
        raise FerappError(f"--teacher: model file not found: {teacher}")
    problem = model_file_problem(str(teacher), "teach with a model saved by ferapp train.")
    if problem is not None:
        raise FerappError(f"--teacher: {problem}")


def teacher_targets(
    teacher: Path, weight: float, train: Split, class_names: tuple[str, ...]
) -> tuple[np.ndarray, float]:
    """(targets (N, classes) float32, the share of training labels the teacher agrees with).

    The teacher is loaded like any user model (no code runs from the file) and must
    answer the dataset's classes (in any order) for images of its size.
    """
    check_teacher(teacher)
    try:
        # on TensorFlow as the window runs it; on JAX or PyTorch by Keras on that backend
        backend = "keras" if loaded_backend() not in (None, "tensorflow") else "auto"
        clf = EmotionClassifier.load(teacher, quantize=False, backend=backend)
    except FerappError as exc:
        raise FerappError(f"--teacher: {exc}") from exc
    if sorted(clf.class_names) != sorted(class_names):
        raise FerappError(
            f"--teacher: {teacher} answers {', '.join(clf.class_names)}; the dataset's "
            f"classes are {', '.join(class_names)}"
        )
    size = tuple(train.images.shape[1:3])
    if tuple(clf.input_size) != size:
        raise FerappError(
            f"--teacher: {teacher} takes {clf.input_size[1]}x{clf.input_size[0]} faces; "
            f"the training images are {size[1]}x{size[0]}"
        )
    # the teacher's columns in the dataset's class order (an image folder's may differ)
    columns = [list(clf.class_names).index(name) for name in class_names]
    answers = clf.classify_many(train.images)[:, columns]
    labels = (
        np.eye(len(class_names), dtype=np.float32)[train.labels]
        if train.targets is None
        else train.targets
    )
    targets = weight * answers + (1.0 - weight) * labels
    agreement = float((answers.argmax(axis=1) == train.labels).mean())
    return targets.astype(np.float32), agreement


def training_targets(config: TrainConfig, splits: Splits) -> tuple[np.ndarray, str]:
    """A run's training targets: the labels (or crowd targets), or with a teacher the
    mixed targets; and a line for the log saying who taught (empty without a teacher)."""
    train = splits.train
    if not config.teacher:
        return (train.labels if train.targets is None else train.targets), ""
    targets, agreement = teacher_targets(
        Path(config.teacher), config.teacher_weight, train, splits.class_names
    )
    return targets, (
        f"; taught by {Path(config.teacher).name} (weight {config.teacher_weight:g}, agrees "
        f"with {agreement:.1%} of the training labels)"
    )
