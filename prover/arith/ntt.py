"""Number-theoretic transforms over F_r (four-step, numba, parallel).

Conventions (PROTOCOL.md section 2): omega_N = 5^((r-1)/N); ``ntt(f)[i] = f(omega_N^i)``
in natural order, ``coset_ntt(f, g)[i] = f(g * omega_N^i)``. Sizes N = 2^k, k <= 28.

Implementation: the four-step algorithm. The array is C rows of R contiguous elements
(N = R * C, R = 2^ceil(k/2)): C-point transforms down the columns (gathered a few
columns at a time into a small buffer), a twiddle multiplication by omega_N^(n1 * k2),
and R-point transforms along the rows, every sub-transform in cache with one small
twiddle table. The decimation-in-frequency form (:func:`dif`) takes natural order to
bit-reversed order, the decimation-in-time form (:func:`dit`) bit-reversed order to
natural, so a forward transform followed by an inverse one needs no reordering (the
quotient works that way). The column pass also applies a coset scaling c0 * g^i, so
it costs no pass of its own; :func:`dif` folds coefficients beyond N first (one axpy
pass per block). Both kernels can work in place (each column block and each row is
read before it is written), so a folded input is transformed where it was folded.
The bit reversal (:func:`bitrev_permute`) moves 32 x 32 tiles.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.extending import overload

from zkpor.prover.arith import ifma
from zkpor.prover.arith.field import FR, _as2d
from zkpor.prover.arith.ifma import (
    BLOCK,
    LANES,
    bfly_dif,
    bfly_dit,
    bfly_plain,
    mul_step,
    pack8,
    splat_lanes,
    to_lanes,
    unpack8,
)
from zkpor.prover.arith.mont import (
    FR_C,
    ZERO,
    fr_mmul,
    load,
    madd,
    mmul,
    mpow_u64,
    msub,
    store,
)
from zkpor.verifier.field import TWO_ADICITY, R, root_of_unity

_M = FR_C.m
_ONE = FR_C.one
_GROUP = 4  # columns gathered together (4 elements = 128 contiguous bytes per row)


@njit(cache=True)
def bitrev(i, logn):  # type: ignore[no-untyped-def]
    """The logn-bit reversal of i."""
    x = np.uint64(i)
    x = ((x >> np.uint64(1)) & np.uint64(0x5555555555555555)) | (
        (x & np.uint64(0x5555555555555555)) << np.uint64(1)
    )
    x = ((x >> np.uint64(2)) & np.uint64(0x3333333333333333)) | (
        (x & np.uint64(0x3333333333333333)) << np.uint64(2)
    )
    x = ((x >> np.uint64(4)) & np.uint64(0x0F0F0F0F0F0F0F0F)) | (
        (x & np.uint64(0x0F0F0F0F0F0F0F0F)) << np.uint64(4)
    )
    x = ((x >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)) | (
        (x & np.uint64(0x00FF00FF00FF00FF)) << np.uint64(8)
    )
    x = ((x >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)) | (
        (x & np.uint64(0x0000FFFF0000FFFF)) << np.uint64(16)
    )
    x = (x >> np.uint64(32)) | (x << np.uint64(32))
    if logn == 0:
        return 0
    return np.int64(x >> np.uint64(64 - logn))


_TILE = 5  # the bit-reversal moves tiles of 2^5 x 2^5 elements (32 KiB of F_r)


def _element(src, i):  # type: ignore[no-untyped-def]
    """src[i] as four limbs: a row of an (n, 4) array, or (src[i], 0, 0, 0) for a 1-D
    uint64 array (chosen when numba types ``src``)."""
    raise NotImplementedError("numba only")


@overload(_element)
def _element_impl(src, i):  # type: ignore[no-untyped-def]
    if src.ndim == 1:
        return lambda src, i: (src[i], ZERO, ZERO, ZERO)
    return lambda src, i: load(src, i)


@njit(cache=True, parallel=True)
def _k_bitrev_copy(src, dst, logn):  # type: ignore[no-untyped-def]
    """dst[rev(i)] = src[i] (a uint64 src[i] as the limbs (src[i], 0, 0, 0)).

    With logn >= 2 * _TILE, i = (hi, mid, lo) of _TILE, logn - 2 _TILE and _TILE bits and
    rev(i) = (rev(lo), rev(mid), rev(hi)): for each mid, the 2^_TILE rows hi of 2^_TILE
    contiguous elements lo are read into a buffer and written out as the rows rev(lo) of
    contiguous elements rev(hi), so reads and writes run through memory in 1 KiB runs
    instead of a scatter of 32-byte elements over the whole array.
    """
    n = dst.shape[0]
    if logn < 2 * _TILE:
        for i in range(n):
            store(dst, bitrev(i, logn), _element(src, i))
        return
    t = 1 << _TILE
    logm = logn - 2 * _TILE
    top = logn - _TILE
    for mid in prange(1 << logm):
        buf = np.empty((t * t, 4), dtype=np.uint64)
        rmid = bitrev(mid, logm) << _TILE
        for hi in range(t):
            base = (hi << top) | (mid << _TILE)
            rhi = bitrev(hi, _TILE)
            for lo in range(t):
                store(buf, (bitrev(lo, _TILE) << _TILE) | rhi, _element(src, base + lo))
        for rlo in range(t):
            out = (rlo << top) | rmid
            for j in range(t):
                store(dst, out + j, load(buf, (rlo << _TILE) | j))


@njit(cache=True, parallel=True)
def _k_bitrev_indices(out, logn):  # type: ignore[no-untyped-def]
    for i in prange(out.shape[0]):
        out[i] = bitrev(i, logn)


def bitrev_indices(n: int) -> np.ndarray:
    """[bitrev(i) for i < n] as int64 (n a power of two): the index held at position i of a
    bit-reversed array, and the position of index i (the permutation is an involution)."""
    out = np.empty(n, dtype=np.int64)
    _k_bitrev_indices(out, _size(n))
    return out


@njit(cache=True)
def _sub_dif(a, off, logs, tw, tlog):  # type: ignore[no-untyped-def]
    """In-place DIF of a[off : off + 2^logs], natural to bit-reversed order.

    ``tw`` holds omega_M^j for j < M/2, M = 2^tlog >= 2^logs (forward or inverse roots).
    """
    size = 1 << logs
    for s in range(logs, 0, -1):
        half = 1 << (s - 1)
        tstride = 1 << (tlog - s)
        for base in range(off, off + size, 2 * half):
            u = load(a, base)
            v = load(a, base + half)
            store(a, base, madd(u, v, _M))
            store(a, base + half, msub(u, v, _M))
            for j in range(1, half):
                u = load(a, base + j)
                v = load(a, base + j + half)
                store(a, base + j, madd(u, v, _M))
                store(a, base + j + half, fr_mmul(msub(u, v, _M), load(tw, j * tstride)))


@njit(cache=True)
def _sub_dit(a, off, logs, tw, tlog):  # type: ignore[no-untyped-def]
    """In-place DIT of a[off : off + 2^logs], bit-reversed to natural order."""
    size = 1 << logs
    for s in range(1, logs + 1):
        half = 1 << (s - 1)
        tstride = 1 << (tlog - s)
        for base in range(off, off + size, 2 * half):
            u = load(a, base)
            v = load(a, base + half)
            store(a, base, madd(u, v, _M))
            store(a, base + half, msub(u, v, _M))
            for j in range(1, half):
                u = load(a, base + j)
                t = fr_mmul(load(a, base + j + half), load(tw, j * tstride))
                store(a, base + j, madd(u, t, _M))
                store(a, base + j + half, msub(u, t, _M))


@njit(cache=True)
def _twist(loc, off, logc, w):  # type: ignore[no-untyped-def]
    """loc[off + rev(k)] *= w^k for k < 2^logc (the four-step twiddles of one column)."""
    cur = w
    for k in range(1, 1 << logc):
        p = off + bitrev(k, logc)
        store(loc, p, fr_mmul(load(loc, p), cur))
        cur = fr_mmul(cur, w)


@njit(cache=True, parallel=True)
def _k_dif(src, dst, logn, logr, tw, tlog, wn, c0, g, scale):  # type: ignore[no-untyped-def]
    """dst = DIF of (src scaled by c0 * g^i), N = 2^logn entries: natural -> bit-reversed."""
    rr = 1 << logr
    logc = logn - logr
    cc = 1 << logc
    grp = min(_GROUP, rr)
    w1 = load(wn, 0)
    c00 = load(c0, 0)
    gg = load(g, 0)
    g_r = mpow_u64(gg, np.uint64(rr), _ONE, _M)
    for blk in prange(rr // grp):
        loc = np.empty((grp * cc, 4), dtype=np.uint64)
        for q in range(grp):
            n1 = blk * grp + q
            cur = mmul(c00, mpow_u64(gg, np.uint64(n1), _ONE, _M), _M)
            for n2 in range(cc):
                idx = n1 + rr * n2
                x = load(src, idx)
                if scale:
                    x = fr_mmul(x, cur)
                    cur = fr_mmul(cur, g_r)
                store(loc, q * cc + n2, x)
            _sub_dif(loc, q * cc, logc, tw, tlog)
            if n1:
                _twist(loc, q * cc, logc, mpow_u64(w1, np.uint64(n1), _ONE, _M))
        for p2 in range(cc):
            for q in range(grp):
                store(dst, blk * grp + q + rr * p2, load(loc, q * cc + p2))
    for p2 in prange(cc):
        _sub_dif(dst, rr * p2, logr, tw, tlog)


@njit(cache=True, parallel=True)
def _k_dit(a, logn, logr, tw, tlog, wn, c0, g, scale):  # type: ignore[no-untyped-def]
    """In place: a (bit-reversed) -> its DIT transform (natural), scaled by c0 * g^i."""
    rr = 1 << logr
    logc = logn - logr
    cc = 1 << logc
    grp = min(_GROUP, rr)
    w1 = load(wn, 0)
    c00 = load(c0, 0)
    gg = load(g, 0)
    g_r = mpow_u64(gg, np.uint64(rr), _ONE, _M)
    for p2 in prange(cc):
        _sub_dit(a, rr * p2, logr, tw, tlog)
    for blk in prange(rr // grp):
        loc = np.empty((grp * cc, 4), dtype=np.uint64)
        for p2 in range(cc):
            for q in range(grp):
                store(loc, q * cc + p2, load(a, blk * grp + q + rr * p2))
        for q in range(grp):
            n1 = blk * grp + q
            if n1:
                _twist(loc, q * cc, logc, mpow_u64(w1, np.uint64(n1), _ONE, _M))
            _sub_dit(loc, q * cc, logc, tw, tlog)
            cur = mmul(c00, mpow_u64(gg, np.uint64(n1), _ONE, _M), _M)
            for n2 in range(cc):
                x = load(loc, q * cc + n2)
                if scale:
                    x = fr_mmul(x, cur)
                    cur = fr_mmul(cur, g_r)
                store(a, n1 + rr * n2, x)


# ----------------------------------------------------------------------------- IFMA lanes
# The same four-step transforms with eight columns (or rows) in lockstep, one per lane of
# an AVX-512 IFMA lane block (ifma.py): every twiddle of a sub-transform is shared by the
# eight lanes; the four-step twiddles and the coset powers differ per lane.


@njit(cache=True)
def _vsub(buf, logs, tw52, tlog, is_dif):  # type: ignore[no-untyped-def]
    """In-place DIF (natural to bit-reversed, stages from the widest) or DIT (bit-reversed
    to natural, from the narrowest) of the 2^logs positions of a lockstep buffer, as
    :func:`_sub_dif` and :func:`_sub_dit`."""
    size = 1 << logs
    for i in range(logs):
        s = logs - i if is_dif else i + 1
        half = 1 << (s - 1)
        tstride = 1 << (tlog - s)
        for base in range(0, size, 2 * half):
            bfly_plain(buf, base, base + half, tw52, 0)
            for j in range(1, half):
                if is_dif:
                    bfly_dif(buf, base + j, base + j + half, tw52, j * tstride)
                else:
                    bfly_dit(buf, base + j, base + j + half, tw52, j * tstride)


@njit(cache=True)
def _vrows(a, row0, logr, tw52, tlog, is_dif):  # type: ignore[no-untyped-def]
    """The sub-transforms (DIF or DIT) of the eight rows of length 2^logr from row0 on."""
    rr = 1 << logr
    buf = np.empty(rr * BLOCK, dtype=np.uint64)
    for j in range(rr):
        pack8(buf, j, a, row0 + j, rr)
    _vsub(buf, logr, tw52, tlog, is_dif)
    for j in range(rr):
        unpack8(buf, j, a, row0 + j, rr)


@njit(cache=True)
def _lane_scratch():  # type: ignore[no-untyped-def]
    """Eight elements, and two lane blocks (the running multiplier and its step)."""
    return (
        np.empty((LANES, 4), dtype=np.uint64),
        np.empty(BLOCK, dtype=np.uint64),
        np.empty(BLOCK, dtype=np.uint64),
    )


@njit(cache=True)
def _vtwist(buf, logc, w1, n1):  # type: ignore[no-untyped-def]
    """buf[rev(k)] *= w_q^k in lane q, w_q = w1^(n1 + q) (the four-step twiddles)."""
    lanes, cur, step = _lane_scratch()
    for q in range(LANES):
        store(lanes, q, mpow_u64(w1, np.uint64(n1 + q), _ONE, _M))
    to_lanes(lanes, step)
    cur[:] = step
    for k in range(1, 1 << logc):
        mul_step(buf, bitrev(k, logc), cur, step)


@njit(cache=True)
def _vscale(buf, cc, c00, gg, g_r, n1):  # type: ignore[no-untyped-def]
    """buf[n2] *= c0 g^(n1 + q + R n2) in lane q (g_r = g^R): the coset scaling."""
    lanes, cur, step = _lane_scratch()
    for q in range(LANES):
        store(lanes, q, mmul(c00, mpow_u64(gg, np.uint64(n1 + q), _ONE, _M), _M))
    to_lanes(lanes, cur)
    splat_lanes(g_r, step)
    for n2 in range(cc):
        mul_step(buf, n2, cur, step)


@njit(cache=True, parallel=True)
def _k_dif_v(src, dst, logn, logr, tw52, tlog, wn, c0, g, scale):  # type: ignore[no-untyped-def]
    """:func:`_k_dif` with eight columns, then eight rows, per lockstep buffer."""
    rr = 1 << logr
    logc = logn - logr
    cc = 1 << logc
    w1 = load(wn, 0)
    c00 = load(c0, 0)
    gg = load(g, 0)
    g_r = mpow_u64(gg, np.uint64(rr), _ONE, _M)
    for blk in prange(rr // LANES):
        n1 = blk * LANES
        buf = np.empty(cc * BLOCK, dtype=np.uint64)
        for n2 in range(cc):
            pack8(buf, n2, src, n1 + rr * n2, 1)
        if scale:
            _vscale(buf, cc, c00, gg, g_r, n1)
        _vsub(buf, logc, tw52, tlog, True)
        _vtwist(buf, logc, w1, n1)
        for p2 in range(cc):
            unpack8(buf, p2, dst, n1 + rr * p2, 1)
    for rb in prange(cc // LANES):
        _vrows(dst, rr * rb * LANES, logr, tw52, tlog, True)


@njit(cache=True, parallel=True)
def _k_dit_v(a, logn, logr, tw52, tlog, wn, c0, g, scale):  # type: ignore[no-untyped-def]
    """:func:`_k_dit` with eight rows, then eight columns, per lockstep buffer."""
    rr = 1 << logr
    logc = logn - logr
    cc = 1 << logc
    w1 = load(wn, 0)
    c00 = load(c0, 0)
    gg = load(g, 0)
    g_r = mpow_u64(gg, np.uint64(rr), _ONE, _M)
    for rb in prange(cc // LANES):
        _vrows(a, rr * rb * LANES, logr, tw52, tlog, False)
    for blk in prange(rr // LANES):
        n1 = blk * LANES
        buf = np.empty(cc * BLOCK, dtype=np.uint64)
        for p2 in range(cc):
            pack8(buf, p2, a, n1 + rr * p2, 1)
        _vtwist(buf, logc, w1, n1)
        _vsub(buf, logc, tw52, tlog, False)
        if scale:
            _vscale(buf, cc, c00, gg, g_r, n1)
        for n2 in range(cc):
            unpack8(buf, n2, a, n1 + rr * n2, 1)


_TABLES: dict[tuple[int, bool], np.ndarray] = {}
_TABLES_260: dict[tuple[int, bool], np.ndarray] = {}
_IFMA = ifma.host_has_ifma()
_VEC_MIN_LOG = 6  # eight columns and eight rows at least


def _sub_table(tlog: int, inverse: bool) -> np.ndarray:
    """omega_M^(+-j) for j < M/2, M = 2^tlog (at most 2^14 entries: sub-transforms only)."""
    key = (tlog, inverse)
    if key not in _TABLES:
        m = 1 << tlog
        root = root_of_unity(m)
        table = FR.powers(pow(root, -1, R) if inverse else root, max(m // 2, 1))
        table.setflags(write=False)
        _TABLES[key] = table
    return _TABLES[key]


def _sub_table_260(tlog: int, inverse: bool) -> np.ndarray:
    """:func:`_sub_table` in the 260-form of the IFMA butterflies."""
    key = (tlog, inverse)
    if key not in _TABLES_260:
        table = ifma.table_260(_sub_table(tlog, inverse))
        table.setflags(write=False)
        _TABLES_260[key] = table
    return _TABLES_260[key]


def _lanes(logn: int) -> bool:
    """Whether a transform of size 2^logn takes the IFMA lockstep kernels."""
    return _IFMA and logn >= _VEC_MIN_LOG


def clear_twiddle_cache() -> None:
    """Drop the cached sub-transform twiddle tables."""
    _TABLES.clear()
    _TABLES_260.clear()


def _size(n: int) -> int:
    if n == 0 or n & (n - 1) or n > 1 << TWO_ADICITY:
        raise ValueError(f"NTT size must be a power of two <= 2^{TWO_ADICITY}, got {n}")
    return n.bit_length() - 1


def _params(logn: int, inverse: bool) -> tuple[int, np.ndarray, int, np.ndarray]:
    logr = (logn + 1) // 2
    tlog = max(logr, 1)
    root = root_of_unity(1 << logn)
    wn = FR.from_int(pow(root, -1, R) if inverse else root).reshape(1, 4)
    return logr, _sub_table(tlog, inverse), tlog, wn


def _fr1(x: int) -> np.ndarray:
    return FR.from_int(x % R).reshape(1, 4)


def dif(src: np.ndarray, n: int, inverse: bool = False, c0: int = 1, g: int = 1) -> np.ndarray:
    """c0 * f(g * omega_n^i) at position bitrev(i), for f = sum src[j] X^j of any length
    (coefficients beyond n are folded in: X^n = g^n on the coset). ``inverse`` uses
    omega_n^-1 instead of omega_n."""
    a, single = _as2d(src)
    logn = _size(n)
    if single:
        raise ValueError("dif takes an (n, 4) array")
    out = np.empty((n, 4), dtype=np.uint64)
    if a.shape[0] != n:  # fold into out, then transform it in place (one fresh vector)
        a = _fold(a, n, pow(g, n, R), out)
    logr, tw, tlog, wn = _params(logn, inverse)
    scale = not (c0 % R == 1 and g % R == 1)
    if _lanes(logn):
        tw52 = _sub_table_260(tlog, inverse)
        _k_dif_v(a, out, logn, logr, tw52, tlog, wn, _fr1(c0), _fr1(g), scale)
    else:
        _k_dif(a, out, logn, logr, tw, tlog, wn, _fr1(c0), _fr1(g), scale)
    return out


def _fold(a: np.ndarray, n: int, k: int, out: np.ndarray) -> np.ndarray:
    """out = a mod (X^n - k), n entries (zero-padded): a[:n] + sum_t k^t a[t n : (t + 1) n].

    A pass of the (lane) axpy per block of n, before the transform: folding inside the
    transform's column pass, element by element, cost more than the transform itself.
    """
    head = min(n, a.shape[0])
    out[:head] = a[:head]
    out[head:] = 0
    kt = 1
    for lo in range(n, a.shape[0], n):
        kt = kt * k % R
        FR.axpy(out, a[lo : lo + n], kt)
    return out


def dit(a: np.ndarray, inverse: bool = False, c0: int = 1, g: int = 1) -> np.ndarray:
    """In place: a in bit-reversed order -> (its transform)_i * c0 * g^i, natural order."""
    a2 = a
    if a2.dtype != np.uint64 or a2.ndim != 2 or a2.shape[1] != 4 or not a2.flags.c_contiguous:
        raise ValueError("dit works in place on a contiguous (n, 4) uint64 array")
    logn = _size(a2.shape[0])
    logr, tw, tlog, wn = _params(logn, inverse)
    scale = not (c0 % R == 1 and g % R == 1)
    if _lanes(logn):
        _k_dit_v(a2, logn, logr, _sub_table_260(tlog, inverse), tlog, wn, _fr1(c0), _fr1(g), scale)
    else:
        _k_dit(a2, logn, logr, tw, tlog, wn, _fr1(c0), _fr1(g), scale)
    return a2


def bitrev_permute(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A copy of a (into ``out`` if given) with element i at position bitrev(i); a 1-D
    uint64 array of small values (below r) is put in Montgomery form on the way."""
    small = np.ndim(a) == 1 and np.asarray(a).dtype == np.uint64
    if small:
        a2 = np.ascontiguousarray(a)
    else:
        a2, single = _as2d(a)
        if single:
            raise ValueError("bitrev_permute takes an (n, 4) array or 1-D uint64 values")
    logn = _size(a2.shape[0])
    shape = (a2.shape[0], 4)
    if out is None:
        out = np.empty(shape, dtype=np.uint64)
    elif out.shape != shape or out.dtype != np.uint64 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a contiguous {shape} uint64 array")
    _k_bitrev_copy(a2, out, logn)
    return FR.from_std(out, out=out) if small else out


def ntt(coeffs: np.ndarray) -> np.ndarray:
    """Evaluations f(omega_N^i), i < N, of f = sum coeffs[i] X^i (N = len(coeffs))."""
    return dit(bitrev_permute(coeffs))


def intt(evals: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Coefficients of the polynomial of degree < N with f(omega_N^i) = evals[i] (F_r, or
    small 1-D uint64 values), written into ``out`` if given (e.g. the head of a longer
    buffer)."""
    out = bitrev_permute(evals, out)
    return dit(out, inverse=True, c0=pow(out.shape[0], -1, R))


def coset_ntt(coeffs: np.ndarray, shift: int) -> np.ndarray:
    """Evaluations f(shift * omega_N^i), i < N."""
    return bitrev_permute(dif(coeffs, np.asarray(coeffs).shape[0], g=shift))


def coset_intt(evals: np.ndarray, shift: int) -> np.ndarray:
    """Coefficients of f with f(shift * omega_N^i) = evals[i]."""
    out = bitrev_permute(evals)
    return dit(out, inverse=True, c0=pow(out.shape[0], -1, R), g=pow(shift, -1, R))


__all__ = [
    "bitrev",
    "bitrev_indices",
    "bitrev_permute",
    "clear_twiddle_cache",
    "coset_intt",
    "coset_ntt",
    "dif",
    "dit",
    "intt",
    "ntt",
]
