"""Help > About: version, the model in use and its card, the licences of all parts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ferapp import __version__
from ferapp.core.errors import FerappError
from ferapp.core.locations import PROJECT_ROOT, find_default_model, resource_path, search_paths

LICENCE_FILES = ("THIRD-PARTY.md", "YuNet.txt")
RESPONSIBLE_USE = (
    "**What the models can and cannot tell:** they read the expression a face *shows* in "
    "one picture, not what the person feels. They learnt from FER2013 and FER+ (web image "
    "search: mostly posed or public photos, mostly adults, with the demographic skew of "
    "such searches; FER+'s labels are crowd workers' votes), so they are less reliable for "
    "faces unlike those. Do not use them for decisions about a person.\n\n"
    "**The law:** the EU AI Act (Article 5(1)(f)) has prohibited inferring emotions in "
    "workplaces and schools since 2 February 2025, except for medical or safety reasons.\n\n"
    "**Your data stays here:** ferapp runs fully offline, on this computer, and stores "
    "nothing unless you ask it to (snapshot, recording, results files). Settings > Privacy "
    "faces (or `--blur-faces`) hides who is in snapshots and annotated files.\n\n"
    "**The models are for research and non-commercial use**, as the FER2013 and ExpW "
    "images they learnt from are (see the Licences tab)."
)


def _text(path: Path | None, missing: str) -> str:
    try:
        return path.read_text(encoding="utf-8") if path else missing
    except OSError:
        return missing


def model_card() -> str:
    model = find_default_model()
    card = model.with_suffix(".md") if model else None
    return _text(card, "The default model's card is not installed.")


def licences() -> str:
    parts = []
    for name in LICENCE_FILES:
        try:
            parts.append(_text(resource_path(f"licenses/{name}"), ""))
        except FerappError:
            continue
    own = next(
        (p for p in [*search_paths("", "LICENSE"), PROJECT_ROOT / "LICENSE"] if p.is_file()), None
    )
    parts.append("# ferapp\n\n" + _text(own, "MIT licence, copyright the ferapp developers."))
    parts.append(bundled_licences())
    return "\n\n---\n\n".join(p for p in parts if p)


def bundled_licences() -> str:
    """Links to the licence files an installed ferapp carries for each bundled library."""
    folder = next((p for p in search_paths("", "licenses") if p.is_dir()), None)
    if folder is None:  # a source install: the libraries' licences are in site-packages
        return ""
    lines = ["# Licence texts of the bundled libraries", ""]
    for library in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted(f for f in library.rglob("*") if f.is_file())
        links = ", ".join(f"[{f.relative_to(library)}]({f.resolve().as_uri()})" for f in files)
        lines.append(f"- **{library.name}**: {links}")
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, model_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About ferapp")
        self.resize(720, 560)
        about = QTextBrowser()
        about.setOpenExternalLinks(True)
        about.setMarkdown(
            f"# ferapp {__version__}\n\n"
            "Real-time facial emotion recognition on an ordinary computer: it finds every "
            "face in a camera, a video or photos, and shows how likely each of the seven "
            "FER2013 emotions is. It also trains its own models.\n\n"
            f"**Model in use:** {model_name or 'none loaded'}\n\n" + RESPONSIBLE_USE + "\n\n"
            "The design follows a 2019 master's thesis, *Design of a facial emotion "
            "recognition system using Deep Learning techniques* (UPM)."
        )
        card = QTextBrowser()
        card.setMarkdown(model_card())
        terms = QTextBrowser()
        terms.setMarkdown(licences())
        tabs = QTabWidget()
        tabs.addTab(about, "About")
        tabs.addTab(card, "Model card")
        tabs.addTab(terms, "Licences")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.tabs = tabs
