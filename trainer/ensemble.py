"""Several trained models as one model file: the mean of their answers.

Networks trained independently make partly different mistakes, so the mean of their
probabilities beats each of them: a stronger teacher for knowledge distillation
(``ferapp train --teacher ENSEMBLE``), or a model in its own right where its cost (the
sum of its members') fits. Like flip averaging, it is made of built-in Keras layers
only (the members as nested models, an ``Average`` layer), so it loads in ferapp's
safe loader and in any Keras 3 program. Members may have flip averaging built in.

    python -m trainer.ensemble OUT MODEL MODEL [MODEL ...]
    python -m trainer.ensemble --mirror-alternate OUT NETWORK NETWORK   (one sees the mirror)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ferapp.core.errors import FerappError
from ferapp.core.model.tensorflow_import import import_keras

keras = import_keras()  # quietly: this module is also a command (python -m)


from trainer.flip_average import FLIP_LAYER, mirror_of  # noqa: E402

INFO_KEY = "ensemble"  # in the model's metadata: the members' file names
MIRROR_INFO_KEY = "ensemble_mirror_alternate"  # every second member sees the mirror image
MIRROR_LAYER = "mirror_alternate"  # its own name: such a pair is not one flip-averaged network


def ensemble_of(models: Sequence[keras.Model], mirror_alternate: bool = False) -> keras.Model:
    """One model whose output is the mean of ``models``' outputs (same input and classes).

    With ``mirror_alternate`` the 2nd, 4th, ... member answers for the mirror image of
    the face: two networks then cost what one flip-averaged network does, and add
    the difference between them to the difference between the face and its mirror.
    """
    if len(models) < 2:
        raise FerappError("an ensemble needs at least two models")
    shapes = {(tuple(m.inputs[0].shape[1:]), tuple(m.outputs[0].shape[1:])) for m in models}
    if len(shapes) != 1:
        raise FerappError("the models of an ensemble must take the same input and answer alike")
    members = []
    for i, model in enumerate(models, start=1):
        config = model.get_config()
        config["name"] = f"member_{i}"  # nested models need names of their own
        member = keras.Model.from_config(config)
        member.set_weights(model.get_weights())
        members.append(member)
    image = keras.Input(models[0].inputs[0].shape[1:], name="face")
    mirrored = mirror_of(image, name=MIRROR_LAYER) if mirror_alternate else image
    answers = [m(mirrored if i % 2 else image) for i, m in enumerate(members)]
    mean = keras.layers.Average(name="ensemble_average")(answers)
    return keras.Model(image, mean, name=f"ensemble_of_{len(members)}")


def sees_a_mirror(model: keras.Model) -> bool:
    """True if ``model`` or a model nested in it mirrors its input (flip averaging, a pair)."""
    for layer in model.layers:
        if layer.name in (FLIP_LAYER, MIRROR_LAYER):
            return True
        if isinstance(layer, keras.Model) and sees_a_mirror(layer):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Save the ensemble of MODEL...: python -m trainer.ensemble OUT MODEL MODEL..."""
    from ferapp.core.model.metadata import load_keras_model, read_metadata, save_model
    from trainer.flip_average import INFO_KEY as FLIP_INFO_KEY

    parser = argparse.ArgumentParser(
        prog="python -m trainer.ensemble",
        description="Save one model file whose answers are the mean of the given models'.",
    )
    parser.add_argument(
        "--mirror-alternate",
        action="store_true",
        help="the 2nd, 4th, ... model answers for the mirror image of the face (for "
        "networks without flip averaging: two then cost what one flip-averaged one does)",
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("models", type=Path, nargs="+")
    args = parser.parse_args(argv)
    try:
        infos = []
        for path in args.models:
            info = read_metadata(path)
            if info is None:
                raise FerappError(f"{path} carries no ferapp metadata")
            infos.append(info)
        first = infos[0]
        for path, info in zip(args.models[1:], infos[1:], strict=True):
            if (info.class_names, info.input_size, info.pixel_scaling) != (
                first.class_names,
                first.input_size,
                first.pixel_scaling,
            ):
                raise FerappError(
                    f"{path} differs from {args.models[0]} in its classes, input size or "
                    "pixel scaling; an ensemble's members must agree on all three"
                )
        models = [load_keras_model(path) for path in args.models]
        flipped = [bool(info.extra.get(FLIP_INFO_KEY)) for info in infos]
        if args.mirror_alternate:
            if any(sees_a_mirror(model) for model in models):
                raise FerappError(
                    "--mirror-alternate is for networks without flip averaging; take the "
                    "network out of a flip-averaged model with "
                    "python -m trainer.flip_average --inner"
                )
            if len(models) % 2:
                raise FerappError(
                    "--mirror-alternate needs an even number of models, so that the face "
                    "and its mirror image count alike"
                )
        model = ensemble_of(models, mirror_alternate=args.mirror_alternate)
        # what the first member says of itself is not said of the ensemble
        extra = {
            k: v
            for k, v in first.extra.items()
            if k not in (FLIP_INFO_KEY, INFO_KEY, MIRROR_INFO_KEY)
        }
        if all(flipped):
            extra[FLIP_INFO_KEY] = True  # every member averages a face with its mirror
        extra[INFO_KEY] = [path.name for path in args.models]
        if args.mirror_alternate:
            extra[MIRROR_INFO_KEY] = True
        save_model(model, args.out, replace(first, extra=extra))
    except FerappError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"saved {args.out}: {len(args.models)} models, {model.count_params():,} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
