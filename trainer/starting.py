"""How a run's model begins: warm-started from another model's weights, labelled by its
data, or refused where oneDNN's guard is not in place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras

from ferapp.core.errors import FerappError
from ferapp.core.model.metadata import load_keras_model
from trainer import ONEDNN_GUARD_ISA, ONEDNN_ISA_VARIABLE, can_train
from trainer.backends import loaded_backend
from trainer.config import TrainConfig
from trainer.datasets import Splits
from trainer.flip_average import inner_model


def load_initial_weights(model: keras.Model, source: Path) -> None:
    """Copy the weights of the model file ``source`` into ``model`` (a warm start).

    The file is checked like any user model before Keras reads it; its layers must have
    the same shapes as ``model``'s, otherwise the run stops with a clear message.
    """
    try:
        donor = inner_model(load_keras_model(source))
    except FerappError as exc:
        raise FerappError(f"--init-from: {exc}") from exc
    ours = [w.shape for w in model.get_weights()]
    theirs = [w.shape for w in donor.get_weights()]
    if ours != theirs:
        raise FerappError(
            f"--init-from: {source} has a different architecture "
            f"({donor.count_params():,} parameters in {len(theirs)} arrays; this run's "
            f"model has {model.count_params():,} in {len(ours)})"
        )
    model.set_weights(donor.get_weights())


def label_source(config: TrainConfig) -> dict[str, Any]:
    """What the model's labels come from, kept in the file for its card and the About box."""
    if config.votes is None:
        return {}
    if config.crowd_weight < 1:
        return {"labels": f"FER2013 mixed with the FER+ crowd ({config.crowd_weight:g})"}
    return {"labels": f"FER+ crowd ({config.labels})"}


def check_splits(splits: Splits) -> None:
    """Refuse a dataset a run cannot learn from or choose a model with."""
    for name, split in (("training", splits.train), ("validation", splits.val)):
        if len(split.labels) == 0:
            raise FerappError(
                f"the dataset has no {name} images, so no model can be trained and chosen; "
                "a FER2013 CSV needs Training rows (and PublicTest rows, or enough Training "
                "rows to hold some out), an image folder train/ (and val/ or enough in train/)"
            )


def check_process(config: TrainConfig) -> None:
    """Refuse a run this process cannot do: Keras on another backend than the run's, or
    on TensorFlow an architecture that needs oneDNN's crash guard where it is not set."""
    loaded = loaded_backend()
    if loaded is not None and loaded != config.backend:
        raise FerappError(
            f"this run trains on {config.backend}, but Keras runs on {loaded} in this "
            f"process (Keras picks its backend once, when it loads); train with ferapp "
            f"train --backend {config.backend}"
        )
    if config.backend == "tensorflow" and not can_train(config.arch):
        raise unguarded(config.arch)


def unguarded(arch: str) -> FerappError:
    isa = os.environ.get(ONEDNN_ISA_VARIABLE)
    why = (
        f"here {ONEDNN_ISA_VARIABLE} is {isa}, set before ferapp could set it"
        if isa and isa != ONEDNN_GUARD_ISA
        else "here TensorFlow was loaded first"
    )
    return FerappError(
        f"{arch} has a stride-2 convolution, which crashes oneDNN's AVX-512 training "
        f"kernels: it must train with {ONEDNN_ISA_VARIABLE}={ONEDNN_GUARD_ISA}, set before "
        f"TensorFlow loads (as ferapp train does by calling trainer.prepare_training); {why}"
    )
