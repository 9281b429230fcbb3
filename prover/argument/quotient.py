"""The quotient T = (sum_k alpha^k C_k) / Z_H (PROTOCOL.md section 5).

T has fewer than 3N coefficients: those from X^2N up come exactly from the columns'
top coefficients (:func:`quotient_top`), the rest from two of the size-N cosets of
5 * H_4N (shifts 5 * omega_4N^c). On each, Z_H is the constant shift^N - 1, so the
constraints are evaluated one size-N coset at a time, each in two halves (never
every column's evaluations on a whole coset at once), by the fused kernel of
:mod:`zkpor.prover.argument.constraint_kernel`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zkpor.circuits.expr import evaluate
from zkpor.circuits.solvency import COSET_SHIFT, MAX_DEGREE, V1, Circuit, quotient_degree_bound
from zkpor.prover.argument.constraint_kernel import (
    constraint_columns,
    constraint_sum,
    linear_columns,
    linear_terms,
    shifted_columns,
)
from zkpor.prover.arith.field import (
    fr_add,
    fr_axpy,
    fr_from_ints,
    fr_mul,
    fr_mul_int,
    fr_powers,
    fr_sub,
    fr_to_ints,
)
from zkpor.prover.arith.ntt import bitrev_indices, dif, dit
from zkpor.prover.setup.kzg import accumulate
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
        out = accumulate(out, fr_mul(f, fr_powers(omega_inv, len(f))) if shifted else f, coef)
    return out


def fold(coeffs: np.ndarray, k: int, n: int) -> np.ndarray:
    """f mod (X^N - k): the polynomial of degree < N equal to f where X^N = k."""
    return fr_axpy(np.array(coeffs[:n], dtype=np.uint64), coeffs[n:], k)


def compute_quotient(
    coeffs: Mapping[str, np.ndarray], n: int, challenges: dict[str, int], circuit: Circuit = V1
) -> np.ndarray:
    """Coefficients of T = (sum_k alpha^k C_k) / Z_H, ``quotient_degree_bound(n)`` of them.

    T = T_0 + X^N T_1 + X^2N T_2 with deg T_0, T_1 < N and T_2 the few coefficients from
    2N up (deg T <= 2N + 6). On a coset shift * H_N, X^N is the constant k = shift^N, so
    interpolating T's values there gives U = T_0 + k T_1 + k^2 T_2. T_2 comes exactly
    from the top coefficients of the columns (:func:`quotient_top`), so two cosets
    (shifts 5 omega_4N^c, c = 0, 1; distinct k) determine T_0 and T_1. The linear
    columns' share of U is added in coefficient form (:func:`linear_part`). Nothing here
    checks that Z_H divides the constraint sum: the prover checks T at zeta.
    """
    omega_4n = root_of_unity(4 * n)
    linear = linear_part(coeffs, linear_terms(circuit, challenges), n)
    top = quotient_top(coeffs, n, challenges, circuit)
    t2 = np.zeros((n, 4), dtype=np.uint64)
    t2[: len(top)] = fr_from_ints(top)
    us, ks = [], []
    for c in range(2):
        shift = COSET_SHIFT * pow(omega_4n, c, R) % R
        k = pow(shift, n, R)
        values = coset_constraint_sum(coeffs, n, shift, challenges, circuit)
        u = dit(values, inverse=True, c0=inv(n * (k - 1) % R), g=inv(shift))
        u = fr_add(u, fr_mul_int(fold(linear, k, n), inv(k - 1)))
        us.append(fr_sub(u, fr_mul_int(t2, k * k % R)))  # T_0 + k T_1
        ks.append(k)
    t1 = fr_mul_int(fr_sub(us[0], us[1]), inv(ks[0] - ks[1]))
    t0 = fr_sub(us[0], fr_mul_int(t1, ks[0]))
    return np.concatenate([t0, t1, t2[: len(top)]])


class _TopBackend:
    """Values sum_d Z^d P_d(X), Z standing for X^base: products of the columns' tops.

    A column f is represented by Z * (its coefficients from degree ``base`` up), constants
    and challenges by Z^0; the representation is a ring map, so the Z^3 part of a
    constraint is exactly the sum of its products of three columns' tops. With
    base = 3N - 2 * (max column degree), every term dropped (a product with a factor's
    coefficient below base, or of fewer than three columns) has degree below 3N.
    """

    @staticmethod
    def _conv(x: list[int], y: list[int]) -> list[int]:
        out = [0] * (len(x) + len(y) - 1)
        for i, a in enumerate(x):
            if a:
                for j, b in enumerate(y):
                    out[i + j] = (out[i + j] + a * b) % R
        return out

    @staticmethod
    def lift(x: dict[int, list[int]] | int) -> dict[int, list[int]]:
        return {0: [x % R]} if isinstance(x, int) else x

    def add(self, x, y, sign: int = 1):  # noqa: ANN001, ANN201
        x, y = self.lift(x), self.lift(y)
        out = {d: list(p) for d, p in x.items()}
        for d, p in y.items():
            acc = out.setdefault(d, [])
            acc.extend([0] * (len(p) - len(acc)))
            for i, c in enumerate(p):
                acc[i] = (acc[i] + sign * c) % R
        return out

    def sub(self, x, y):  # noqa: ANN001, ANN201
        return self.add(x, y, -1)

    def mul(self, x, y):  # noqa: ANN001, ANN201
        x, y = self.lift(x), self.lift(y)
        out: dict[int, list[int]] = {}
        for dx, px in x.items():
            for dy, py in y.items():
                out = self.add(out, {dx + dy: self._conv(px, py)})
        return out


def quotient_top(
    coeffs: Mapping[str, np.ndarray], n: int, challenges: dict[str, int], circuit: Circuit = V1
) -> list[int]:
    """T's coefficients from degree 2N up to the degree bound, exactly.

    C = T * (X^N - 1) and deg T < 3N, so C's coefficient of X^(3N + j) is T's of
    X^(2N + j). Only products of MAX_DEGREE columns reach degree 3N, and their
    coefficients there depend only on each factor's coefficients from degree
    base = 3N - 2 * (max column degree) up (:class:`_TopBackend`).
    """
    bound = quotient_degree_bound(n)
    blinders = circuit.blinders  # a witness column has n + blinders coefficients, a public n
    length = n + max(blinders.get(name, 0) for name in constraint_columns(circuit))
    base = max(0, MAX_DEGREE * n - (MAX_DEGREE - 1) * (length - 1))
    omega_inv = inv(root_of_unity(n))
    tops: dict[str, list[int]] = {}

    linear = set(linear_columns(circuit.constraints))

    def column(name: str, shifted: bool) -> dict[int, list[int]] | int:
        if name in linear:  # only ever multiplied by constants: degree < 3N
            return 0
        if name not in tops:
            f = coeffs[name]
            if len(f) > length:
                raise ValueError(f"{name} has {len(f)} coefficients, at most {length} expected")
            tops[name] = fr_to_ints(np.asarray(f[base:]))
        top = tops[name]
        if shifted:
            top = [c * pow(omega_inv, base + i, R) % R for i, c in enumerate(top)]
        return {1: top}

    backend = _TopBackend()
    total: dict[int, list[int]] = {}
    alpha_k = 1
    memo: dict[int, object] = {}
    for _, expr in circuit.constraints:
        value = evaluate(expr, backend, column, challenges.__getitem__, memo)  # type: ignore[arg-type]
        total = backend.add(total, backend.mul(value, alpha_k))
        alpha_k = alpha_k * challenges["alpha"] % R
    if max(total) > MAX_DEGREE:
        raise ValueError(f"a constraint has degree above {MAX_DEGREE}")
    cubic = total.get(MAX_DEGREE, [])
    first = MAX_DEGREE * (n - base)  # index of X^(3N) in the cubic part
    return [cubic[first + j] if first + j < len(cubic) else 0 for j in range(bound - 2 * n)]


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
