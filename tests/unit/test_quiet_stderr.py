"""Known library noise on file descriptor 2 is dropped; everything else still arrives."""

from __future__ import annotations

import os
import sys

from ferapp.core.model.tensorflow_import import is_notice
from ferapp.core.quiet_stderr import stderr_filtered
from ferapp.core.sources.captures import _is_container_complaint


def test_only_the_named_lines_are_dropped(capfd):
    with stderr_filtered(lambda line: line.startswith("noise")):
        os.write(2, b"noise from C++\nreal problem\nnoise again\n")  # as C++ libraries write
        print("a Python warning", file=sys.stderr)  # not lost either
    err = capfd.readouterr().err
    assert sorted(err.splitlines()) == ["a Python warning", "real problem"]


def test_the_block_error_still_propagates_and_stderr_comes_back(capfd):
    try:
        with stderr_filtered(lambda line: False):
            os.write(2, b"kept\n")
            raise ValueError("boom")
    except ValueError:
        pass
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "kept\nafter\n"


def test_the_known_notices():
    assert is_notice("I0000 00:00:1 port.cc:153] oneDNN custom operations are on. You may see")
    assert is_notice("WARNING: All log messages before absl::InitializeLog() is called are ...")
    assert not is_notice("ferapp analyze: error: model file not found: m.keras")
    assert _is_container_complaint("[avi @ 0x55afa973df80] Something went wrong during header")
    assert _is_container_complaint("Unexpected element. Expected: LIST. Got: garb.")
    assert not _is_container_complaint("[ok] smoke test")
