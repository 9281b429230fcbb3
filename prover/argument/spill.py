"""Polynomials parked in a temporary file between the rounds that use them.

The prover needs every column's coefficients three times (once per quotient coset) and
once more for the openings, but never all of them at the same moment. Holding them in
memory was a third of the peak RSS; here each vector is written to a private temporary
folder (on disk: the page cache keeps it warm, and the kernel may drop it under memory
pressure) and read back into fresh memory (not memory-mapped, so it leaves the
process's resident set when the caller lets go of it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np


class SpilledPolys(Mapping[str, np.ndarray]):
    """A mapping name -> (n, 4) uint64 vector whose values live in files."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="zkpor-polys-")
        self._rows: dict[str, int] = {}
        self._files: dict[str, Path] = {}

    def __setitem__(self, name: str, values: np.ndarray) -> None:
        a = np.ascontiguousarray(values, dtype=np.uint64)
        if a.ndim != 2 or a.shape[1] != 4:
            raise ValueError(f"{name}: a polynomial is an (n, 4) uint64 array, got {a.shape}")
        if name not in self._files:
            self._files[name] = Path(self._dir.name) / f"{len(self._files)}.bin"
        a.tofile(self._files[name])
        self._rows[name] = a.shape[0]

    def __getitem__(self, name: str) -> np.ndarray:
        rows = self._rows[name]
        out = np.fromfile(self._files[name], dtype=np.uint64, count=rows * 4)
        if out.size != rows * 4:
            raise OSError(f"{name}: the spill file was truncated")
        return out.reshape(rows, 4)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._rows))

    def __len__(self) -> int:
        return len(self._rows)

    def close(self) -> None:
        """Delete the files (also done when the object is collected)."""
        self._rows.clear()
        self._files.clear()
        self._dir.cleanup()
