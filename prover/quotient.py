"""The quotient T = (sum_k alpha^k C_k) / Z_H on the coset 5 * H_4N (PROTOCOL.md section 5).

The coset of size 4N splits into four cosets of size N, shifted by 5 * omega_4N^c. On
each, Z_H is the constant shift^N - 1, so the constraints are evaluated one size-N
coset at a time (never every column's 4N evaluations at once) and in row blocks, and
the four results are interleaved and interpolated once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from zkpor.circuits.expr import evaluate
from zkpor.circuits.solvency import CONSTRAINTS, COSET_SHIFT, quotient_degree_bound
from zkpor.prover.fields import (
    fr_add,
    fr_add_int,
    fr_mul,
    fr_mul_int,
    fr_neg,
    fr_sub,
    fr_zeros,
)
from zkpor.prover.ntt import coset_intt, coset_ntt
from zkpor.verifier.field import R, inv, root_of_unity

ROW_BLOCK = 1 << 16

Value = np.ndarray | int


class VectorBackend:
    """F_r arithmetic on Montgomery vectors, mixing in Python-int constants."""

    def add(self, x: Value, y: Value) -> Value:
        if isinstance(x, int):
            return (x + y) % R if isinstance(y, int) else fr_add_int(y, x)
        return fr_add_int(x, y) if isinstance(y, int) else fr_add(x, y)

    def sub(self, x: Value, y: Value) -> Value:
        if isinstance(y, int):
            return (x - y) % R if isinstance(x, int) else fr_add_int(x, (R - y) % R)
        return fr_add_int(fr_neg(y), x) if isinstance(x, int) else fr_sub(x, y)

    def mul(self, x: Value, y: Value) -> Value:
        if isinstance(x, int):
            return x * y % R if isinstance(y, int) else fr_mul_int(y, x)
        return fr_mul_int(x, y) if isinstance(y, int) else fr_mul(x, y)


def fold(coeffs: np.ndarray, shift_n: int, n: int) -> np.ndarray:
    """Coefficients of f mod (X^N - shift^N): equal values on the coset shift * H_N."""
    out = np.array(coeffs[:n], dtype=np.uint64)
    if len(out) < n:
        out = np.concatenate([out, fr_zeros(n - len(out))])
    extra = coeffs[n:]
    if len(extra):
        out[: len(extra)] = fr_add(out[: len(extra)], fr_mul_int(extra, shift_n))
    return out


def constraint_values(
    evals: dict[str, np.ndarray],
    challenges: dict[str, int],
    rows: slice,
) -> np.ndarray:
    """sum_k alpha^k C_k over a block of coset rows (shifted columns pre-rolled as name')."""

    def column(name: str, shifted: bool) -> np.ndarray:
        return evals[name + "'" if shifted else name][rows]

    backend = VectorBackend()
    memo: dict[int, Value] = {}
    total: Value = 0
    alpha_k = 1
    for _, expr in CONSTRAINTS:
        term = evaluate(expr, backend, column, challenges.__getitem__, memo)
        total = backend.add(total, backend.mul(alpha_k, term))
        alpha_k = alpha_k * challenges["alpha"] % R
    assert isinstance(total, np.ndarray)
    return total


def compute_quotient(
    coeffs: dict[str, np.ndarray],
    shifted: tuple[str, ...],
    n: int,
    challenges: dict[str, int],
    progress: Callable[[], None] = lambda: None,
) -> np.ndarray:
    """Coefficients of T (length 4N; beyond the degree bound they vanish iff C_k hold on H)."""
    omega_4n = root_of_unity(4 * n)
    full = np.empty((4 * n, 4), dtype=np.uint64)
    for c in range(4):
        shift = COSET_SHIFT * pow(omega_4n, c, R) % R
        shift_n = pow(shift, n, R)
        evals = {name: coset_ntt(fold(f, shift_n, n), shift) for name, f in coeffs.items()}
        for name in shifted:
            evals[name + "'"] = np.roll(evals[name], 1, axis=0)
        z_inv = inv(shift_n - 1)
        for start in range(0, n, ROW_BLOCK):
            rows = slice(start, min(n, start + ROW_BLOCK))
            block = fr_mul_int(constraint_values(evals, challenges, rows), z_inv)
            full[4 * start + c : 4 * rows.stop : 4] = block
        del evals
        progress()
    return coset_intt(full, COSET_SHIFT)


def quotient_is_low_degree(t_coeffs: np.ndarray, n: int) -> bool:
    """True iff every coefficient beyond the degree bound of an honest quotient is zero."""
    return not np.any(t_coeffs[quotient_degree_bound(n) :])
