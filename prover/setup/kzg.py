"""KZG commitments and batched openings over an SRS directory (PROTOCOL.md sections 2, 5).

Points returned here are affine integer pairs ``(x, y)`` (standard form, not Montgomery),
with ``(0, 0)`` the point at infinity — what ``msm`` returns. :func:`point_bytes` gives the
64-byte encoding and :func:`to_py_ecc` the py_ecc point (verifier/encoding.py);
``verify_openings`` in verifier/kzg.py accepts either form.

Field vectors are helper-1's (n, 4) uint64 Montgomery arrays (prover/fields.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from zkpor.prover.arith.field import (
    fr_add,
    fr_axpy,
    fr_div_linear,
    fr_eval_poly,
    fr_from_ints,
    fr_to_standard,
)
from zkpor.prover.arith.g1 import g1_to_affine_ints
from zkpor.prover.arith.msm import msm, msm_small
from zkpor.prover.setup.srs import SRS, SetupError
from zkpor.verifier.encoding import g1_from_affine
from zkpor.verifier.field import R
from zkpor.verifier.kzg import msm as _py_msm

Point = tuple[int, int]
INFINITY: Point = (0, 0)


def _point(xy: tuple[int, int]) -> Point:
    return (int(xy[0]), int(xy[1]))


def point_bytes(p: Point) -> bytes:
    """The 64-byte encoding x || y big-endian (infinity = 64 zero bytes)."""
    return p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big")


def to_py_ecc(p: Point) -> tuple:
    """The py_ecc optimized_bn128 point of an affine pair (checked on the curve)."""
    return g1_from_affine(*p)


def add_points(points: Sequence[Point], scalars: Sequence[int] | None = None) -> Point:
    """sum scalars[i] * points[i] (default all 1) for a handful of affine points."""
    aff = [None if p == INFINITY else p for p in points]
    res = _py_msm(aff, [1] * len(points) if scalars is None else list(scalars))
    return INFINITY if res is None else res


def _vector(values: np.ndarray, what: str, limit: int) -> np.ndarray:
    a = np.ascontiguousarray(values, dtype=np.uint64)
    if a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"{what} must be an (n, 4) uint64 array, got shape {a.shape}")
    if len(a) > limit:
        raise ValueError(f"{what} has {len(a)} entries, the SRS allows at most {limit}")
    return a


def commit_evals(srs: SRS, values_mont: np.ndarray) -> Point:
    """Commit to the polynomial with the given values on H (Lagrange basis, <= N values)."""
    a = _vector(values_mont, "values", srs.n)
    if len(a) == 0:
        return INFINITY
    return _point(msm(np.ascontiguousarray(srs.lagrange[: len(a)]), fr_to_standard(a)))


def commit_evals_small(srs: SRS, values: np.ndarray) -> Point:
    """As :func:`commit_evals` for small non-negative integer values (uint64, not Montgomery)."""
    a = np.ascontiguousarray(values, dtype=np.uint64)
    if a.ndim != 1 or len(a) > srs.n:
        raise ValueError(f"small values must be a 1-D uint64 array of length <= {srs.n}")
    if len(a) == 0:
        return INFINITY
    return _point(msm_small(np.ascontiguousarray(srs.lagrange[: len(a)]), a))


def commit_coeffs(srs: SRS, coeffs_mont: np.ndarray) -> Point:
    """Commit to a polynomial given by its coefficients (degree <= N+2)."""
    a = _vector(coeffs_mont, "coefficients", len(srs.monomial))
    if len(a) == 0:
        return INFINITY
    return _point(msm(np.ascontiguousarray(srs.monomial[: len(a)]), fr_to_standard(a)))


def blind(srs: SRS, commitment: Point, blinders: Sequence[int]) -> Point:
    """Commitment of f + Z_H * sum_k b_k X^k: C + sum_k b_k([tau^(N+k)]_1 - [tau^k]_1)."""
    k = len(blinders)
    if k > len(srs.monomial) - srs.n:
        raise ValueError(f"at most {len(srs.monomial) - srs.n} blinding coefficients")
    if any(not 0 <= b < R for b in blinders):
        raise ValueError("blinding coefficients must be field elements below r")
    idx = [*range(srs.n, srs.n + k), *range(k)]
    pts = [_point(p) for p in g1_to_affine_ints(np.ascontiguousarray(srs.monomial[idx]))]
    scalars = [1, *blinders, *((R - b) % R for b in blinders)]
    return add_points([commitment, *pts], scalars)


def blinded_coeffs(coeffs: np.ndarray, blinders: Sequence[int], n: int) -> np.ndarray:
    """Coefficients of f + Z_H(X) * sum_k b_k X^k, Z_H = X^n - 1 (length n + len(blinders))."""
    a = _vector(coeffs, "coefficients", n)
    out = np.zeros((n + len(blinders), 4), dtype=np.uint64)
    out[: len(a)] = a
    return add_blinders(out, blinders, n)


def add_blinders(coeffs: np.ndarray, blinders: Sequence[int], n: int) -> np.ndarray:
    """In place: coefficients of f (degree < n, length n + k) become f + Z_H * sum b_k X^k."""
    k = len(blinders)
    if coeffs.shape != (n + k, 4) or coeffs.dtype != np.uint64:
        raise ValueError(f"blinding {k} coefficients needs an ({n + k}, 4) uint64 buffer")
    if any(not 0 <= b < R for b in blinders):
        raise ValueError("blinding coefficients must be field elements below r")
    if k:
        coeffs[n:] = fr_add(coeffs[n:], fr_from_ints(list(blinders)))
        coeffs[:k] = fr_add(coeffs[:k], fr_from_ints([(R - b) % R for b in blinders]))
    return coeffs


def combine(coeff_list: Iterable[np.ndarray], v: int) -> np.ndarray:
    """sum_k v^k f_k as one coefficient vector (shorter inputs zero-padded).

    The polynomials are taken one at a time, so ``coeff_list`` may be a generator that
    reads each from storage: only the sum and one input are in memory at once.
    """
    acc: np.ndarray | None = None
    vk = 1
    for f in coeff_list:
        acc = accumulate(acc, f, vk)
        vk = vk * v % R
    if acc is None:
        raise ValueError("nothing to combine")
    return acc


def accumulate(acc: np.ndarray | None, f: np.ndarray, c: int) -> np.ndarray:
    """acc + c * f (acc None is zero; the result is as long as the longer one)."""
    f = np.ascontiguousarray(f, dtype=np.uint64)
    if acc is None or len(acc) < len(f):
        grown = np.zeros((len(f), 4), dtype=np.uint64)
        if acc is not None:
            grown[: len(acc)] = acc
        acc = grown
    return fr_axpy(acc, f, c % R)


def evaluate(coeffs: np.ndarray, z: int) -> int:
    """f(z) as an int for Montgomery coefficients."""
    return int(fr_eval_poly(np.ascontiguousarray(coeffs, dtype=np.uint64), z % R))


def open_batch(srs: SRS, coeff_list: Iterable[np.ndarray], z: int, v: int) -> Point:
    """W = [(h(X) - h(z)) / (X - z)]_1 with h = sum_k v^k f_k (PLONK batching)."""
    return open_combined(srs, combine(coeff_list, v), z)


def open_combined(srs: SRS, h: np.ndarray, z: int) -> Point:
    """W = [(h(X) - h(z)) / (X - z)]_1 for an already combined h."""
    if len(h) > len(srs.monomial) + 1:
        raise ValueError(f"degree {len(h) - 1} is too large for the SRS")
    q = fr_div_linear(h, z % R)
    return commit_coeffs(srs, q)


__all__ = [
    "INFINITY",
    "accumulate",
    "add_blinders",
    "SRS",
    "Point",
    "SetupError",
    "add_points",
    "blind",
    "blinded_coeffs",
    "combine",
    "commit_coeffs",
    "commit_evals",
    "commit_evals_small",
    "evaluate",
    "open_batch",
    "open_combined",
    "point_bytes",
    "to_py_ecc",
]
