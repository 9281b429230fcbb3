"""Multi-scalar multiplication sum_i s_i P_i over BN254 G1 (Pippenger, numba).

Algorithm (per window w of c bits, signed digits in [-2^(c-1), 2^(c-1))):
1. digits of every scalar, counting sort of the point indices by |digit| into buckets
   (the sign travels in the index; zero digits and points at infinity are dropped);
2. every bucket is summed by a pairwise tree in affine coordinates: each level adds
   disjoint pairs, and the pairs of all buckets share one field inversion per block of
   ``_BLOCK`` pairs (Montgomery's trick), so an addition costs ~6 multiplications
   instead of ~11 for a mixed Jacobian addition;
3. the running-sum trick turns the buckets into sum_b b*B_b (Jacobian).
Windows (and, when there are fewer windows than threads, chunks of points) are
independent tasks spread over the numba threads with prange. Windows are combined by
Horner's rule (c doublings per window). Small scalars simply give fewer windows:
16-bit values use one 17-bit signed window, i.e. about one affine addition per point.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit

from zkpor.prover.arith.g1 import (
    K_ADD,
    K_COPY1,
    K_DBL,
    _as_points,
    _as_scalars,
    _scalar_bit_width,
    aff_is_inf,
    finv,
    fneg,
    jac_add,
    jac_dbl,
    jac_inf,
    jac_load,
    jac_madd,
    jac_store,
    load_pt,
    pair_finish,
    pair_prep,
    scalar_bits,
    store_pt,
)
from zkpor.prover.arith.mont import (
    FQ_C,
    ZERO,
    eq,
    is_zero,
    load,
    mmul_inline,
    msub,
    run_tasks,
    store,
)
from zkpor.verifier.field import Q

_BLOCK = 2048  # pairs per batch inversion
_ONE = FQ_C.one
_M = FQ_C.m
_Z4 = (ZERO, ZERO, ZERO, ZERO)

# relative costs for the window choice: one bucket insertion (sort + batch-affine add)
# versus one bucket of the running-sum reduction (a mixed and a full Jacobian addition)
_COST_INSERT = 1.0
_COST_BUCKET = 3.5
_MAX_C = 20
_MAX_TASK_POINTS = 1 << 22


@njit(cache=True)
def _load_ref(src, ref):  # type: ignore[no-untyped-def]
    """Point src[ref >> 1], negated when ref is odd."""
    x, y = load_pt(src, ref >> 1)
    if ref & 1:
        y = fneg(y)
    return x, y


@njit(cache=True)
def _flush(src, j1, j2, jo, nj, dst, den, pre, kinds, loc):  # type: ignore[no-untyped-def]
    """dst[jo[k]] = ref j1[k] + ref j2[k] (j2 < 0: copy) for k < nj, one inversion.

    The operands are first gathered into the contiguous scratch ``loc`` (a tight loop
    of independent loads, so the cache misses of the random gather overlap); all reads
    happen before any write, so src may be dst (the caller's in-place tree never writes
    over an input of a later block).
    """
    for k in range(nj):
        x1, y1 = _load_ref(src, j1[k])
        store_pt(loc, 2 * k, x1, y1)
        if j2[k] >= 0:
            x2, y2 = _load_ref(src, j2[k])
            store_pt(loc, 2 * k + 1, x2, y2)
    acc = _ONE
    for k in range(nj):
        if j2[k] < 0:
            kinds[k] = K_COPY1
            continue
        x1, y1 = load_pt(loc, 2 * k)
        x2, y2 = load_pt(loc, 2 * k + 1)
        if aff_is_inf(x1, y1) or aff_is_inf(x2, y2) or eq(x1, x2):
            kind, d = pair_prep(x1, y1, x2, y2)
        else:  # the common case, inline
            kind, d = K_ADD, msub(x2, x1, _M)
        kinds[k] = kind
        if not is_zero(d):
            store(pre, k, acc)
            store(den, k, d)
            acc = mmul_inline(acc, d, _M)
    inv = finv(acc)
    for k in range(nj - 1, -1, -1):
        kind = kinds[k]
        x1, y1 = load_pt(loc, 2 * k)
        if kind == K_COPY1:
            store_pt(dst, jo[k], x1, y1)
            continue
        x2, y2 = load_pt(loc, 2 * k + 1)
        dinv = _Z4
        if kind == K_ADD or kind == K_DBL:
            dinv = mmul_inline(inv, load(pre, k), _M)
            inv = mmul_inline(inv, load(den, k), _M)
        if kind == K_ADD:  # inline common case of pair_finish
            lam = mmul_inline(msub(y2, y1, _M), dinv, _M)
            x3 = msub(msub(mmul_inline(lam, lam, _M), x1, _M), x2, _M)
            y3 = msub(mmul_inline(lam, msub(x1, x3, _M), _M), y1, _M)
        else:
            x3, y3 = pair_finish(kind, x1, y1, x2, y2, dinv)
        store_pt(dst, jo[k], x3, y3)


@njit(cache=True)
def _signed_digit(scalars, p, w, c):  # type: ignore[no-untyped-def]
    """Digit w of the Booth-style signed recoding, in [-2^(c-1), 2^(c-1)]:
    d_w = bits[cw, cw+c) + bit(cw-1) - 2^c * bit(cw+c-1); the sum telescopes to the
    scalar when its bit c*nw - 1 is zero. Stateless, so windows are independent."""
    s = load(scalars, p)
    raw = scalar_bits(s, w * c, c)
    d = raw
    if w > 0:
        d += scalar_bits(s, w * c - 1, 1)
    if raw >= (1 << (c - 1)):
        d -= 1 << c
    return d


@njit(cache=True)
def _window_task(points, scalars, lo, hi, w, c):  # type: ignore[no-untyped-def]
    """sum_i digit_w(s_i) * P_i over lo <= i < hi, as a Jacobian point."""
    nb = 1 << (c - 1)
    n = hi - lo
    cnt = np.zeros(nb + 1, dtype=np.int64)
    dig = np.empty(n, dtype=np.int32)
    for i in range(n):
        d = 0
        x, y = load_pt(points, lo + i)
        if not aff_is_inf(x, y):
            d = _signed_digit(scalars, lo + i, w, c)
        dig[i] = d
        cnt[abs(d)] += 1
    start = np.empty(nb + 1, dtype=np.int64)
    tot = 0
    for b in range(1, nb + 1):
        start[b] = tot
        tot += cnt[b]
    pos = start.copy()
    idx = np.empty(tot, dtype=np.int64)
    for i in range(n):
        d = dig[i]
        if d != 0:
            b = abs(d)
            idx[pos[b]] = 2 * (lo + i) + (1 if d < 0 else 0)
            pos[b] += 1
    buf = np.empty((tot, 2, 4), dtype=np.uint64)
    j1 = np.empty(_BLOCK, dtype=np.int64)
    j2 = np.empty(_BLOCK, dtype=np.int64)
    jo = np.empty(_BLOCK, dtype=np.int64)
    kinds = np.empty(_BLOCK, dtype=np.int64)
    den = np.empty((_BLOCK, 4), dtype=np.uint64)
    pre = np.empty((_BLOCK, 4), dtype=np.uint64)
    loc = np.empty((2 * _BLOCK, 2, 4), dtype=np.uint64)

    # level 0: pairs of source points (through idx) into buf
    nj = 0
    for b in range(1, nb + 1):
        cb = cnt[b]
        if cb == 0:
            continue
        s = start[b]
        for k in range(cb // 2):
            j1[nj] = idx[s + 2 * k]
            j2[nj] = idx[s + 2 * k + 1]
            jo[nj] = s + k
            nj += 1
            if nj == _BLOCK:
                _flush(points, j1, j2, jo, nj, buf, den, pre, kinds, loc)
                nj = 0
        if cb & 1:
            j1[nj] = idx[s + cb - 1]
            j2[nj] = -1
            jo[nj] = s + cb // 2
            nj += 1
            if nj == _BLOCK:
                _flush(points, j1, j2, jo, nj, buf, den, pre, kinds, loc)
                nj = 0
        cnt[b] = (cb + 1) // 2
    if nj:
        _flush(points, j1, j2, jo, nj, buf, den, pre, kinds, loc)
        nj = 0

    # further levels in place in buf: pair (s+2k, s+2k+1) -> s+k
    busy = True
    while busy:
        busy = False
        for b in range(1, nb + 1):
            cb = cnt[b]
            if cb <= 1:
                continue
            busy = True
            s = start[b]
            for k in range(cb // 2):
                j1[nj] = 2 * (s + 2 * k)
                j2[nj] = 2 * (s + 2 * k + 1)
                jo[nj] = s + k
                nj += 1
                if nj == _BLOCK:
                    _flush(buf, j1, j2, jo, nj, buf, den, pre, kinds, loc)
                    nj = 0
            if cb & 1:
                j1[nj] = 2 * (s + cb - 1)
                j2[nj] = -1
                jo[nj] = s + cb // 2
                nj += 1
                if nj == _BLOCK:
                    _flush(buf, j1, j2, jo, nj, buf, den, pre, kinds, loc)
                    nj = 0
            cnt[b] = (cb + 1) // 2
        if nj:
            _flush(buf, j1, j2, jo, nj, buf, den, pre, kinds, loc)
            nj = 0

    # running sum: sum_b b * B_b
    run = jac_inf()
    acc = jac_inf()
    started = False
    for b in range(nb, 0, -1):
        if cnt[b] > 0:
            x, y = load_pt(buf, start[b])
            run = jac_madd(run, x, y)
            started = True
        if started:
            acc = jac_add(acc, run)
    return acc


@njit(cache=True, nogil=True)
def _msm_task(points, scalars, c, nchunks, out, t):  # type: ignore[no-untyped-def]
    """Task t: window t // nchunks over point chunk t % nchunks, into out[t]."""
    n = points.shape[0]
    per = (n + nchunks - 1) // nchunks
    lo = min(n, (t % nchunks) * per)
    hi = min(n, lo + per)
    jac_store(out, t, _window_task(points, scalars, lo, hi, t // nchunks, c))


@njit(cache=True)
def _k_combine(parts, c, nw, nchunks):  # type: ignore[no-untyped-def]
    acc = jac_inf()
    for w in range(nw - 1, -1, -1):
        for _ in range(c):
            acc = jac_dbl(acc)
        for ch in range(nchunks):
            acc = jac_add(acc, jac_load(parts, w * nchunks + ch))
    out = np.empty((1, 3, 4), dtype=np.uint64)
    jac_store(out, 0, acc)
    return out


def choose_window(n: int, bits: int, threads: int) -> tuple[int, int, int]:
    """(c, number of windows, point chunks per window) minimising a simple cost model.

    A task holds at most ``_MAX_TASK_POINTS`` points (its scratch is ~80 bytes per
    point and up to ``threads`` tasks run at once), so huge MSMs split their points.
    """
    threads = max(threads, 1)
    min_chunks = max(1, -(-n // _MAX_TASK_POINTS))
    best: tuple[float, int, int, int] | None = None
    for nchunks in range(min_chunks, min_chunks + threads):
        per = -(-n // nchunks)
        for c in range(2, _MAX_C + 1):
            nw = -(-(bits + 1) // c)
            rounds = -(-(nw * nchunks) // threads)
            cost = rounds * (per * _COST_INSERT + (1 << (c - 1)) * _COST_BUCKET + 64)
            if best is None or cost < best[0]:
                best = (cost, c, nw, nchunks)
    assert best is not None
    return best[1], best[2], best[3]


def _jac_to_affine_ints(jac: np.ndarray) -> tuple[int, int]:
    from zkpor.prover.arith.field import FQ

    x, y, z = FQ.to_ints(jac.reshape(3, 4))
    if z == 0:
        return (0, 0)
    zi = pow(z, -1, Q)
    zi2 = zi * zi % Q
    return (x * zi2 % Q, y * zi2 * zi % Q)


def _msm_std(pts: np.ndarray, sc: np.ndarray, bits: int) -> tuple[int, int]:
    n = pts.shape[0]
    if n == 0 or bits == 0:
        return (0, 0)
    threads = numba.get_num_threads()
    c, nw, nchunks = choose_window(n, bits, threads)
    parts = np.empty((nw * nchunks, 3, 4), dtype=np.uint64)
    run_tasks(_msm_task, nw * nchunks, pts, sc, c, nchunks, parts)
    return _jac_to_affine_ints(_k_combine(parts, c, nw, nchunks)[0])


def msm(points: np.ndarray, scalars: np.ndarray) -> tuple[int, int]:
    """sum_i scalars[i] * points[i]; points (n, 2, 4) affine Montgomery (memmap ok),
    scalars (n, 4) standard form (< 2^256). Returns affine ints, (0, 0) for infinity."""
    pts = _as_points(points)
    sc = _as_scalars(scalars, pts.shape[0])
    return _msm_std(pts, sc, _scalar_bit_width(sc))


def msm_small(points: np.ndarray, values: np.ndarray) -> tuple[int, int]:
    """sum_i values[i] * points[i] for non-negative integer values below 2^64."""
    pts = _as_points(points)
    v = np.asarray(values)
    if v.dtype.kind == "i":
        if v.size and int(v.min()) < 0:
            raise ValueError("msm_small takes non-negative values")
    elif v.dtype.kind != "u":
        raise TypeError(f"msm_small takes integer values, got {v.dtype}")
    v = v.reshape(-1).astype(np.uint64)
    if v.shape[0] != pts.shape[0]:
        raise ValueError("points and values differ in length")
    sc = np.zeros((v.shape[0], 4), dtype=np.uint64)
    sc[:, 0] = v
    bits = int(v.max()).bit_length() if v.size else 0
    return _msm_std(pts, sc, bits)


__all__ = ["choose_window", "msm", "msm_small"]
