"""Polynomials parked in a temporary file between the rounds that use them.

The prover needs every column's coefficients three times (once per quotient coset) and
once more for the openings, but never all of them at the same moment. Holding them in
memory was a third of the peak RSS; here each vector is written to a private temporary
folder (on disk: the page cache keeps it warm, and the kernel may drop it under memory
pressure) and read back as a private (copy-on-write) memory map: a reader such as an
NTT takes the values straight from the page cache, without a copy into fresh memory,
and the pages leave the process's resident set when the caller lets go of the array.

Writes run on a background thread: a sustained stream of fresh file data is throttled
to the disk's speed by the kernel (hundreds of ms per 32 MB here), which the prover's
next computations now overlap. A vector is held in memory until its write is done.

Vectors under ``KEEP_BYTES`` (8 MiB: N up to 2^18) stay in memory: for them the files'
writes and maps cost more than the memory they save (0.2-0.3 s of a 2^16 proof,
about 70 MB held).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

KEEP_BYTES = 8 << 20


def _write(a: np.ndarray, path: Path) -> None:
    with open(path, "wb") as f:
        f.write(memoryview(a).cast("B"))


class SpilledPolys(Mapping[str, np.ndarray]):
    """A mapping name -> (n, 4) uint64 vector whose values live in files.

    A stored array must not be modified afterwards (it is written in the background, or
    held and handed out as it is), nor an array read from it.
    """

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="zkpor-polys-")
        self._rows: dict[str, int] = {}
        self._files: dict[str, Path] = {}
        self._pending: dict[str, Future[None]] = {}
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="zkpor-spill")
        self._written = 0
        self._held: dict[str, np.ndarray] = {}

    def __setitem__(self, name: str, values: np.ndarray) -> None:
        a = np.ascontiguousarray(values, dtype=np.uint64)
        if a.ndim != 2 or a.shape[1] != 4:
            raise ValueError(f"{name}: a polynomial is an (n, 4) uint64 array, got {a.shape}")
        self._wait(name)
        self._rows[name] = a.shape[0]
        old = self._files.pop(name, None)
        if old is not None:
            old.unlink()  # arrays mapped from the older value stay intact
        if a.nbytes < KEEP_BYTES:
            self._held[name] = a
            return
        self._held.pop(name, None)
        path = Path(self._dir.name) / f"{self._written}.bin"
        self._written += 1
        self._pending[name] = self._writer.submit(_write, a, path)
        self._files[name] = path

    def _wait(self, name: str) -> None:
        """Finish the write of ``name`` (re-raising its error, e.g. a full disk)."""
        pending = self._pending.pop(name, None)
        if pending is not None:
            pending.result()

    def __getitem__(self, name: str) -> np.ndarray:
        rows = self._rows[name]
        if name in self._held:
            return self._held[name]
        self._wait(name)
        path = self._files[name]
        if path.stat().st_size != rows * 32:
            raise OSError(f"{name}: the spill file was truncated")
        return np.memmap(path, dtype=np.uint64, mode="c", shape=(rows, 4))

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._rows))

    def __len__(self) -> int:
        return len(self._rows)

    def close(self) -> None:
        """Finish the writes, then delete the files (also done when the object is collected)."""
        try:
            for name in list(self._pending):
                self._wait(name)
        finally:
            self._writer.shutdown()
            self._rows.clear()
            self._files.clear()
            self._held.clear()
            self._dir.cleanup()
