"""Segmented prefix sums over F_r vectors (running sums of the trace's accumulators).

Addition is the same in Montgomery form, so these kernels work on the (n, 4) uint64
Montgomery arrays of :mod:`zkpor.prover.fields` directly.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from zkpor.verifier.field import R

_R_LIMBS = np.array([(R >> (64 * k)) & 0xFFFFFFFFFFFFFFFF for k in range(4)], dtype=np.uint64)


@nb.njit(cache=True, inline="always")
def _add_into(acc: np.ndarray, x: np.ndarray, r: np.ndarray) -> None:
    """acc = (acc + x) mod r for one 4-limb element (both reduced)."""
    carry = np.uint64(0)
    for k in range(4):
        s = acc[k] + x[k]
        c1 = np.uint64(1) if s < acc[k] else np.uint64(0)
        t = s + carry
        c2 = np.uint64(1) if t < s else np.uint64(0)
        acc[k] = t
        carry = c1 | c2
    ge = carry != 0
    if not ge:
        ge = True
        for k in range(3, -1, -1):
            if acc[k] != r[k]:
                ge = acc[k] > r[k]
                break
    if ge:
        borrow = np.uint64(0)
        for k in range(4):
            d = acc[k] - r[k]
            b1 = np.uint64(1) if acc[k] < r[k] else np.uint64(0)
            e = d - borrow
            b2 = np.uint64(1) if d < borrow else np.uint64(0)
            acc[k] = e
            borrow = b1 | b2


@nb.njit(cache=True)
def _segmented_cumsum(values: np.ndarray, reset_after: np.ndarray, r: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    acc = np.zeros(4, dtype=np.uint64)
    for i in range(values.shape[0]):
        _add_into(acc, values[i], r)
        out[i] = acc
        if reset_after[i]:
            acc[:] = 0
    return out


def segmented_cumsum(values: np.ndarray, reset_after: np.ndarray) -> np.ndarray:
    """out[i] = sum of values[j] for j from the last reset (exclusive) to i (inclusive).

    ``reset_after[i]`` true starts a new segment at row i + 1.
    """
    return _segmented_cumsum(
        np.ascontiguousarray(values), np.ascontiguousarray(reset_after, dtype=np.bool_), _R_LIMBS
    )


def cumsum(values: np.ndarray) -> np.ndarray:
    """Plain prefix sums mod r."""
    return segmented_cumsum(values, np.zeros(values.shape[0], dtype=np.bool_))
