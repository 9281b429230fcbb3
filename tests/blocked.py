"""Run `zkpor-verify` in a fresh interpreter where some top-level modules cannot be imported."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "numba", "llvmlite", "pyarrow")

_BLOCKER = """import sys
BLOCKED = {blocked!r}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError('blocked ' + name, name=name)
sys.meta_path.insert(0, Block())
from zkpor.verifier.cli import main
sys.exit(main())
"""


def run_verifier_without(
    modules: tuple[str, ...], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`zkpor-verify ARGS` with ``modules`` unimportable (the base install's situation)."""
    code = _BLOCKER.format(blocked=tuple(modules))
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout
    )
