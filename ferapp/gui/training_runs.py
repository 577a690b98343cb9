"""An output file that already holds a model or a run: continue it or replace it, and what
the form must change to continue it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from trainer.backends import install_hint, is_installed
from trainer.config import TrainConfig
from trainer.run_folder import PATH_SETTINGS, RunFolder, setting_text


def ask_about_existing_run(parent: QWidget, out: Path) -> list[str] | None:
    """Extra arguments when ``out`` already holds a model or a run: continue it or
    replace it, as the user says; None when the user cancels."""
    folder = RunFolder(out)
    if not out.exists() and not folder.exists():
        return []
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "The model file exists",
        f"{out.name} already holds a model"
        + (" and an interrupted run that can be continued." if folder.exists() else ".")
        + " Replace it with a new run?",
        parent=parent,
    )
    resume = box.addButton("Continue it", QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton("Replace it", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    resume.setEnabled(folder.exists())
    box.exec()
    if box.clickedButton() is resume:
        return ["--resume"]
    if box.clickedButton() is replace:
        return ["--overwrite"]
    return None


SETTING_NAMES = {
    "arch": "architecture",
    "data": "dataset",
    "augmentation": "augmentation",
    "teacher": "teacher",
    "teacher_weight": "teacher's share",
    "precision": "precision",
    "backend": "backend",
}


def resume_mismatch(out: Path, config: TrainConfig) -> str:
    """What the form must change to continue the run saved beside ``out`` ("" = nothing)."""
    try:
        state = RunFolder(out).load_state()
    except (OSError, ValueError) as exc:
        return f"The saved run of {out.name} cannot be read ({exc}); replace it instead."
    differences = RunFolder.differences(state or {}, config)
    if not differences:
        return ""
    was = dict((key, saved) for key, saved, _ in differences).get("backend")
    if was is not None and not is_installed(was):
        return (
            f"The saved run of {out.name} trains on {was}, which is not installed here: "
            f"install it ({install_hint(was)}) to continue it, or replace the run."
        )

    def shown(key: str, value: object, other: object) -> str:
        if key in PATH_SETTINGS and value is not None:
            # the file name, or the whole path where two files share a name
            same_name = other is not None and Path(value).name == Path(other).name
            return str(value) if same_name else Path(value).name
        return setting_text(value)

    listed = "; ".join(
        f"{SETTING_NAMES[key]} {shown(key, was, now)} (the form says {shown(key, now, was)})"
        for key, was, now in differences
    )
    return (
        f"The saved run of {out.name} began with {listed}. Set the same to continue it, "
        "or save the new run to another file."
    )
