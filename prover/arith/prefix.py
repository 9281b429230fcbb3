"""Segmented prefix sums over F_r vectors (running sums of the trace's accumulators).

Addition is the same in Montgomery form, so these kernels work on the (n, 4) uint64
Montgomery arrays of :mod:`zkpor.prover.arith.field` directly.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from zkpor.prover.arith.mont import FR_C, ZERO, load, madd, store


@nb.njit(cache=True)
def _segmented_cumsum(values, reset_after, m):  # type: ignore[no-untyped-def]
    out = np.empty_like(values)
    acc = (ZERO, ZERO, ZERO, ZERO)
    for i in range(values.shape[0]):
        acc = madd(acc, load(values, i), m)
        store(out, i, acc)
        if reset_after[i]:
            acc = (ZERO, ZERO, ZERO, ZERO)
    return out


def segmented_cumsum(values: np.ndarray, reset_after: np.ndarray) -> np.ndarray:
    """out[i] = sum of values[j] for j from the last reset (exclusive) to i (inclusive).

    ``reset_after[i]`` true starts a new segment at row i + 1.
    """
    return _segmented_cumsum(
        np.ascontiguousarray(values), np.ascontiguousarray(reset_after, dtype=np.bool_), FR_C.m
    )


def cumsum(values: np.ndarray) -> np.ndarray:
    """Plain prefix sums mod r."""
    return segmented_cumsum(values, np.zeros(values.shape[0], dtype=np.bool_))
