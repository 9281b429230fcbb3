"""BN254 G1 (y^2 = x^3 + 3 over F_q) on numpy arrays, numba kernels.

Layouts (all ``uint64``, Montgomery F_q limbs as in :mod:`zkpor.prover.arith.field`):
- affine points: shape (n, 2, 4) = (x, y); the point at infinity is all-zero limbs
  ((0, 0) is not on the curve, so this is unambiguous);
- Jacobian points: shape (n, 3, 4) = (X, Y, Z), x = X/Z^2, y = Y/Z^3; infinity has Z = 0.

Inside kernels a field element is a 4-tuple of limbs, an affine point a pair of them
and a Jacobian point a triple. Affine sums of many independent pairs share one field
inversion per chunk (Montgomery's trick), which is what makes batch-affine addition
cost about 6 multiplications.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit
from py_ecc import optimized_bn128 as bn
from py_ecc.fields import optimized_bn128_FQ as PyFQ

from zkpor.prover.arith.field import FQ
from zkpor.prover.arith.mont import (
    FQ_C,
    ZERO,
    eq,
    is_zero,
    load,
    lt,
    madd,
    minv,
    mmul,
    msub,
    run_tasks,
    store,
)
from zkpor.verifier.field import Q

_M = FQ_C.m
_ONE = FQ_C.one
_PM2 = FQ_C.pm2
_PLIMBS = (_M[0], _M[1], _M[2], _M[3])
_B3 = FQ_C.mont_tuple(3)
_Z4 = (ZERO, ZERO, ZERO, ZERO)

_CHUNK = 1024  # pairs per batch inversion in affine kernels (and per parallel task)
_SMUL_CHUNK = 64  # points per task of the variable-base scalar multiplication

K_ADD, K_DBL, K_COPY1, K_COPY2, K_INF = 0, 1, 2, 3, 4


# ----------------------------------------------------------------------------- F_q helpers


@njit(cache=True)
def fsqr(a):  # type: ignore[no-untyped-def]
    return mmul(a, a, _M)


@njit(cache=True)
def fdbl(a):  # type: ignore[no-untyped-def]
    return madd(a, a, _M)


@njit(cache=True)
def fneg(a):  # type: ignore[no-untyped-def]
    if is_zero(a):
        return a
    return msub(_PLIMBS, a, _M)


@njit(cache=True)
def finv(a):  # type: ignore[no-untyped-def]
    return minv(a, _PM2, _ONE, _M)


@njit(cache=True)
def load_pt(arr, i):  # type: ignore[no-untyped-def]
    """Affine point i of an (n, 2, 4) array as ((x limbs), (y limbs))."""
    return (
        (arr[i, 0, 0], arr[i, 0, 1], arr[i, 0, 2], arr[i, 0, 3]),
        (arr[i, 1, 0], arr[i, 1, 1], arr[i, 1, 2], arr[i, 1, 3]),
    )


@njit(cache=True)
def store_pt(arr, i, x, y):  # type: ignore[no-untyped-def]
    arr[i, 0, 0] = x[0]
    arr[i, 0, 1] = x[1]
    arr[i, 0, 2] = x[2]
    arr[i, 0, 3] = x[3]
    arr[i, 1, 0] = y[0]
    arr[i, 1, 1] = y[1]
    arr[i, 1, 2] = y[2]
    arr[i, 1, 3] = y[3]


@njit(cache=True)
def aff_is_inf(x, y):  # type: ignore[no-untyped-def]
    return is_zero(x) and is_zero(y)


# ----------------------------------------------------------------------------- Jacobian


@njit(cache=True)
def jac_inf():  # type: ignore[no-untyped-def]
    return (_ONE, _ONE, _Z4)


@njit(cache=True)
def jac_dbl(p):  # type: ignore[no-untyped-def]
    """2P (dbl-2009-l, a = 0): 2M + 5S."""
    x, y, z = p
    if is_zero(z):
        return p
    a = fsqr(x)
    b = fsqr(y)
    c = fsqr(b)
    d = fdbl(msub(msub(fsqr(madd(x, b, _M)), a, _M), c, _M))
    e = madd(fdbl(a), a, _M)
    f = fsqr(e)
    x3 = msub(f, fdbl(d), _M)
    y3 = msub(mmul(e, msub(d, x3, _M), _M), fdbl(fdbl(fdbl(c))), _M)
    z3 = fdbl(mmul(y, z, _M))
    return (x3, y3, z3)


@njit(cache=True)
def jac_madd(p, x2, y2):  # type: ignore[no-untyped-def]
    """P + (x2, y2) with the second point affine (madd-2007-bl): 7M + 4S; all cases handled."""
    if aff_is_inf(x2, y2):
        return p
    x1, y1, z1 = p
    if is_zero(z1):
        return (x2, y2, _ONE)
    z1z1 = fsqr(z1)
    u2 = mmul(x2, z1z1, _M)
    s2 = mmul(y2, mmul(z1, z1z1, _M), _M)
    h = msub(u2, x1, _M)
    r = fdbl(msub(s2, y1, _M))
    if is_zero(h):
        if is_zero(r):
            return jac_dbl(p)
        return jac_inf()
    hh = fsqr(h)
    i = fdbl(fdbl(hh))
    j = mmul(h, i, _M)
    v = mmul(x1, i, _M)
    x3 = msub(msub(fsqr(r), j, _M), fdbl(v), _M)
    y3 = msub(mmul(r, msub(v, x3, _M), _M), fdbl(mmul(y1, j, _M)), _M)
    z3 = msub(msub(fsqr(madd(z1, h, _M)), z1z1, _M), hh, _M)
    return (x3, y3, z3)


@njit(cache=True)
def jac_add(p, q):  # type: ignore[no-untyped-def]
    """P + Q, both Jacobian (add-2007-bl): 11M + 5S; all cases handled."""
    x1, y1, z1 = p
    x2, y2, z2 = q
    if is_zero(z1):
        return q
    if is_zero(z2):
        return p
    z1z1 = fsqr(z1)
    z2z2 = fsqr(z2)
    u1 = mmul(x1, z2z2, _M)
    u2 = mmul(x2, z1z1, _M)
    s1 = mmul(y1, mmul(z2, z2z2, _M), _M)
    s2 = mmul(y2, mmul(z1, z1z1, _M), _M)
    h = msub(u2, u1, _M)
    r = fdbl(msub(s2, s1, _M))
    if is_zero(h):
        if is_zero(r):
            return jac_dbl(p)
        return jac_inf()
    i = fsqr(fdbl(h))
    j = mmul(h, i, _M)
    v = mmul(u1, i, _M)
    x3 = msub(msub(fsqr(r), j, _M), fdbl(v), _M)
    y3 = msub(mmul(r, msub(v, x3, _M), _M), fdbl(mmul(s1, j, _M)), _M)
    z3 = mmul(msub(msub(fsqr(madd(z1, z2, _M)), z1z1, _M), z2z2, _M), h, _M)
    return (x3, y3, z3)


@njit(cache=True)
def jac_load(arr, i):  # type: ignore[no-untyped-def]
    return (
        (arr[i, 0, 0], arr[i, 0, 1], arr[i, 0, 2], arr[i, 0, 3]),
        (arr[i, 1, 0], arr[i, 1, 1], arr[i, 1, 2], arr[i, 1, 3]),
        (arr[i, 2, 0], arr[i, 2, 1], arr[i, 2, 2], arr[i, 2, 3]),
    )


@njit(cache=True)
def jac_store(arr, i, p):  # type: ignore[no-untyped-def]
    for k in range(3):
        c = p[k]
        arr[i, k, 0] = c[0]
        arr[i, k, 1] = c[1]
        arr[i, k, 2] = c[2]
        arr[i, k, 3] = c[3]


# ----------------------------------------------------------------------------- batch affine


@njit(cache=True)
def pair_prep(x1, y1, x2, y2):  # type: ignore[no-untyped-def]
    """Classify P1 + P2 and return (kind, denominator to invert); den = 0 when none needed."""
    if aff_is_inf(x1, y1):
        return K_COPY2, _Z4
    if aff_is_inf(x2, y2):
        return K_COPY1, _Z4
    if eq(x1, x2):
        if eq(y1, y2):
            return K_DBL, fdbl(y1)
        return K_INF, _Z4
    return K_ADD, msub(x2, x1, _M)


@njit(cache=True)
def pair_finish(kind, x1, y1, x2, y2, dinv):  # type: ignore[no-untyped-def]
    """P1 + P2 in affine given the inverse of the denominator from :func:`pair_prep`."""
    if kind == K_ADD:
        lam = mmul(msub(y2, y1, _M), dinv, _M)
        x3 = msub(msub(fsqr(lam), x1, _M), x2, _M)
        return x3, msub(mmul(lam, msub(x1, x3, _M), _M), y1, _M)
    if kind == K_DBL:
        xx = fsqr(x1)
        lam = mmul(madd(fdbl(xx), xx, _M), dinv, _M)
        x3 = msub(fsqr(lam), fdbl(x1), _M)
        return x3, msub(mmul(lam, msub(x1, x3, _M), _M), y1, _M)
    if kind == K_COPY1:
        return x1, y1
    if kind == K_COPY2:
        return x2, y2
    return _Z4, _Z4


@njit(cache=True)
def aff_add_range(a, b, out, lo, hi, den, pre, bstride):  # type: ignore[no-untyped-def]
    """out[i] = a[i] + b[i*bstride] for lo <= i < hi with one inversion.

    den and pre are scratch (>= hi - lo, 4) arrays; out may alias a (not b).
    """
    acc = _ONE
    for i in range(lo, hi):
        x1, y1 = load_pt(a, i)
        x2, y2 = load_pt(b, i * bstride)
        kind, d = pair_prep(x1, y1, x2, y2)
        k = i - lo
        store(pre, k, acc)
        store(den, k, d)
        if not is_zero(d):
            acc = mmul(acc, d, _M)
    inv = finv(acc)
    for i in range(hi - 1, lo - 1, -1):
        k = i - lo
        x1, y1 = load_pt(a, i)
        x2, y2 = load_pt(b, i * bstride)
        kind, d = pair_prep(x1, y1, x2, y2)
        dinv = _Z4
        if not is_zero(d):
            dinv = mmul(inv, load(pre, k), _M)
            inv = mmul(inv, d, _M)
        x3, y3 = pair_finish(kind, x1, y1, x2, y2, dinv)
        store_pt(out, i, x3, y3)


@njit(cache=True, nogil=True)
def _aff_add_task(a, b, out, t):  # type: ignore[no-untyped-def]
    n = out.shape[0]
    bstride = 1 if b.shape[0] > 1 else 0
    den = np.empty((_CHUNK, 4), dtype=np.uint64)
    pre = np.empty((_CHUNK, 4), dtype=np.uint64)
    aff_add_range(a, b, out, t * _CHUNK, min(n, (t + 1) * _CHUNK), den, pre, bstride)


@njit(cache=True, nogil=True)
def _on_curve_task(pts, out, t):  # type: ignore[no-untyped-def]
    for i in range(t * _CHUNK, min(pts.shape[0], (t + 1) * _CHUNK)):
        x, y = load_pt(pts, i)
        if aff_is_inf(x, y):
            out[i] = True
        else:
            ok = lt(x, _PLIMBS) and lt(y, _PLIMBS)
            out[i] = ok and eq(fsqr(y), madd(mmul(fsqr(x), x, _M), _B3, _M))


@njit(cache=True)
def _k_canonical(std, out):  # type: ignore[no-untyped-def]
    for i in range(std.shape[0]):
        out[i] = lt(load(std, i), _PLIMBS)


@njit(cache=True, nogil=True)
def _jac_to_affine_task(jac, out, t):  # type: ignore[no-untyped-def]
    n = jac.shape[0]
    lo = t * _CHUNK
    hi = min(n, lo + _CHUNK)
    pre = np.empty((_CHUNK, 4), dtype=np.uint64)
    acc = _ONE
    for i in range(lo, hi):
        z = (jac[i, 2, 0], jac[i, 2, 1], jac[i, 2, 2], jac[i, 2, 3])
        store(pre, i - lo, acc)
        if not is_zero(z):
            acc = mmul(acc, z, _M)
    inv = finv(acc)
    for i in range(hi - 1, lo - 1, -1):
        x, y, z = jac_load(jac, i)
        if is_zero(z):
            store_pt(out, i, _Z4, _Z4)
        else:
            zi = mmul(inv, load(pre, i - lo), _M)
            inv = mmul(inv, z, _M)
            zi2 = fsqr(zi)
            store_pt(out, i, mmul(x, zi2, _M), mmul(y, mmul(zi2, zi, _M), _M))


@njit(cache=True)
def scalar_bits(s, pos, c):  # type: ignore[no-untyped-def]
    """Bits [pos, pos + c) of the 256-bit integer with limbs s (a 4-tuple), c <= 32."""
    if pos >= 256:
        return 0
    li = pos >> 6
    off = pos & 63
    v = s[li] >> np.uint64(off)
    if off + c > 64 and li < 3:
        v |= s[li + 1] << np.uint64(64 - off)
    return np.int64(v & ((np.uint64(1) << np.uint64(c)) - np.uint64(1)))


@njit(cache=True)
def scalar_mul_one(x, y, s):  # type: ignore[no-untyped-def]
    """s * (x, y) in Jacobian coordinates, fixed 4-bit windows (s a 4-limb tuple)."""
    tab = np.empty((16, 3, 4), dtype=np.uint64)
    jac_store(tab, 0, jac_inf())
    cur = jac_inf()
    for k in range(1, 16):
        cur = jac_madd(cur, x, y)
        jac_store(tab, k, cur)
    acc = jac_inf()
    started = False
    for w in range(63, -1, -1):
        if started:
            acc = jac_dbl(jac_dbl(jac_dbl(jac_dbl(acc))))
        d = scalar_bits(s, 4 * w, 4)
        if d != 0:
            acc = jac_add(acc, jac_load(tab, d))
            started = True
    return acc


@njit(cache=True, nogil=True)
def _scalar_mul_task(pts, scalars, out, t):  # type: ignore[no-untyped-def]
    """out[i] = scalars[i] * pts[i] (Jacobian) for the points of task t."""
    for i in range(t * _SMUL_CHUNK, min(pts.shape[0], (t + 1) * _SMUL_CHUNK)):
        x, y = load_pt(pts, i)
        jac_store(out, i, scalar_mul_one(x, y, load(scalars, i)))


@njit(cache=True)
def _fixed_base_chunk(table, scalars, c, nw, out, lo, hi):  # type: ignore[no-untyped-def]
    m = hi - lo
    acc = np.zeros((m, 2, 4), dtype=np.uint64)
    g = np.empty((m, 2, 4), dtype=np.uint64)
    den = np.empty((m, 4), dtype=np.uint64)
    pre = np.empty((m, 4), dtype=np.uint64)
    for w in range(nw):
        for i in range(m):
            d = scalar_bits(load(scalars, lo + i), w * c, c)
            for u in range(2):
                for v in range(4):
                    g[i, u, v] = table[w, d, u, v]
        aff_add_range(acc, g, acc, np.int64(0), np.int64(m), den, pre, np.int64(1))
    for i in range(m):
        for u in range(2):
            for v in range(4):
                out[lo + i, u, v] = acc[i, u, v]


@njit(cache=True, nogil=True)
def _fixed_base_task(table, scalars, c, nw, out, t):  # type: ignore[no-untyped-def]
    """out[i] = sum_w table[w, digit_w(scalars[i])] for the scalars of task t."""
    n = scalars.shape[0]
    _fixed_base_chunk(table, scalars, c, nw, out, t * _CHUNK, min(n, (t + 1) * _CHUNK))


@njit(cache=True)
def madd_chain(pts, reps):  # type: ignore[no-untyped-def]
    """reps passes of acc += pts[i] (Jacobian mixed addition); the sum as a (1, 3, 4) array.

    The benchmark kernel for ``g1_madd_ns`` (a dependent chain, so it measures latency).
    """
    acc = jac_inf()
    for _ in range(reps):
        for i in range(pts.shape[0]):
            x, y = load_pt(pts, i)
            acc = jac_madd(acc, x, y)
    out = np.empty((1, 3, 4), dtype=np.uint64)
    jac_store(out, 0, acc)
    return out


# ----------------------------------------------------------------------------- Python API


def _ntasks(n: int, chunk: int) -> int:
    return (n + chunk - 1) // chunk


def _as_points(arr: np.ndarray, width: int = 2) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype != np.uint64:
        raise TypeError(f"point arrays are uint64, got {a.dtype}")
    if a.shape == (width, 4):
        a = a.reshape(1, width, 4)
    if a.ndim != 3 or a.shape[1:] != (width, 4):
        raise ValueError(f"expected point array of shape (n, {width}, 4), got {a.shape}")
    return np.ascontiguousarray(a).view(np.ndarray)


def g1_on_curve(arr: np.ndarray) -> np.ndarray:
    """Boolean array: point i is infinity or a canonical point on y^2 = x^3 + 3."""
    pts = _as_points(arr)
    out = np.empty(pts.shape[0], dtype=np.bool_)
    run_tasks(_on_curve_task, _ntasks(pts.shape[0], _CHUNK), pts, out)
    return out


def _check(pts: np.ndarray) -> np.ndarray:
    ok = g1_on_curve(pts)
    if not ok.all():
        raise ValueError(f"point {int(np.argmin(ok))} is not on the curve y^2 = x^3 + 3")
    return pts


def g1_from_affine_ints(points: Sequence[tuple[int, int]]) -> np.ndarray:
    """Affine integer coordinates ((0, 0) = infinity) -> (n, 2, 4); ValueError if invalid."""
    flat: list[int] = []
    for x, y in points:
        if not (0 <= x < Q and 0 <= y < Q):
            raise ValueError("G1 coordinate is not below the base field modulus")
        flat.append(x)
        flat.append(y)
    if not flat:
        return np.zeros((0, 2, 4), dtype=np.uint64)
    return _check(FQ.from_ints(flat).reshape(-1, 2, 4))


def g1_to_affine_ints(arr: np.ndarray) -> list[tuple[int, int]]:
    """(n, 2, 4) -> list of (x, y) canonical ints ((0, 0) = infinity)."""
    ints = FQ.to_ints(_as_points(arr).reshape(-1, 4))
    return list(zip(ints[0::2], ints[1::2], strict=True))


def g1_from_py_ecc(points: Sequence[tuple]) -> np.ndarray:
    """py_ecc.optimized_bn128 points (projective x, y, z) -> affine (n, 2, 4)."""
    aff: list[tuple[int, int]] = []
    for p in points:
        if bn.is_inf(p):
            aff.append((0, 0))
        else:
            zi = pow(int(p[2]), -1, Q)
            aff.append((int(p[0]) * zi % Q, int(p[1]) * zi % Q))
    return g1_from_affine_ints(aff)


def g1_to_py_ecc(arr: np.ndarray) -> list[tuple]:
    """(n, 2, 4) -> py_ecc.optimized_bn128 points (z = 1, or Z1 for infinity)."""
    return [
        bn.Z1 if (x == 0 and y == 0) else (PyFQ(x), PyFQ(y), PyFQ.one())
        for x, y in g1_to_affine_ints(arr)
    ]


def g1_to_bytes(arr: np.ndarray) -> bytes:
    """n*64 bytes: x || y, 32-byte big-endian each; infinity is 64 zero bytes."""
    pts = _as_points(arr)
    std = FQ.to_std(pts.reshape(-1, 4)).reshape(-1, 2, 4)
    return np.ascontiguousarray(std[:, :, ::-1]).astype(">u8").tobytes()


def g1_from_bytes(data: bytes | np.ndarray) -> np.ndarray:
    """Decode n*64 bytes (or an (n, 64) uint8 array); ValueError if not canonical/on-curve."""
    if isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data, dtype=np.uint8).tobytes()
    if len(data) % 64:
        raise ValueError("G1 encodings take 64 bytes each")
    raw = np.frombuffer(data, dtype=">u8").reshape(-1, 4)
    std = np.ascontiguousarray(raw[:, ::-1]).astype(np.uint64)
    ok = np.empty(std.shape[0], dtype=np.bool_)
    _k_canonical(std, ok)
    if not ok.all():
        raise ValueError("G1 coordinate is not below the base field modulus")
    return _check(FQ.from_std(std).reshape(-1, 2, 4))


def g1_neg(arr: np.ndarray) -> np.ndarray:
    """-P for every point (infinity stays infinity)."""
    pts = _as_points(arr)
    out = pts.copy()
    out[:, 1, :] = FQ.neg(np.ascontiguousarray(pts[:, 1, :]))
    return out


def g1_add_affine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise a + b (b may be a single point); handles doubling, infinity, P + (-P)."""
    pa = _as_points(a)
    pb = _as_points(b)
    if pb.shape[0] not in (1, pa.shape[0]):
        raise ValueError("point arrays of different lengths")
    out = np.empty_like(pa)
    run_tasks(_aff_add_task, _ntasks(pa.shape[0], _CHUNK), pa, pb, out)
    return out


def g1_batch_normalize(jac: np.ndarray) -> np.ndarray:
    """Jacobian (n, 3, 4) -> affine (n, 2, 4) with one inversion per chunk."""
    pj = _as_points(jac, 3)
    out = np.empty((pj.shape[0], 2, 4), dtype=np.uint64)
    run_tasks(_jac_to_affine_task, _ntasks(pj.shape[0], _CHUNK), pj, out)
    return out


def _as_scalars(scalars: np.ndarray, n: int) -> np.ndarray:
    s = np.ascontiguousarray(np.asarray(scalars), dtype=np.uint64).view(np.ndarray)
    if s.ndim == 1 and s.shape == (4,):
        s = s.reshape(1, 4)
    if s.ndim != 2 or s.shape[1] != 4 or s.shape[0] != n:
        raise ValueError(f"expected ({n}, 4) standard-form scalars, got {s.shape}")
    return s


def g1_scalar_mul_batch(points: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    """points[i] * scalars[i] (scalars in standard form, any 256-bit value) -> (n, 2, 4)."""
    pts = _as_points(points)
    sc = _as_scalars(scalars, pts.shape[0])
    jac = np.empty((pts.shape[0], 3, 4), dtype=np.uint64)
    run_tasks(_scalar_mul_task, _ntasks(pts.shape[0], _SMUL_CHUNK), pts, sc, jac)
    return g1_batch_normalize(jac)


def _scalar_bit_width(sc: np.ndarray) -> int:
    if sc.size == 0:
        return 0
    for li in range(3, -1, -1):
        top = int(sc[:, li].max())
        if top:
            return 64 * li + top.bit_length()
    return 0


def g1_fixed_base_table(base: np.ndarray, c: int, nw: int) -> np.ndarray:
    """table[w, d] = d * 2^(c*w) * base, shape (nw, 2^c, 2, 4)."""
    b = _as_points(base)
    size = 1 << c
    table = np.zeros((nw, size, 2, 4), dtype=np.uint64)
    cur = b[0:1]
    for w in range(nw):
        table[w, 1] = cur[0]
        for _ in range(c):
            cur = g1_add_affine(cur, cur)
    for j in range(c):  # table[h + k] = table[k] + table[h] for h = 2^j, 1 <= k <= h
        h = 1 << j
        cnt = min(h, size - 1 - h)
        if cnt <= 0:
            break
        lo = table[:, 1 : cnt + 1].reshape(-1, 2, 4)
        add = np.repeat(table[:, h], cnt, axis=0)
        table[:, h + 1 : h + 1 + cnt] = g1_add_affine(lo, add).reshape(nw, cnt, 2, 4)
    return table


def g1_fixed_base_mul(base: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    """scalars[i] * base for one affine base (2, 4); scalars standard form -> (n, 2, 4).

    Uses a window table table[w, d] = d * 2^(c w) * base and batch-affine accumulation,
    so each scalar costs about 256/c affine additions (c ~ 16 for 2^20 scalars).
    """
    sc = _as_scalars(scalars, np.asarray(scalars).reshape(-1, 4).shape[0])
    n = sc.shape[0]
    bits = max(_scalar_bit_width(sc), 1)
    best = None
    for c in range(2, 19):
        nw = -(-bits // c)
        cost = nw * (1 << c) * 1.5 + n * nw
        if best is None or cost < best[0]:
            best = (cost, c, nw)
    assert best is not None
    _, c, nw = best
    table = g1_fixed_base_table(base, c, nw)
    out = np.empty((n, 2, 4), dtype=np.uint64)
    if n:
        run_tasks(_fixed_base_task, _ntasks(n, _CHUNK), table, sc, c, nw, out)
    return out


G1_GEN = g1_from_affine_ints([(1, 2)])[0]
"""The BN254 G1 generator (1, 2) as a (2, 4) array."""

__all__ = [
    "G1_GEN",
    "g1_add_affine",
    "g1_batch_normalize",
    "g1_fixed_base_mul",
    "g1_fixed_base_table",
    "g1_from_affine_ints",
    "g1_from_bytes",
    "g1_from_py_ecc",
    "g1_neg",
    "g1_on_curve",
    "g1_scalar_mul_batch",
    "g1_to_affine_ints",
    "g1_to_bytes",
    "g1_to_py_ecc",
]
