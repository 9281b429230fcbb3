"""The quotient T = (sum_k alpha^k C_k) / Z_H (PROTOCOL.md section 5).

T has fewer than 3N coefficients, so three of the four size-N cosets of 5 * H_4N
(shifts 5 * omega_4N^c) determine it. On each, Z_H is the constant shift^N - 1, so the
constraints are evaluated one size-N coset at a time, each in two halves (never
every column's evaluations on a whole coset at once), by the fused kernel of
:mod:`zkpor.prover.argument.constraint_kernel`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zkpor.circuits.solvency import COSET_SHIFT, QUOTIENT_PIECES, V1, Circuit, quotient_degree_bound
from zkpor.prover.argument.constraint_kernel import (
    constraint_columns,
    constraint_sum,
    linear_terms,
    shifted_columns,
)
from zkpor.prover.arith.field import fr_add, fr_mul, fr_mul_int, fr_powers
from zkpor.prover.arith.ntt import bitrev_indices, dif, dit
from zkpor.verifier.field import R, inv, root_of_unity


def linear_part(
    coeffs: Mapping[str, np.ndarray], terms: dict[tuple[str, bool], int], n: int
) -> np.ndarray:
    """Coefficients of L(X) = sum c * f(X) (or c * f(omega^-1 X) when shifted) over the
    constraint sum's linear terms (at least N of them)."""
    out = np.zeros((n, 4), dtype=np.uint64)
    omega_inv = inv(root_of_unity(n))
    for (name, shifted), coef in terms.items():
        f = coeffs[name]
        term = fr_mul(f, fr_powers(omega_inv, len(f), coef)) if shifted else fr_mul_int(f, coef)
        if len(term) > len(out):
            out, term = term, out
        out[: len(term)] = fr_add(out[: len(term)], term)
    return out


def fold(coeffs: np.ndarray, k: int, n: int) -> np.ndarray:
    """f mod (X^N - k): the polynomial of degree < N equal to f where X^N = k."""
    out = np.array(coeffs[:n], dtype=np.uint64)
    extra = coeffs[n:]
    if len(extra):
        out[: len(extra)] = fr_add(out[: len(extra)], fr_mul_int(extra, k))
    return out


def _inverse_vandermonde(ks: list[int]) -> list[list[int]]:
    """Inverse of the 3x3 matrix (k_c^i) over F_r (Gauss-Jordan on Python ints)."""
    size = len(ks)
    rows = [
        [pow(k, i, R) for i in range(size)] + [int(c == j) for j in range(size)]
        for c, k in enumerate(ks)
    ]
    for col in range(size):
        pivot = next(r for r in range(col, size) if rows[r][col])
        rows[col], rows[pivot] = rows[pivot], rows[col]
        scale = inv(rows[col][col])
        rows[col] = [x * scale % R for x in rows[col]]
        for r in range(size):
            if r != col and rows[r][col]:
                f = rows[r][col]
                rows[r] = [(x - f * y) % R for x, y in zip(rows[r], rows[col], strict=True)]
    # rows now hold M^-1 with M[c][i] = k_c^i; T_i = sum_c M^-1[i][c] U_c
    return [row[size:] for row in rows]


def compute_quotient(
    coeffs: Mapping[str, np.ndarray], n: int, challenges: dict[str, int], circuit: Circuit = V1
) -> np.ndarray:
    """Coefficients of T, length 3N (beyond the degree bound they vanish iff C_k hold on H).

    T = T_0 + X^N T_1 + X^2N T_2 with deg T_i < N. On a coset shift * H_N, X^N is the
    constant k = shift^N, so interpolating T's values there gives U = T_0 + k T_1 + k^2 T_2;
    three cosets (shifts 5 omega_4N^c, c = 0, 1, 2; distinct k) determine T_0, T_1, T_2.
    The linear columns' share of U is added in coefficient form (:func:`linear_part`).
    """
    omega_4n = root_of_unity(4 * n)
    linear = linear_part(coeffs, linear_terms(circuit, challenges), n)
    us, ks = [], []
    for c in range(QUOTIENT_PIECES):
        shift = COSET_SHIFT * pow(omega_4n, c, R) % R
        k = pow(shift, n, R)
        values = coset_constraint_sum(coeffs, n, shift, challenges, circuit)
        u = dit(values, inverse=True, c0=inv(n * (k - 1) % R), g=inv(shift))
        us.append(fr_add(u, fr_mul_int(fold(linear, k, n), inv(k - 1))))
        ks.append(k)
    m_inv = _inverse_vandermonde(ks)
    pieces = []
    for row in m_inv:
        acc = fr_mul_int(us[0], row[0])
        for u, coef in zip(us[1:], row[1:], strict=True):
            acc = fr_add(acc, fr_mul_int(u, coef))
        pieces.append(acc)
    return np.concatenate(pieces)


def coset_constraint_sum(
    coeffs: Mapping[str, np.ndarray],
    n: int,
    shift: int,
    challenges: dict[str, int],
    circuit: Circuit = V1,
) -> np.ndarray:
    """The kernel's constraint sum on the coset shift * H_N, in bit-reversed order.

    The coset is computed in two halves, the points shift * omega^(j + 2m) for j = 0, 1
    (each a coset of H_(N/2): a transform of half the size), so only half of every
    column's values is in memory at once. The point before shift * omega^(1 + 2m) is in
    half 0 at the same m; the one before shift * omega^(2m) is in half 1 at m - 1, so
    the shifted columns of half 1 are computed first. Half j fills positions
    [j N/2, (j + 1) N/2) of the bit-reversed result (the top bit of bitrev(j + 2m) is j).
    """
    half = n // 2
    if half == 0:
        raise ValueError("the quotient needs N >= 2")
    names = constraint_columns(circuit)
    shifted = shifted_columns(circuit)
    shift_1 = shift * root_of_unity(n) % R
    rows = bitrev_indices(half)
    before = rows[(rows - 1) % half]  # position of m - 1, for the position of m
    ahead = {name: dif(coeffs[name], half, g=shift_1) for name in shifted}
    prev = {name: values[before] for name, values in ahead.items()}
    out = np.empty((n, 4), dtype=np.uint64)
    evals = {name: dif(coeffs[name], half, g=shift) for name in set(names) | set(shifted)}
    out[:half] = constraint_sum(evals, challenges, circuit, prev)
    prev = {name: evals[name] for name in shifted}
    del evals
    evals = {name: ahead.pop(name) if name in ahead else dif(coeffs[name], half, g=shift_1)
             for name in names}  # fmt: skip
    out[half:] = constraint_sum(evals, challenges, circuit, prev)
    return out


def quotient_is_low_degree(t_coeffs: np.ndarray, n: int) -> bool:
    """True iff every coefficient beyond the degree bound of an honest quotient is zero."""
    return not np.any(t_coeffs[quotient_degree_bound(n) :])
