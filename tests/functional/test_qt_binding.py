"""The Qt binding itself: what the window relies on it to do for hours."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support import ROOT


def test_signals_can_be_emitted_for_hours():
    """A live window emits several signals per frame. PySide6 6.12.0 lost a reference to a
    bool at each emit, which aborts the process after a few thousand (pinned away in
    pyproject.toml); run in a child process, so such a crash fails this test only."""
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QCoreApplication, QObject, Signal

        class Source(QObject):
            value = Signal(float)
            item = Signal(object)

        app = QCoreApplication([])
        source = Source()
        source.value.connect(lambda v: None)
        source.item.connect(lambda v: None)
        before = sys.getrefcount(True), sys.getrefcount(False)
        for _ in range(50_000):  # 30 frames a second for half an hour, in steps
            source.value.emit(1.0)
            source.item.emit(None)
        print("refcount change", sys.getrefcount(True) - before[0], sys.getrefcount(False) - before[1])
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "refcount change 0 0" in proc.stdout
