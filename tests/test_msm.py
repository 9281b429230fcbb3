"""MSM against py_ecc and against the scalar identity sum s_i (a_i G) = (sum s_i a_i) G."""

from __future__ import annotations

import random
from pathlib import Path

import numba
import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from zkpor.prover.arith import g1 as G
from zkpor.prover.arith.msm import (
    _stream_buckets,
    _sum_buckets,
    _window_buckets,
    add_point_arrays,
    bucket_sums,
    choose_window,
    msm,
    msm_small,
)
from zkpor.verifier.field import R


def _aff(p: tuple) -> tuple[int, int]:
    if bn.is_inf(p):
        return (0, 0)
    x, y = bn.normalize(p)
    return (int(x), int(y))


def _limbs(ks: list[int]) -> np.ndarray:
    return np.array(
        [[(k >> (64 * i)) & (2**64 - 1) for i in range(4)] for k in ks], dtype=np.uint64
    ).reshape(-1, 4)


def _ref(pts: list[tuple], ks: list[int]) -> tuple[int, int]:
    acc = bn.Z1
    for p, k in zip(pts, ks, strict=True):
        acc = bn.add(acc, bn.multiply(p, k % R))
    return _aff(acc)


@pytest.fixture(scope="module")
def py_pts() -> list[tuple]:
    rng = random.Random(21)
    return [bn.multiply(bn.G1, rng.randrange(1, R)) for _ in range(33)]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 33])
def test_small_sizes_vs_py_ecc(py_pts: list[tuple], n: int) -> None:
    rng = random.Random(n)
    ks = [rng.randrange(R) for _ in range(n)]
    ks[0] = R - 1 if n > 1 else ks[0]
    if n > 3:
        ks[2] = 0
    arr = G.g1_from_py_ecc(py_pts[:n])
    assert msm(arr, _limbs(ks)) == _ref(py_pts[:n], ks)


def test_edge_cases(py_pts: list[tuple]) -> None:
    arr = G.g1_from_py_ecc(py_pts[:6])
    assert msm(arr, _limbs([0] * 6)) == (0, 0)
    assert msm_small(arr, np.zeros(6, np.uint64)) == (0, 0)
    assert msm(arr[:0], _limbs([])) == (0, 0)
    assert msm(arr[:1], _limbs([R - 1])) == _aff(bn.neg(py_pts[0]))
    assert msm(arr[:1], _limbs([1])) == _aff(py_pts[0])
    # duplicates, P and -P, infinity among the points
    pts = [py_pts[0], py_pts[0], py_pts[0], bn.neg(py_pts[0]), bn.Z1, py_pts[1], py_pts[1]]
    ks = [5, 5, 7, 17, 99, R - 3, 3]
    both = G.g1_from_py_ecc(pts)
    assert msm(both, _limbs(ks)) == _ref(pts, ks)  # = 0 * P0 + 0 * P1
    assert msm(both, _limbs(ks)) == (0, 0)
    ks2 = [1, 2, 3, 4, 5, 6, 7]
    assert msm(both, _limbs(ks2)) == _ref(pts, ks2)
    assert msm_small(both, np.array(ks2, np.uint64)) == _ref(pts, ks2)


def test_scalars_above_r_and_full_width(py_pts: list[tuple]) -> None:
    ks = [(1 << 256) - 1, R, R + 5, 1 << 255]
    arr = G.g1_from_py_ecc(py_pts[:4])
    assert msm(arr, _limbs(ks)) == _ref(py_pts[:4], ks)


def _random_points(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    rng = random.Random(seed)
    a = [rng.randrange(1, R) for _ in range(n)]
    return G.g1_fixed_base_mul(G.G1_GEN, _limbs(a)), a


@pytest.mark.parametrize("threads", [1, 2])
def test_thousands_vs_scalar_identity(threads: int) -> None:
    n = 3001
    pts, a = _random_points(n, 5)
    rng = random.Random(6)
    ks = [rng.randrange(R) for _ in range(n)]
    ks[10:20] = [0] * 10
    ks[20:25] = [R - 1] * 5
    pts[30:40] = pts[40:50]  # duplicate points
    a[30:40] = a[40:50]
    pts[50] = 0  # a point at infinity
    a[50] = 0
    old = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        got = msm(pts, _limbs(ks))
        vals = np.array([rng.randrange(1 << 16) for _ in range(n)], dtype=np.uint64)
        small = msm_small(pts, vals)
    finally:
        numba.set_num_threads(old)
    assert got == _aff(bn.multiply(bn.G1, sum(x * k for x, k in zip(a, ks, strict=True)) % R))
    exp_small = _aff(bn.multiply(bn.G1, sum(x * int(v) for x, v in zip(a, vals, strict=True)) % R))
    assert small == exp_small
    assert msm(pts, _limbs([int(v) for v in vals])) == exp_small


@pytest.mark.parametrize("bits", [1, 2, 8, 16, 17, 33, 64])
def test_msm_small_widths(bits: int) -> None:
    n = 257
    pts, a = _random_points(n, bits)
    rng = np.random.default_rng(bits)
    vals = rng.integers(0, 1 << bits, size=n, dtype=np.uint64)
    vals[0] = (1 << bits) - 1  # the maximum width really occurs
    exp = _aff(bn.multiply(bn.G1, sum(x * int(v) for x, v in zip(a, vals, strict=True)) % R))
    assert msm_small(pts, vals) == exp
    assert msm_small(pts, vals.astype(np.int64) if bits < 64 else vals) == exp
    assert msm(pts, _limbs([int(v) for v in vals])) == exp


def test_memmap_points(tmp_path: Path) -> None:
    pts, a = _random_points(100, 8)
    f = tmp_path / "pts.bin"
    pts.tofile(f)
    mm = np.memmap(f, dtype=np.uint64, mode="r", shape=pts.shape)
    ks = list(range(1, 101))
    exp = _aff(bn.multiply(bn.G1, sum(x * k for x, k in zip(a, ks, strict=True)) % R))
    assert msm(mm, _limbs(ks)) == exp
    assert msm_small(mm, np.array(ks, np.uint64)) == exp


def test_errors_and_window_choice() -> None:
    pts, _ = _random_points(4, 1)
    with pytest.raises(ValueError):
        msm_small(pts, np.array([1, -1, 2, 3]))
    with pytest.raises(ValueError):
        msm(pts, _limbs([1, 2, 3]))
    c, nw, ch = choose_window(1 << 20, 254, 1)
    assert c * nw >= 255 and ch == 1
    c, nw, ch = choose_window(1 << 20, 16, 2)
    assert nw == 1 and c >= 17 and ch == 2


# -- streamed window buckets ------------------------------------------------------------


def _tree_buckets(pts: np.ndarray, codes: np.ndarray, nb: int) -> np.ndarray:
    buf, start, cnt = _sum_buckets(pts, codes, 0, nb)
    out = np.zeros((nb, 2, 4), dtype=np.uint64)
    for b in np.flatnonzero(cnt):
        out[b] = buf[start[b]]
    return out


def _stream_cases(n: int, nb: int) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """(points, codes = 2 * bucket + sign or -1, streams to the end): random buckets and
    signs; P + P, P + (-P) and a point at infinity in one bucket; a few hot buckets and
    long runs of one bucket (both give up streaming)."""
    pts, _ = _random_points(n, 17)
    pts[5:9] = pts[1]  # the same point four times
    pts[100] = 0  # a point at infinity
    rng = np.random.default_rng(3)
    uniform = 2 * rng.integers(0, nb, n) + rng.integers(0, 2, n)
    uniform[rng.integers(0, n, 50)] = -1
    hot = 2 * rng.integers(0, 3, n) + rng.integers(0, 2, n)
    edge = uniform.copy()
    edge[1], edge[5], edge[6], edge[7], edge[8] = 40, 40, 41, 40, 41  # 2P then 3P - 2P ...
    edge[100] = 40  # infinity into the same bucket
    runs = np.repeat(2 * rng.permutation(nb)[: n // 10 + 1], 10)[:n]  # no bucket is hot
    return [
        (pts, uniform, True),
        (pts, edge, True),
        (pts[:1], np.array([7]), True),
        (pts, hot, False),
        (pts, runs, False),
    ]


def test_streamed_buckets_equal_the_trees() -> None:
    nb = 1024
    for pts, codes, streams in _stream_cases(3001, nb):
        codes = codes.astype(np.int64)
        exp = _tree_buckets(pts, codes, nb)
        got, done = _stream_buckets(pts, codes, 0, nb)
        assert done == streams
        if done:
            assert (got == exp).all()
        assert (_window_buckets(pts, codes, 0, nb) == exp).all()


def test_streamed_buckets_vs_py_ecc(py_pts: list[tuple]) -> None:
    """Bucket b holds sum (-1)^sign P over its points, checked against py_ecc."""
    nb = 1024
    rng = random.Random(9)
    pts = [py_pts[rng.randrange(8)] for _ in range(600)]
    codes = [2 * rng.randrange(200) + rng.randrange(2) for _ in pts]  # P + P, P - P occur
    exp = [bn.Z1] * nb
    for p, code in zip(pts, codes, strict=True):
        exp[code >> 1] = bn.add(exp[code >> 1], bn.neg(p) if code & 1 else p)
    got, done = _stream_buckets(G.g1_from_py_ecc(pts), np.array(codes, dtype=np.int64), 0, nb)
    assert done and (got == G.g1_from_py_ecc(exp)).all()


@pytest.mark.parametrize("threads", [1, 2])
def test_streamed_msm_vs_scalar_identity(threads: int) -> None:
    """Big enough for streamed windows; r - k scalars make the top windows one hot bucket
    (those go to the trees)."""
    n = (1 << 15) + 7
    pts, a = _random_points(n, 23)
    rng = random.Random(24)
    ks = [rng.randrange(R) for _ in range(n)]
    ks[:4000] = [R - rng.randrange(1, 1 << 40) for _ in range(4000)]
    assert choose_window(n, 254, threads)[0] >= 11
    got = _with_threads(threads, msm, pts, _limbs(ks))
    assert got == _aff(bn.multiply(bn.G1, sum(x * k for x, k in zip(a, ks, strict=True)) % R))
    neg = [R - rng.randrange(1, 1 << 40) for _ in range(n)]
    got = _with_threads(threads, msm, pts, _limbs(neg))
    assert got == _aff(bn.multiply(bn.G1, sum(x * k for x, k in zip(a, neg, strict=True)) % R))


def test_weighted_bucket_sum_in_lanes_vs_scalar_identity() -> None:
    """sum_b (b + 1) B_b by the lanes (nb >= 4096) equals the scalar identity, with empty
    buckets, equal buckets (a doubling inside a lane) and a bucket cancelling a lane's
    running sum (infinity) among them."""
    from numba import njit

    from zkpor.prover.arith.g1 import jac_store
    from zkpor.prover.arith.msm import _LANES_MIN_BUCKETS, _jac_to_affine_ints, _weighted_sum

    @njit
    def weighted(buckets):  # noqa: ANN001, ANN202
        out = np.empty((1, 3, 4), dtype=np.uint64)
        jac_store(out, 0, _weighted_sum(buckets))
        return out[0]

    nb = _LANES_MIN_BUCKETS
    rng = random.Random(41)
    a = [rng.randrange(1, R) for _ in range(nb)]
    span = nb // 256
    top = span - 1  # lane 0's first bucket (the lanes run from the top down)
    a[top - 1] = a[top]  # run_0 = P, then P + P
    a[top - 2] = 0  # an empty bucket: acc_0 + run_0 with acc_0 = run_0 = 2P
    a[top - 3] = (R - 2 * a[top]) % R  # cancels run_0: infinity
    a[5 * span : 6 * span] = [0] * span  # an empty lane
    a[-1] = 0
    buckets = G.g1_fixed_base_mul(G.G1_GEN, _limbs(a))
    got = _jac_to_affine_ints(weighted(buckets))
    want = _aff(bn.multiply(bn.G1, sum((b + 1) * x for b, x in enumerate(a)) % R))
    assert got == want


# -- bucket sums and element-wise additions ------------------------------------------


def _bucket_ref(pts: list[tuple], keys: list[int], nkeys: int) -> np.ndarray:
    sums = [bn.Z1] * nkeys
    for p, k in zip(pts, keys, strict=True):
        sums[k] = bn.add(sums[k], p)
    return G.g1_from_py_ecc(sums)


def _with_threads(threads: int, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    old = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        return fn(*args, **kwargs)
    finally:
        numba.set_num_threads(old)


def _bucket_cases(py_pts: list[tuple]) -> list[tuple[list[tuple], list[int], int]]:
    """(points, keys, nkeys): random keys with empty buckets, one bucket, nkeys = 1, odd and
    even bucket sizes, P + P, P + (-P) and infinity inside buckets."""
    rng = random.Random(31)
    p0, p1, p2 = py_pts[:3]
    many = [py_pts[rng.randrange(len(py_pts))] for _ in range(200)]
    return [
        (py_pts, [rng.randrange(50) for _ in py_pts], 50),  # most buckets empty
        (py_pts, [7] * len(py_pts), 9),  # everything in one bucket
        (py_pts[:5], [0] * 5, 1),
        (py_pts[:1], [0], 1),
        (py_pts[:6], [0, 1, 0, 1, 1, 1], 2),  # odd and even counts
        ([p0, p0, p1, p0, p0, p0], [3, 3, 2, 2, 1, 1], 4),  # P + P at level 0
        ([p0, p1, p0, p1], [0, 0, 0, 0], 1),  # (P0 + P1) + (P0 + P1): doubling at level 1
        ([p0, bn.neg(p0), p1, p2, bn.neg(p2)], [1, 1, 0, 0, 0], 2),  # P + (-P) -> infinity
        ([p0, bn.neg(p0), p1], [0, 0, 0], 1),  # infinity then P1
        ([bn.Z1, p0, bn.Z1, bn.Z1], [0, 0, 1, 2], 3),  # infinity inputs are left out
        (many, [rng.randrange(20) for _ in many], 20),  # repeated points in big buckets
    ]


@pytest.mark.parametrize("threads", [1, 2])
def test_bucket_sums_vs_py_ecc(py_pts: list[tuple], threads: int) -> None:
    for pts, keys, nkeys in _bucket_cases(py_pts):
        arr = G.g1_from_py_ecc(pts)
        exp = _bucket_ref(pts, keys, nkeys)
        for dtype in (np.int64, np.uint64):
            got = _with_threads(threads, bucket_sums, arr, np.array(keys, dtype=dtype), nkeys)
            assert got.shape == (nkeys, 2, 4)
            assert np.array_equal(got, exp), (keys, nkeys)


@pytest.mark.parametrize("threads", [1, 2])
def test_bucket_sums_with_the_total(py_pts: list[tuple], threads: int) -> None:
    """With the total known, the most common key's bucket is total - the others."""
    rng = random.Random(32)
    pts = [py_pts[rng.randrange(len(py_pts))] for _ in range(300)]
    pts[5] = bn.Z1
    total = G.g1_from_py_ecc([_sum(pts)])[0]
    arr = G.g1_from_py_ecc(pts)
    for keys, nkeys in (
        ([0 if rng.random() < 0.8 else rng.randrange(40) for _ in pts], 40),  # key 0 skipped
        ([39 if rng.random() < 0.8 else rng.randrange(40) for _ in pts], 40),  # key 39
        ([rng.randrange(300) for _ in pts], 300),  # no key common enough: nothing skipped
        ([0] * len(pts), 1),
    ):
        got = _with_threads(threads, bucket_sums, arr, np.array(keys), nkeys, total)
        assert np.array_equal(got, _bucket_ref(pts, keys, nkeys))
    # a wrong total shows up in the skipped bucket only
    keys = [0] * 200 + [1] * 100
    wrong = G.g1_from_py_ecc([bn.add(_sum(pts), bn.G1)])[0]
    got = bucket_sums(arr, np.array(keys), 2, wrong)
    exp = _bucket_ref(pts, keys, 2)
    assert np.array_equal(got[1], exp[1]) and not np.array_equal(got[0], exp[0])


def _sum(pts: list[tuple]) -> tuple:
    acc = bn.Z1
    for p in pts:
        acc = bn.add(acc, p)
    return acc


def test_bucket_sums_large_vs_scalar_identity() -> None:
    """Thousands of points over 2^10 keys, chunked across threads: B_k = (sum a_i) G."""
    n, nkeys = 5000, 1 << 10
    pts, a = _random_points(n, 33)
    keys = np.random.default_rng(34).integers(0, nkeys, size=n)
    keys[:900] = 5  # one big bucket
    got = _with_threads(2, bucket_sums, pts, keys, nkeys)
    scal = [0] * nkeys
    for ai, k in zip(a, keys, strict=True):
        scal[k] = (scal[k] + ai) % R
    exp = G.g1_fixed_base_mul(G.G1_GEN, _limbs(scal))
    assert np.array_equal(got, exp)


def test_bucket_sums_rejects_bad_keys(py_pts: list[tuple]) -> None:
    arr = G.g1_from_py_ecc(py_pts[:4])
    with pytest.raises(ValueError, match=r"keys must lie in \[0, 4\), got 0..4"):
        bucket_sums(arr, np.array([0, 1, 4, 2]), 4)
    with pytest.raises(ValueError, match="got -1..2"):
        bucket_sums(arr, np.array([0, -1, 2, 2]), 4)
    with pytest.raises(ValueError, match=r"in \[0, 3\)"):
        bucket_sums(arr, np.array([0, 1, 2, 2**63], dtype=np.uint64), 3)
    with pytest.raises(ValueError, match="expected 4 keys"):
        bucket_sums(arr, np.array([0, 1, 2]), 4)
    with pytest.raises(ValueError, match="number of keys must be positive"):
        bucket_sums(arr[:0], np.zeros(0, np.int64), 0)
    with pytest.raises(TypeError, match="integer"):
        bucket_sums(arr, np.array([0.0, 1.0, 2.0, 3.0]), 4)
    with pytest.raises(ValueError, match="the total is one point"):
        bucket_sums(arr, np.array([0, 1, 2, 3]), 4, arr[:2])
    assert np.array_equal(bucket_sums(arr[:0], np.zeros(0, np.int64), 3), np.zeros((3, 2, 4)))


@pytest.mark.parametrize("threads", [1, 2])
def test_add_point_arrays_vs_py_ecc(py_pts: list[tuple], threads: int) -> None:
    p0, p1 = py_pts[:2]
    a = [*py_pts, p0, p0, bn.Z1, p1, bn.Z1]
    b = [*reversed(py_pts), p0, bn.neg(p0), p1, bn.Z1, bn.Z1]  # P + P, P - P, infinity
    got = _with_threads(threads, add_point_arrays, G.g1_from_py_ecc(a), G.g1_from_py_ecc(b))
    exp = G.g1_from_py_ecc([bn.add(x, y) for x, y in zip(a, b, strict=True)])
    assert np.array_equal(got, exp)
    pts, _ = _random_points(5000, 35)  # several blocks
    got = _with_threads(threads, add_point_arrays, pts, pts[::-1])
    assert np.array_equal(got, G.g1_add_affine(pts, np.ascontiguousarray(pts[::-1])))
    with pytest.raises(ValueError, match="different shapes"):
        add_point_arrays(pts[:3], pts[:4])
