"""BN254 scalar-field arithmetic on Python integers (the verifier's reference)."""

from __future__ import annotations

from collections.abc import Sequence

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
"""The BN254 scalar field modulus r (the order of G1)."""

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
"""The BN254 base field modulus (G1 coordinates live in F_q)."""

GENERATOR = 5
"""Multiplicative generator of F_r^*, used for roots of unity and the quotient coset."""

TWO_ADICITY = 28


def inv(x: int) -> int:
    """Inverse of x modulo r; raises ZeroDivisionError for x = 0."""
    x %= R
    if x == 0:
        raise ZeroDivisionError("inverse of zero in F_r")
    return pow(x, -1, R)


def batch_inv(xs: Sequence[int]) -> list[int]:
    """Inverses of all xs with one field inversion (Montgomery's trick); all must be non-zero."""
    n = len(xs)
    prefix = [1] * (n + 1)
    acc = 1
    for i, x in enumerate(xs):
        if x % R == 0:
            raise ZeroDivisionError("inverse of zero in F_r")
        acc = acc * x % R
        prefix[i + 1] = acc
    out = [0] * n
    acc = pow(acc, -1, R)
    for i in range(n - 1, -1, -1):
        out[i] = acc * prefix[i] % R
        acc = acc * xs[i] % R
    return out


def root_of_unity(n: int) -> int:
    """omega_n = 5^((r-1)/n), a primitive n-th root of unity for n a power of two <= 2^28."""
    if n < 1 or n & (n - 1) or n > 1 << TWO_ADICITY:
        raise ValueError(f"domain size {n} is not a power of two <= 2^{TWO_ADICITY}")
    return pow(GENERATOR, (R - 1) // n, R)


def previous_point(x: int, n: int) -> int:
    """omega_n^-1 * x: where shifted columns (values at the previous row) are opened."""
    return x * pow(root_of_unity(n), n - 1, R) % R
