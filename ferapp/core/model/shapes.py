"""Does a network fit what ferapp feeds it? Its input and output shapes against the
model's metadata (one grayscale or colour image in, one probability per class out)."""

from __future__ import annotations

from dataclasses import replace

from ferapp.core.errors import ModelError
from ferapp.core.model.metadata import PIXEL_SCALINGS, ModelInfo

Shapes = tuple[tuple, tuple]  # (input shape, output shape), batch first


def network_shapes(model, where: str) -> Shapes:
    """The input and output shapes of a Keras model; one image input and one output."""
    inputs, outputs = model.inputs, model.outputs
    if len(inputs) != 1:
        raise ModelError(
            f"{where}: the model has {len(inputs)} inputs; ferapp needs exactly one image input"
        )
    if len(outputs) != 1:
        raise ModelError(f"{where}: the model has {len(outputs)} outputs; ferapp needs one")
    return tuple(inputs[0].shape), tuple(outputs[0].shape)


def fill_in(
    metadata: ModelInfo | None,
    shapes: Shapes,
    pixel_scaling: str | None,
    class_names: tuple[str, ...] | None,
) -> ModelInfo:
    """The file's metadata, or what the network's shapes tell, with the options applied."""
    if metadata is None:
        shape = shapes[0]
        if len(shape) != 4 or None in shape[1:]:
            raise ModelError(f"input shape {shape} is not (batch, height, width, channels)")
        metadata = ModelInfo(input_size=(int(shape[1]), int(shape[2])), channels=int(shape[3]))
    if pixel_scaling is not None:
        metadata = replace(metadata, pixel_scaling=pixel_scaling)
    if class_names is not None:
        metadata = replace(metadata, class_names=class_names)
    return metadata


def check_model_fits(shapes: Shapes, info: ModelInfo, where: str) -> ModelInfo:
    shape, out_shape = shapes
    if len(shape) != 4 or None in shape[1:]:
        raise ModelError(f"{where}: input shape {shape} is not (batch, height, width, channels)")
    if (int(shape[1]), int(shape[2])) != tuple(info.input_size):
        raise ModelError(
            f"{where}: the metadata says input {info.input_size}, the network takes "
            f"{tuple(shape[1:3])}"
        )
    if int(shape[3]) not in (1, 3) or int(shape[3]) != info.channels:
        raise ModelError(
            f"{where}: the network takes {shape[3]} channels, expected {info.channels} (1 or 3)"
        )
    if len(out_shape) != 2 or out_shape[1] != len(info.class_names):
        raise ModelError(
            f"{where}: the network outputs {out_shape[1:]} values but "
            f"{len(info.class_names)} classes ({', '.join(info.class_names)}) are expected"
        )
    if info.pixel_scaling not in PIXEL_SCALINGS:
        raise ModelError(f"{where}: unknown pixel scaling {info.pixel_scaling!r}")
    return info
