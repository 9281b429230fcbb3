"""KZG commitments and batched openings over an SRS directory (PROTOCOL.md sections 2, 5).

Points returned here are affine integer pairs ``(x, y)`` (standard form, not Montgomery),
with ``(0, 0)`` the point at infinity — what ``msm`` returns. :func:`point_bytes` gives the
64-byte encoding and :func:`to_py_ecc` the py_ecc point (verifier/encoding.py);
``verify_openings`` in verifier/kzg.py accepts either form.

Field vectors are helper-1's (n, 4) uint64 Montgomery arrays (prover/fields.py).

Commitments to evaluations skip the zero rows, and :func:`commit_keyed` commits a column
that is a function of a small key column through the Lagrange points summed by key
(:func:`lagrange_buckets`): sum_i table[keys[i]] L_i = sum_k table[k] B_k.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from zkpor.prover.arith.field import (
    fr_add,
    fr_axpy,
    fr_div_linear,
    fr_eval_poly,
    fr_from_ints,
    fr_to_standard,
)
from zkpor.prover.arith.g1 import g1_from_affine_ints
from zkpor.prover.arith.msm import add_point_arrays, bucket_sums, msm, msm_small
from zkpor.prover.arith.ntt import intt
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


def _small_vector(values: np.ndarray, limit: int) -> np.ndarray:
    a = np.ascontiguousarray(values, dtype=np.uint64)
    if a.ndim != 1 or len(a) > limit:
        raise ValueError(f"small values must be a 1-D uint64 array of length <= {limit}")
    return a


def _column(srs: SRS, values: np.ndarray) -> np.ndarray:
    """A column as committed: small integers (1-D) or field elements ((n, 4) Montgomery)."""
    if np.ndim(values) == 1:
        return _small_vector(values, srs.n)
    return _vector(values, "values", srs.n)


def _commit_rows(points: np.ndarray, values: np.ndarray) -> Point:
    """sum_i values[i] * points[i] over the nonzero values only (1-D small integers, or
    (n, 4) Montgomery): up to the last nonzero row, gathered when at most half are nonzero."""
    rows = np.flatnonzero(values if values.ndim == 1 else values.any(axis=1))
    if len(rows) == 0:
        return INFINITY
    end = int(rows[-1]) + 1
    if 2 * len(rows) <= end:
        points, values = points[rows], values[rows]
    else:
        points, values = points[:end], values[:end]
    pts = np.ascontiguousarray(points)
    if values.ndim == 1:
        return _point(msm_small(pts, values))
    return _point(msm(pts, fr_to_standard(np.ascontiguousarray(values))))


def commit_evals(srs: SRS, values_mont: np.ndarray) -> Point:
    """Commit to the polynomial with the given values on H (Lagrange basis, <= N values)."""
    a = _vector(values_mont, "values", srs.n)
    return _commit_rows(srs.lagrange[: len(a)], a)


def commit_evals_small(srs: SRS, values: np.ndarray) -> Point:
    """As :func:`commit_evals` for small non-negative integer values (uint64, not Montgomery)."""
    a = _small_vector(values, srs.n)
    return _commit_rows(srs.lagrange[: len(a)], a)


@dataclass(frozen=True)
class KeyBuckets:
    """The Lagrange points summed by a key column: sums[k] = sum of L_i over keys[i] = k."""

    keys: np.ndarray
    """One key per row (rows 0 .. len - 1 of H): a private copy, in the narrowest dtype."""
    sums: np.ndarray
    """(nkeys, 2, 4) affine Montgomery points; an empty bucket is infinity."""

    @property
    def nkeys(self) -> int:
        return len(self.sums)


def lagrange_buckets(srs: SRS, keys: np.ndarray, nkeys: int) -> KeyBuckets:
    """Bucket the first len(keys) Lagrange points by key (integers in [0, nkeys), ValueError
    otherwise), about one batch-affine addition per row.

    When the keys cover H, the rows of the most common key need not be added up: their
    bucket is [1]_1 minus the others, since sum_i L_i(X) = 1 (true of every SRS that
    passes ``check_srs``: its Lagrange points are the monomial ones interpolated).
    """
    k = np.array(keys)
    if k.ndim != 1 or len(k) > srs.n:
        raise ValueError(f"keys must be a 1-D integer array of length <= {srs.n}")
    total = np.asarray(srs.monomial[0]) if len(k) == srs.n else None
    sums = bucket_sums(srs.lagrange[: len(k)], k, nkeys, total)  # checks 0 <= k < nkeys
    return KeyBuckets(k.astype(np.min_scalar_type(nkeys - 1)), sums)


def keyed_table(
    values: np.ndarray, buckets: Sequence[KeyBuckets], table: np.ndarray | None = None
) -> np.ndarray | None:
    """The table of a column that is a function of key columns, None if it is not one.

    ``values`` 1-D uint64 small integers or (n, 4) Montgomery. One key column and no
    table: the table is read off the values (table[keys] = values). A ``table`` (as the
    values: 1-D uint64 or (nkeys, 4) Montgomery) with one or more key columns (several
    only for field values): the column must be sum_c table[keys_c]. Either identity is
    checked exactly at every row.
    """
    a = np.asarray(values)
    if not buckets:
        raise ValueError("no key columns")
    if a.ndim == 1 and len(buckets) > 1:
        raise ValueError("several key columns take field (Montgomery) values")
    if any(len(b.keys) != len(a) for b in buckets):
        raise ValueError("the key columns and the values differ in length")
    nkeys = buckets[0].nkeys
    if table is None:
        if len(buckets) > 1:
            raise ValueError("a table read off the values takes exactly one key column")
        tab = np.zeros((nkeys, *a.shape[1:]), dtype=np.uint64)
        tab[buckets[0].keys] = a
    else:
        tab = np.ascontiguousarray(table, dtype=np.uint64)
    if tab.shape != (nkeys, *a.shape[1:]) or any(b.nkeys != nkeys for b in buckets):
        raise ValueError(f"the table and the key columns must have {nkeys} entries")
    expected = tab[buckets[0].keys]
    for b in buckets[1:]:
        expected = fr_add(expected, tab[b.keys])
    return tab if np.array_equal(expected, a) else None


def commit_keyed(
    srs: SRS, values: np.ndarray, buckets: Sequence[KeyBuckets], table: np.ndarray | None = None
) -> Point:
    """:func:`commit_evals` of the column ``values`` (:func:`commit_evals_small` for 1-D
    uint64 values), through the Lagrange points bucketed by key when it is a function of
    the keys (:func:`keyed_table`): then it is sum_k table[k] * sum_c B^c_k, an MSM over
    nkeys points. Otherwise the rows are committed directly. Either way the result is
    the commitment of ``values``, whatever they are.
    """
    a = _column(srs, values)
    tab = keyed_table(a, buckets, table)
    if tab is None:
        return _commit_rows(srs.lagrange[: len(a)], a)
    points = buckets[0].sums
    for b in buckets[1:]:
        points = add_point_arrays(points, b.sums)
    return _commit_rows(points, tab)


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
    pts = np.concatenate([g1_from_affine_ints([commitment]), srs.monomial[idx]])
    scalars = fr_from_ints([1, *blinders, *((R - b) % R for b in blinders)])
    return _point(msm(pts, fr_to_standard(scalars)))


def blinded_interpolation(values: np.ndarray, blinders: Sequence[int]) -> np.ndarray:
    """Coefficients of f + Z_H(X) * sum_k b_k X^k for the f of degree < n with the given
    n values on H (small uint64 or Montgomery), Z_H = X^n - 1: length n + len(blinders).

    The inverse NTT writes straight into the longer buffer (no copy of the coefficients).
    """
    a = np.asarray(values, dtype=np.uint64) if np.ndim(values) == 1 else values
    n, k = len(a), len(blinders)
    if any(not 0 <= b < R for b in blinders):
        raise ValueError("blinding coefficients must be field elements below r")
    coeffs = np.zeros((n + k, 4), dtype=np.uint64)
    intt(a, out=coeffs[:n])
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
    "SRS",
    "KeyBuckets",
    "Point",
    "SetupError",
    "add_points",
    "blind",
    "blinded_interpolation",
    "combine",
    "commit_coeffs",
    "commit_evals",
    "commit_evals_small",
    "commit_keyed",
    "evaluate",
    "keyed_table",
    "lagrange_buckets",
    "open_batch",
    "open_combined",
    "point_bytes",
    "to_py_ecc",
]
