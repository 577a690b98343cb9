"""Which arithmetic a training run uses: float32, or Keras's mixed bfloat16.

Mixed bfloat16 computes in bfloat16 and keeps the weights (and the optimizer) in
float32. CPUs with AMX (Intel Xeon from the 4th generation, Sapphire Rapids) run its
convolutions in matrix units: fernet trains about 1.3x faster than in float32 there
(2.3x faster than under the crash guard, benchmarks/training_precision.py). Elsewhere
it is emulated, several times slower, or (with oneDNN limited to AVX2, as
for the architectures the crash guard covers) not there at all, so bfloat16 is offered
only where the CPU reports AMX for bfloat16 and oneDNN may use it; ``auto`` picks it
there. The model saved for use is always float32. Keras-free: the command line
resolves ``auto`` before TensorFlow loads.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ferapp.core.errors import FerappError
from trainer.protocol import GUARDED_ARCHITECTURES

CPUINFO = Path("/proc/cpuinfo")
ONEDNN_ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA"


def cpu_has_amx_bf16(cpuinfo: Path | None = None) -> bool:
    """True where the CPU reports AMX for bfloat16 (read on Linux; False elsewhere)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        text = (cpuinfo or CPUINFO).read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return any(
        line.startswith("flags") and "amx_bf16" in line.split() for line in text.splitlines()
    )


def bfloat16_problem(arch: str) -> str | None:
    """Why ``arch`` cannot train in bfloat16 here, or None when it can."""
    if arch in GUARDED_ARCHITECTURES:
        return (
            f"{arch} trains with oneDNN limited to AVX2 (its crash guard), which has no "
            "bfloat16 convolutions"
        )
    isa = os.environ.get(ONEDNN_ISA_VARIABLE, "ALL").upper()
    if isa != "ALL" and "AMX" not in isa:
        return f"{ONEDNN_ISA_VARIABLE}={isa} keeps oneDNN from the CPU's AMX units"
    if not cpu_has_amx_bf16():
        return (
            "this CPU has no AMX for bfloat16 (Intel Xeon from the 4th generation has), "
            "where bfloat16 runs slower than float32 or not at all"
        )
    return None


def resolve_precision(precision: str, arch: str, backend: str = "tensorflow") -> str:
    """``float32`` or ``bfloat16`` for ``precision`` (``auto``: bfloat16 where it is fast).

    FerappError for ``bfloat16`` where :func:`bfloat16_problem` names a reason. On JAX
    and PyTorch ``auto`` is float32 and ``bfloat16`` is taken as asked (for a GPU: the
    CPU's AMX and oneDNN's limits are TensorFlow's concern).
    """
    if backend != "tensorflow":
        return "float32" if precision == "auto" else precision
    problem = bfloat16_problem(arch)
    if precision == "auto":
        return "float32" if problem else "bfloat16"
    if precision == "bfloat16" and problem:
        raise FerappError(f"--precision bfloat16: {problem}; train in float32")
    return precision
