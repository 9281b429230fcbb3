"""Number-theoretic transforms over F_r (radix-2, numba, parallel).

Conventions (PROTOCOL.md section 2): omega_N = 5^((r-1)/N); ``ntt(f)[i] = f(omega_N^i)``
in natural order, ``coset_ntt(f, g)[i] = f(g * omega_N^i)``. Sizes N = 2^k, k <= 28.

Implementation: an out-of-place bit-reversal copy (fused with the coset scaling and,
for the inverse, the 1/N factor), then an in-place decimation-in-time pass. The first
``_BLOCK_LOG`` levels run block by block inside the cache (blocks spread over threads),
the remaining levels split their butterflies over threads. One twiddle table
[omega_M^j, j < M/2] for the largest size M used so far serves every N <= M (stride
M/N) and the inverse too (omega^-j = -omega^(M/2 - j)).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkpor.prover.arith.field import FR, _as2d
from zkpor.prover.arith.mont import FR_C, load, madd, mmul, mmul_inline, mpow_u64, msub, store
from zkpor.verifier.field import TWO_ADICITY, R, root_of_unity

_M = FR_C.m
_ONE = FR_C.one
_BLOCK_LOG = 11  # 2^11 elements * 32 bytes = 64 KiB per cache block
_CH = 1024  # butterflies (or elements) per parallel chunk


@njit(cache=True)
def _bitrev(i, logn):  # type: ignore[no-untyped-def]
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


@njit(cache=True, parallel=True)
def _k_bitrev_copy(src, dst, logn, c0, g, scale):  # type: ignore[no-untyped-def]
    """dst[rev(i)] = src[i] * c0 * g^i (when scale), else a plain permuted copy."""
    n = src.shape[0]
    cc = load(c0, 0)
    gg = load(g, 0)
    nch = (n + _CH - 1) // _CH
    for c in prange(nch):
        lo = c * _CH
        hi = min(n, lo + _CH)
        if scale:
            cur = mmul(cc, mpow_u64(gg, np.uint64(lo), _ONE, _M), _M)
            for i in range(lo, hi):
                store(dst, _bitrev(i, logn), mmul(load(src, i), cur, _M))
                cur = mmul(cur, gg, _M)
        else:
            for i in range(lo, hi):
                store(dst, _bitrev(i, logn), load(src, i))


@njit(cache=True, parallel=True)
def _k_scale_powers(a, c0, g):  # type: ignore[no-untyped-def]
    """a[i] *= c0 * g^i in place."""
    n = a.shape[0]
    cc = load(c0, 0)
    gg = load(g, 0)
    nch = (n + _CH - 1) // _CH
    for c in prange(nch):
        lo = c * _CH
        hi = min(n, lo + _CH)
        cur = mmul(cc, mpow_u64(gg, np.uint64(lo), _ONE, _M), _M)
        for i in range(lo, hi):
            store(a, i, mmul(load(a, i), cur, _M))
            cur = mmul(cur, gg, _M)


@njit(cache=True)
def _butterfly(a, i0, i1, tw, j, tstride, thalf, inv):  # type: ignore[no-untyped-def]
    """DIT butterfly (a0, a1) <- (a0 + w a1, a0 - w a1), w = omega^(+-j*tstride)."""
    u = load(a, i0)
    v = load(a, i1)
    if j == 0:
        store(a, i0, madd(u, v, _M))
        store(a, i1, msub(u, v, _M))
    elif not inv:
        t = mmul_inline(v, load(tw, j * tstride), _M)
        store(a, i0, madd(u, t, _M))
        store(a, i1, msub(u, t, _M))
    else:  # omega^-k = -omega^(M/2 - k)
        t = mmul_inline(v, load(tw, thalf - j * tstride), _M)
        store(a, i0, msub(u, t, _M))
        store(a, i1, madd(u, t, _M))


@njit(cache=True, parallel=True)
def _k_ntt_core(a, tw, logn, tlog, inv):  # type: ignore[no-untyped-def]
    """In-place DIT NTT of the bit-reversed array a (size 2^logn), table for 2^tlog."""
    n = 1 << logn
    thalf = 1 << (tlog - 1)
    blog = min(logn, _BLOCK_LOG)
    bsz = 1 << blog
    for blk in prange(n >> blog):
        base = blk * bsz
        for s in range(1, blog + 1):
            half = 1 << (s - 1)
            tstride = 1 << (tlog - s)
            for g in range(0, bsz, 2 * half):
                for j in range(half):
                    i0 = base + g + j
                    _butterfly(a, i0, i0 + half, tw, j, tstride, thalf, inv)
    nbf = n >> 1
    nch = (nbf + _CH - 1) // _CH
    for s in range(blog + 1, logn + 1):
        half = 1 << (s - 1)
        tstride = 1 << (tlog - s)
        for c in prange(nch):
            for t in range(c * _CH, min(nbf, (c + 1) * _CH)):
                j = t & (half - 1)
                i0 = ((t >> (s - 1)) << s) + j
                _butterfly(a, i0, i0 + half, tw, j, tstride, thalf, inv)


_TABLE: dict[str, np.ndarray] = {}


def _twiddles(logn: int) -> tuple[np.ndarray, int]:
    """(table of omega_M^j for j < M/2, log M) with M >= 2^logn, M >= 2."""
    tab = _TABLE.get("tw")
    need = max(logn, 1)
    if tab is None or tab.shape[0] * 2 < (1 << need):
        m = 1 << need
        tab = FR.powers(root_of_unity(m), m // 2)
        tab.setflags(write=False)
        _TABLE["tw"] = tab
    return tab, (tab.shape[0] * 2).bit_length() - 1


def clear_twiddle_cache() -> None:
    """Drop the cached twiddle table (it takes 16 * M bytes for the largest size M)."""
    _TABLE.clear()


def _check_len(a: np.ndarray) -> tuple[np.ndarray, int]:
    a2, single = _as2d(a)
    n = a2.shape[0]
    if single or n == 0 or n & (n - 1) or n > 1 << TWO_ADICITY:
        raise ValueError(f"NTT size must be a power of two <= 2^{TWO_ADICITY}, got {n}")
    return a2, n.bit_length() - 1


def _transform(a: np.ndarray, inv: bool, c0: int, g: int) -> np.ndarray:
    a2, logn = _check_len(a)
    out = np.empty_like(a2)
    scale = not (c0 == 1 and g == 1)
    _k_bitrev_copy(
        a2, out, logn, FR.from_int(c0).reshape(1, 4), FR.from_int(g).reshape(1, 4), scale
    )
    if logn:
        tw, tlog = _twiddles(logn)
        _k_ntt_core(out, tw, logn, tlog, inv)
    return out


def ntt(coeffs: np.ndarray) -> np.ndarray:
    """Evaluations f(omega_N^i), i < N, of f = sum coeffs[i] X^i (N = len(coeffs))."""
    return _transform(coeffs, False, 1, 1)


def intt(evals: np.ndarray) -> np.ndarray:
    """Coefficients of the polynomial of degree < N with f(omega_N^i) = evals[i]."""
    n = np.asarray(evals).shape[0]
    return _transform(evals, True, pow(n, -1, R), 1)


def coset_ntt(coeffs: np.ndarray, shift: int) -> np.ndarray:
    """Evaluations f(shift * omega_N^i), i < N."""
    return _transform(coeffs, False, 1, shift % R)


def coset_intt(evals: np.ndarray, shift: int) -> np.ndarray:
    """Coefficients of f with f(shift * omega_N^i) = evals[i]."""
    n = np.asarray(evals).shape[0]
    out = _transform(evals, True, pow(n, -1, R), 1)
    s = shift % R
    if s != 1:
        _k_scale_powers(out, FR.from_int(1).reshape(1, 4), FR.from_int(pow(s, -1, R)).reshape(1, 4))
    return out


__all__ = [
    "clear_twiddle_cache",
    "coset_intt",
    "coset_ntt",
    "intt",
    "ntt",
]
