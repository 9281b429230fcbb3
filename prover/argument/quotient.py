"""The quotient T = (sum_k alpha^k C_k) / Z_H (PROTOCOL.md section 5).

T has fewer than 3N coefficients, so three of the four size-N cosets of 5 * H_4N
(shifts 5 * omega_4N^c) determine it. On each, Z_H is the constant shift^N - 1, so the
constraints are evaluated one size-N coset at a time (never every column's
evaluations on the whole 4N coset at once) by the fused kernel of
:mod:`zkpor.prover.argument.constraint_kernel`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zkpor.circuits.solvency import COSET_SHIFT, QUOTIENT_PIECES, V1, Circuit, quotient_degree_bound
from zkpor.prover.argument.constraint_kernel import constraint_columns, constraint_sum
from zkpor.prover.arith.field import fr_add, fr_mul_int
from zkpor.prover.arith.ntt import bitrev_indices, dif, dit
from zkpor.verifier.field import R, inv, root_of_unity


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

    Evaluations stay in bit-reversed order from the forward transform (:func:`dif`, which
    also folds and shifts) through the constraint kernel to the inverse one (:func:`dit`,
    which also divides by N, by Z_H = k - 1 and unshifts): no reordering pass.
    """
    omega_4n = root_of_unity(4 * n)
    names = constraint_columns(circuit)
    rows = bitrev_indices(n)
    prev_rows = rows[(rows - 1) % n]
    us, ks = [], []
    for c in range(QUOTIENT_PIECES):
        shift = COSET_SHIFT * pow(omega_4n, c, R) % R
        k = pow(shift, n, R)
        evals = {name: dif(coeffs[name], n, g=shift) for name in names}
        values = constraint_sum(evals, challenges, circuit, prev_rows)
        del evals
        us.append(dit(values, inverse=True, c0=inv(n * (k - 1) % R), g=inv(shift)))
        ks.append(k)
    m_inv = _inverse_vandermonde(ks)
    pieces = []
    for row in m_inv:
        acc = fr_mul_int(us[0], row[0])
        for u, coef in zip(us[1:], row[1:], strict=True):
            acc = fr_add(acc, fr_mul_int(u, coef))
        pieces.append(acc)
    return np.concatenate(pieces)


def quotient_is_low_degree(t_coeffs: np.ndarray, n: int) -> bool:
    """True iff every coefficient beyond the degree bound of an honest quotient is zero."""
    return not np.any(t_coeffs[quotient_degree_bound(n) :])
