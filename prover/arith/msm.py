"""Multi-scalar multiplication sum_i s_i P_i over BN254 G1 (Pippenger, numba).

Algorithm (per window w of c bits, signed digits in [-2^(c-1), 2^(c-1))):
1. digits of every scalar as bucket codes 2 (|digit| - 1) + sign (zero digits and
   points at infinity are dropped);
2. every bucket is summed in affine coordinates, the additions of many buckets sharing
   one field inversion per block of up to ``_BLOCK`` pairs (Montgomery's trick), so an
   addition costs ~6 multiplications instead of ~11 for a mixed Jacobian addition:
   with many buckets and no hot one the points stream into their buckets in input
   order (:func:`_stream_buckets`), else a counting sort by bucket and pairwise trees
   add disjoint pairs level by level;
3. the running-sum trick turns the buckets into sum_b b*B_b, in batch-affine lanes
   when there are many buckets (:func:`_weighted_sum`).
Windows (and, when there are fewer windows than threads, chunks of points) are
independent tasks spread over the numba threads (``run_tasks``). Windows are combined by
Horner's rule (c doublings per window). Small scalars simply give fewer windows:
16-bit values use one 17-bit signed window, i.e. about one affine addition per point.

Steps 1 and 2 also give :func:`bucket_sums`, the points summed by a key instead of a
digit (for commitments to columns that are a function of a small key); its per-chunk
bucket arrays are merged by the same batch-affine additions (:func:`add_point_arrays`).
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
    g1_neg,
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
    fq_mmul,
    is_zero,
    load,
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
def _flush(src1, j1, src2, j2, jo, nj, dst, den, pre, kinds, loc):  # type: ignore[no-untyped-def]
    """dst[jo[k]] = ref j1[k] of src1 + ref j2[k] of src2 (j2 < 0: copy) for k < nj, with
    one inversion.

    The operands are first gathered into the contiguous scratch ``loc`` (a tight loop
    of independent loads, so the cache misses of the random gather overlap); all reads
    happen before any write, so a source may be dst (the caller's in-place tree never
    writes over an input of a later block, the bucket stream never has a bucket twice
    in one block).
    """
    for k in range(nj):
        x1, y1 = _load_ref(src1, j1[k])
        store_pt(loc, 2 * k, x1, y1)
        if j2[k] >= 0:
            x2, y2 = _load_ref(src2, j2[k])
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
            acc = fq_mmul(acc, d)
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
            dinv = fq_mmul(inv, load(pre, k))
            inv = fq_mmul(inv, load(den, k))
        if kind == K_ADD:  # inline common case of pair_finish
            lam = fq_mmul(msub(y2, y1, _M), dinv)
            x3 = msub(msub(fq_mmul(lam, lam), x1, _M), x2, _M)
            y3 = msub(fq_mmul(lam, msub(x1, x3, _M)), y1, _M)
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
def _scratch(size):  # type: ignore[no-untyped-def]
    """Work arrays of :func:`_flush` for blocks of up to ``size`` pairs."""
    return (
        np.empty(size, dtype=np.int64),
        np.empty(size, dtype=np.int64),
        np.empty(size, dtype=np.int64),
        np.empty(size, dtype=np.int64),
        np.empty((size, 4), dtype=np.uint64),
        np.empty((size, 4), dtype=np.uint64),
        np.empty((2 * size, 2, 4), dtype=np.uint64),
    )


@njit(cache=True)
def _tree_level(src, idx, level0, cnt, start, buf, scratch):  # type: ignore[no-untyped-def]
    """One level of the pairwise trees: bucket b's operands 2k and 2k + 1 (or 2k alone, the
    last of an odd count) -> buf[start[b] + k]; cnt[b] becomes the number left.

    Level 0's operands are the points of src that idx[start[b]:] refers to; later levels
    work in buf in place (src is buf). Returns whether any pair was added.
    """
    j1, j2, jo, kinds, den, pre, loc = scratch
    block = j1.shape[0]
    busy = False
    nj = 0
    for b in range(cnt.shape[0]):
        cb = cnt[b]
        if cb == 0 or (cb == 1 and not level0):
            continue
        busy = busy or cb > 1
        s = start[b]
        for k in range((cb + 1) // 2):
            e = s + 2 * k
            j1[nj] = idx[e] if level0 else 2 * e
            j2[nj] = -1
            if 2 * k + 1 < cb:
                j2[nj] = idx[e + 1] if level0 else 2 * (e + 1)
            jo[nj] = s + k
            nj += 1
            if nj == block:
                _flush(src, j1, src, j2, jo, nj, buf, den, pre, kinds, loc)
                nj = 0
        cnt[b] = (cb + 1) // 2
    if nj:
        _flush(src, j1, src, j2, jo, nj, buf, den, pre, kinds, loc)
    return busy


@njit(cache=True)
def _sum_buckets(src, codes, lo, nb):  # type: ignore[no-untyped-def]
    """Sum points lo + i of src by bucket: codes[i] = 2 * bucket + sign (1: the point is
    negated), -1 to leave it out; buckets 0 <= b < nb.

    A counting sort of the refs 2 * (lo + i) + sign by bucket, then pairwise trees in
    batch-affine coordinates. Returns (buf, start, cnt): bucket b's sum is buf[start[b]]
    if cnt[b] == 1, the bucket is empty if cnt[b] == 0.
    """
    cnt = np.zeros(nb, dtype=np.int64)
    for i in range(codes.shape[0]):
        if codes[i] >= 0:
            cnt[codes[i] >> 1] += 1
    start = np.empty(nb, dtype=np.int64)
    tot = 0
    for b in range(nb):
        start[b] = tot
        tot += cnt[b]
    pos = start.copy()
    idx = np.empty(tot, dtype=np.int64)
    for i in range(codes.shape[0]):
        code = codes[i]
        if code >= 0:
            b = code >> 1
            idx[pos[b]] = 2 * (lo + i) + (code & 1)
            pos[b] += 1
    buf = np.empty((tot, 2, 4), dtype=np.uint64)
    scratch = _scratch(max(1, min(_BLOCK, tot)))
    _tree_level(src, idx, True, cnt, start, buf, scratch)
    while _tree_level(buf, idx, False, cnt, start, buf, scratch):
        pass
    return buf, start, cnt


@njit(cache=True)
def _chunk(n, nchunks, ch):  # type: ignore[no-untyped-def]
    """Bounds [lo, hi) of chunk ch when n items are cut into nchunks near-equal chunks."""
    per = (n + nchunks - 1) // nchunks
    lo = min(n, ch * per)
    return lo, min(n, lo + per)


@njit(cache=True)
def _stream_step(points, buckets, busy, nj, qref, qb, nq, scratch):  # type: ignore[no-untyped-def]
    """Add the block's nj points into their (distinct) buckets, then move the queued
    points whose buckets are now free into the next block. Returns (nj, nq)."""
    j1, j2, jo, kinds, den, pre, loc = scratch
    for k in range(nj):
        j1[k] = 2 * jo[k]
    _flush(buckets, j1, points, j2, jo, nj, buckets, den, pre, kinds, loc)
    for k in range(nj):
        busy[jo[k]] = False
    cap = j1.shape[0]
    nj = 0
    left = 0
    for e in range(nq):
        b = qb[e]
        if nj < cap and not busy[b]:
            busy[b] = True
            jo[nj] = b
            j2[nj] = qref[e]
            nj += 1
        else:
            qref[left] = qref[e]
            qb[left] = b
            left += 1
    return nj, left


@njit(cache=True)
def _stream_cap(nb):  # type: ignore[no-untyped-def]
    """Additions per block of :func:`_stream_buckets` for nb buckets."""
    return max(1, min(_BLOCK, nb // 8))


@njit(cache=True)
def _stream_buckets(points, codes, lo, nb):  # type: ignore[no-untyped-def]
    """(bucket sums, True): the sums of :func:`_sum_buckets` (codes alike) as an
    (nb, 2, 4) array, zeros (infinity) for an empty bucket, streaming the points in order.

    Each point joins a block of additions into distinct buckets (a point whose bucket
    is already in the block waits in a queue for the next block); a full block is added
    with one inversion. The points are read in order and only the bucket array
    (64 bytes a bucket) is accessed at random, so the cache misses of the sort and the
    random gather of :func:`_sum_buckets` are gone. A bucket that holds a large share
    of the points would serialise the blocks (the caller sends such digits to the
    trees), and so would long runs of one bucket: after about twice the blocks that
    distinct buckets need it gives up, returning (partial sums, False).
    """
    cap = _stream_cap(nb)
    buckets = np.zeros((nb, 2, 4), dtype=np.uint64)
    busy = np.zeros(nb, dtype=np.bool_)
    qref = np.empty(cap, dtype=np.int64)
    qb = np.empty(cap, dtype=np.int64)
    scratch = _scratch(cap)
    jo, j2 = scratch[2], scratch[1]
    nj = 0
    nq = 0
    steps = 0
    limit = 2 * (codes.shape[0] // cap) + 8
    for i in range(codes.shape[0]):
        code = codes[i]
        if code < 0:
            continue
        b = code >> 1
        ref = 2 * (lo + i) + (code & 1)
        if busy[b]:
            qref[nq] = ref
            qb[nq] = b
            nq += 1
        else:
            busy[b] = True
            jo[nj] = b
            j2[nj] = ref
            nj += 1
        while nj == cap or nq == cap:
            nj, nq = _stream_step(points, buckets, busy, nj, qref, qb, nq, scratch)
            steps += 1
        if steps > limit:
            return buckets, False
    while nj > 0 or nq > 0:
        nj, nq = _stream_step(points, buckets, busy, nj, qref, qb, nq, scratch)
    return buckets, True


_STREAM_MIN_BUCKETS = 1 << 10


@njit(cache=True)
def _window_buckets(points, codes, lo, nb):  # type: ignore[no-untyped-def]
    """(nb, 2, 4) bucket sums (zeros: empty): streamed when there are many buckets and
    none holds more than its share of the points, else by the pairwise trees."""
    cnt = np.zeros(nb, dtype=np.int64)
    total = 0
    for i in range(codes.shape[0]):
        if codes[i] >= 0:
            cnt[codes[i] >> 1] += 1
            total += 1
    if nb >= _STREAM_MIN_BUCKETS and total and cnt.max() * 2 * _stream_cap(nb) <= total:
        buckets, done = _stream_buckets(points, codes, lo, nb)
        if done:
            return buckets
    buf, start, cnt = _sum_buckets(points, codes, lo, nb)
    buckets = np.zeros((nb, 2, 4), dtype=np.uint64)
    for b in range(nb):
        if cnt[b] > 0:
            buckets[b] = buf[start[b]]
    return buckets


@njit(cache=True)
def _window_task(points, scalars, lo, hi, w, c):  # type: ignore[no-untyped-def]
    """sum_i digit_w(s_i) * P_i over lo <= i < hi, as a Jacobian point."""
    nb = 1 << (c - 1)
    codes = np.empty(hi - lo, dtype=np.int64)
    for i in range(hi - lo):
        d = 0
        x, y = load_pt(points, lo + i)
        if not aff_is_inf(x, y):
            d = _signed_digit(scalars, lo + i, w, c)
        codes[i] = -1 if d == 0 else 2 * (abs(d) - 1) + (1 if d < 0 else 0)
    return _weighted_sum(_window_buckets(points, codes, lo, nb))


_LANES = 256
_LANES_MIN_BUCKETS = 1 << 12


@njit(cache=True)
def _weighted_sum(buckets):  # type: ignore[no-untyped-def]
    """sum_b (b + 1) * B_b over affine buckets (zeros: infinity), as a Jacobian point.

    Many buckets: _LANES running sums side by side, lane j over the S buckets from jS,
    each step's lanes added as one batch-affine block (one inversion per block, about
    half the multiplications of the Jacobian running sum); then
    sum_b (b + 1) B_b = sum_j acc_j + S * sum_j j * run_j, with acc_j the lane's own
    weighted sum and run_j its plain sum. Few buckets: the Jacobian running sum.
    """
    nb = buckets.shape[0]
    if nb < _LANES_MIN_BUCKETS:
        run = jac_inf()
        acc = jac_inf()
        for b in range(nb - 1, -1, -1):
            x, y = load_pt(buckets, b)
            run = jac_madd(run, x, y)
            acc = jac_add(acc, run)
        return acc
    lanes = _LANES
    span = nb // lanes
    runs = np.zeros((lanes, 2, 4), dtype=np.uint64)
    accs = np.zeros((lanes, 2, 4), dtype=np.uint64)
    j1, j2, jo, kinds, den, pre, loc = _scratch(lanes)
    for k in range(lanes):
        j1[k] = 2 * k
        jo[k] = k
    for t in range(span - 1, -1, -1):
        for k in range(lanes):
            j2[k] = 2 * (k * span + t)
        _flush(runs, j1, buckets, j2, jo, lanes, runs, den, pre, kinds, loc)
        for k in range(lanes):
            j2[k] = 2 * k
        _flush(accs, j1, runs, j2, jo, lanes, accs, den, pre, kinds, loc)
    total = jac_inf()
    run = jac_inf()
    lane_weighted = jac_inf()
    for k in range(lanes - 1, -1, -1):
        x, y = load_pt(accs, k)
        total = jac_madd(total, x, y)
        if k:
            x, y = load_pt(runs, k)
            run = jac_madd(run, x, y)
            lane_weighted = jac_add(lane_weighted, run)
    while span > 1:
        lane_weighted = jac_dbl(lane_weighted)
        span //= 2
    return jac_add(total, lane_weighted)


@njit(cache=True, nogil=True)
def _msm_task(points, scalars, c, nchunks, out, t):  # type: ignore[no-untyped-def]
    """Task t: window t // nchunks over point chunk t % nchunks, into out[t]."""
    lo, hi = _chunk(points.shape[0], nchunks, t % nchunks)
    jac_store(out, t, _window_task(points, scalars, lo, hi, t // nchunks, c))


@njit(cache=True, nogil=True)
def _msm_serial(points, scalars, c, nchunks, out):  # type: ignore[no-untyped-def]
    """Every :func:`_msm_task` in one call (a small MSM: the thread pool's hand-out of
    dozens of tiny tasks cost milliseconds, e.g. 6-7 ms for a 5-point blinding term)."""
    for t in range(out.shape[0]):
        _msm_task(points, scalars, c, nchunks, out, t)


@njit(cache=True, nogil=True)
def _bucket_task(points, keys, skip, nkeys, nchunks, out, t):  # type: ignore[no-untyped-def]
    """Point chunk t: out[t * nkeys + k] = the sum of its points with key k (not skip)."""
    lo, hi = _chunk(points.shape[0], nchunks, t)
    codes = np.empty(hi - lo, dtype=np.int64)
    for i in range(hi - lo):
        x, y = load_pt(points, lo + i)
        key = keys[lo + i]
        codes[i] = -1 if key == skip or aff_is_inf(x, y) else 2 * key
    buf, start, cnt = _sum_buckets(points, codes, lo, nkeys)
    for k in range(nkeys):
        x, y = _Z4, _Z4
        if cnt[k] > 0:
            x, y = load_pt(buf, start[k])
        store_pt(out, t * nkeys + k, x, y)


@njit(cache=True, nogil=True)
def _merge_task(parts, nkeys, step, t):  # type: ignore[no-untyped-def]
    """One level of the pairwise merge of arrays of nkeys points stacked in parts: block
    t % nblocks of array j + step is added into array j, j = 2 * step * (t // nblocks)."""
    nblocks = (nkeys + _BLOCK - 1) // _BLOCK
    j = 2 * step * (t // nblocks)
    lo, hi = _chunk(nkeys, nblocks, t % nblocks)
    scratch = _scratch(hi - lo)
    j1, j2, jo, kinds, den, pre, loc = scratch
    for k in range(lo, hi):
        j1[k - lo] = 2 * (j * nkeys + k)
        j2[k - lo] = 2 * ((j + step) * nkeys + k)
        jo[k - lo] = j * nkeys + k
    _flush(parts, j1, parts, j2, jo, hi - lo, parts, den, pre, kinds, loc)


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


_SERIAL_POINTS = 1024  # below this an MSM runs in the calling thread, in one kernel call


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
    small = n < _SERIAL_POINTS
    c, nw, nchunks = choose_window(n, bits, 1 if small else numba.get_num_threads())
    parts = np.empty((nw * nchunks, 3, 4), dtype=np.uint64)
    if small:
        _msm_serial(pts, sc, c, nchunks, parts)
    else:
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


def _as_keys(keys: np.ndarray, n: int, nkeys: int) -> np.ndarray:
    k = np.asarray(keys)
    if k.dtype.kind not in "iu":
        raise TypeError(f"keys must be an integer array, got {k.dtype}")
    if k.shape != (n,):
        raise ValueError(f"expected {n} keys (one per point), got shape {k.shape}")
    if nkeys < 1:
        raise ValueError(f"the number of keys must be positive, got {nkeys}")
    if n and (int(k.min()) < 0 or int(k.max()) >= nkeys):
        raise ValueError(f"keys must lie in [0, {nkeys}), got {int(k.min())}..{int(k.max())}")
    return np.ascontiguousarray(k, dtype=np.int64)


def _merge(parts: np.ndarray) -> np.ndarray:
    """parts[0] + parts[1] + ... element-wise for an (m, k, 2, 4) stack, in pairwise levels
    (each level a batch-affine addition, one inversion per block); the sum is parts[0]."""
    m, k = parts.shape[:2]
    flat = parts.reshape(m * k, 2, 4)
    nblocks = -(-k // _BLOCK)
    step = 1
    while step < m:
        pairs = -(-(m - step) // (2 * step))
        run_tasks(_merge_task, pairs * nblocks, flat, k, step)
        step *= 2
    return parts[0].copy() if m > 1 else parts[0]


def bucket_sums(
    points: np.ndarray, keys: np.ndarray, nkeys: int, total: np.ndarray | None = None
) -> np.ndarray:
    """B_k = sum of points[i] over the i with keys[i] = k, for 0 <= k < nkeys.

    points (n, 2, 4) affine Montgomery (memmap ok), keys n integers in [0, nkeys)
    (ValueError otherwise). Returns (nkeys, 2, 4) affine Montgomery; an empty bucket (or
    one summing to zero) is the point at infinity, all zeros. Points at infinity are
    left out. About one batch-affine addition per point: chunks of points are summed in
    parallel, one bucket array per chunk, then the chunks' arrays are added pairwise.

    ``total`` (2, 4), the sum of all the points if the caller knows it: the points of the
    most common key are then not added up when that saves work; their bucket is
    ``total`` minus the other buckets.
    """
    pts = _as_points(points)
    n = pts.shape[0]
    k = _as_keys(keys, n, nkeys)
    tot = None if total is None else _as_points(total)
    if tot is not None and tot.shape[0] != 1:
        raise ValueError(f"the total is one point, got shape {tot.shape}")
    skip = -1
    if tot is not None and n:
        counts = np.bincount(k, minlength=nkeys)
        top = int(np.argmax(counts))
        if counts[top] > np.count_nonzero(counts):
            skip = top
    threads = numba.get_num_threads()
    nchunks = max(1, -(-n // _MAX_TASK_POINTS), min(threads, n // (2 * nkeys)))
    parts = np.empty((nchunks, nkeys, 2, 4), dtype=np.uint64)
    run_tasks(_bucket_task, nchunks, pts, k, skip, nkeys, nchunks, parts.reshape(-1, 2, 4))
    sums = _merge(parts)
    if skip >= 0:
        rest = bucket_sums(sums, np.zeros(nkeys, dtype=np.int64), 1)
        sums[skip] = add_point_arrays(tot, g1_neg(rest))[0]
    return sums


def add_point_arrays(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a[i] + b[i] for two (n, 2, 4) affine Montgomery arrays (any points, infinity too)."""
    pa, pb = _as_points(a), _as_points(b)
    if pa.shape != pb.shape:
        raise ValueError(f"point arrays of different shapes {pa.shape} and {pb.shape}")
    return _merge(np.stack([pa, pb]))


__all__ = ["add_point_arrays", "bucket_sums", "choose_window", "msm", "msm_small"]
