"""What a model file may ask of ferapp before Keras builds it: no code, a sane size.

The architecture config is read as JSON and refused if it names a ``Lambda`` layer, a
serialized function or any class that is not a built-in Keras class (code stored in the
file would run when Keras builds it), or an input image so large that building it could
take all the memory there is.
"""

from __future__ import annotations

from typing import Any

from ferapp.core.errors import ModelError
from ferapp.core.model.tensorflow_import import import_tensorflow

MAX_INPUT_SIDE = 1024  # face crops are 48..224 pixels; larger inputs are refused


def _allowed_class_names() -> frozenset[str]:
    import_tensorflow()
    import keras

    names: set[str] = {
        "Functional",
        "Sequential",
        "Model",
        "__keras_tensor__",
        "__tensor__",
        "__numpy__",
        "__bytes__",
        "__ellipsis__",
        "__slice__",
        "TensorShape",
        "DTypePolicy",
        "FloatDTypePolicy",
        "Policy",
    }
    for namespace in (
        keras.layers,
        keras.initializers,
        keras.regularizers,
        keras.constraints,
        keras.dtype_policies,
        keras.optimizers,
        keras.losses,
        keras.metrics,
        keras.optimizers.schedules,
    ):
        names.update(n for n in dir(namespace) if not n.startswith("_"))
    names.discard("Lambda")
    names.discard("TorchModuleWrapper")
    names.discard("JaxLayer")
    names.discard("FlaxLayer")
    names.discard("TFSMLayer")
    return frozenset(names)


def check_architecture_is_safe(config: Any, where: str) -> None:
    """Refuse configs that would run code: Lambda layers, functions, custom classes."""
    allowed = _allowed_class_names()
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        name = node.get("class_name")
        if isinstance(name, str):
            module = node.get("module")
            if name in ("Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__", "function"):
                raise ModelError(
                    f"{where} contains a {name} (code stored in the model file); ferapp "
                    "refuses to run it. Rebuild the model from built-in Keras layers."
                )
            if module is not None and not str(module).startswith("keras"):
                raise ModelError(
                    f"{where} refers to {module}.{name}, outside Keras; ferapp loads only "
                    "built-in Keras layers (no custom objects)"
                )
            if name not in allowed:
                raise ModelError(
                    f"{where} uses the custom or unknown class {name!r}; ferapp loads only "
                    "built-in Keras layers (no custom objects)"
                )
        stack.extend(node.values())


def declared_input_sizes(config: Any) -> list[tuple[int, ...]]:
    """The image sizes a model's architecture declares for its inputs (read, not built)."""
    found, stack = [], [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key in ("batch_shape", "batch_input_shape"):
                shape = node.get(key)
                if isinstance(shape, list) and len(shape) == 4:
                    found.append(tuple(int(v) for v in shape[1:3] if isinstance(v, int)))
            stack.extend(node.values())
    return found


def check_input_size(config: Any, where: str) -> None:
    """Refuse an architecture whose input image is far larger than a face crop: building
    it could take all the memory there is."""
    for size in declared_input_sizes(config):
        if any(side > MAX_INPUT_SIDE for side in size):
            raise ModelError(
                f"{where} takes {size[0]}x{size[1]} images; ferapp's models take face crops "
                f"of at most {MAX_INPUT_SIDE} pixels a side"
            )
