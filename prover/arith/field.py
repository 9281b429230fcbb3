"""Vectorised F_r and F_q arithmetic on numpy arrays (numba, Montgomery form).

A vector is a ``uint64`` array of shape (n, 4): little-endian 64-bit limbs of the
Montgomery representative x*2^256 mod p, fully reduced. A single element may be a
(4,) array; binary operations broadcast a single element against a vector.

The kernels are generic over the modulus (they take the ``prm`` array of
:class:`zkpor.prover.arith.mont.FieldConsts`), so F_r and F_q share one compiled kernel each.
The public ``fr_*``/``fq_*`` functions are bound methods of two :class:`Field` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numba import njit, prange

from zkpor.prover.arith.ifma import (
    BLOCK,
    LANES,
    host_has_ifma,
    lane_add,
    lane_axpy,
    lane_horner,
    lane_mul,
    lane_scale,
    lane_sub,
    raw_lanes,
    splat_lanes,
    unpack8,
)
from zkpor.prover.arith.mont import (
    FQ_C,
    FR_C,
    ONE_U64,
    ZERO,
    FieldConsts,
    adc,
    is_zero,
    load,
    madd,
    minv,
    mmul,
    mneg,
    mpow,
    mpow_u64,
    msub,
    store,
    unpack_prm,
)

_CHUNK = 4096  # elements per parallel chunk (batch inversion, powers, reductions)

OP_ADD, OP_SUB, OP_MUL = 0, 1, 2
UOP_NEG, UOP_SQR, UOP_TO_MONT, UOP_FROM_MONT, UOP_DBL = 0, 1, 2, 3, 4


# ----------------------------------------------------------------------------- kernels


@njit(cache=True)
def _binop_one(x, y, m, op):  # type: ignore[no-untyped-def]
    if op == OP_MUL:
        return mmul(x, y, m)
    if op == OP_ADD:
        return madd(x, y, m)
    return msub(x, y, m)


@njit(cache=True, parallel=True)
def _k_binop(a, b, out, prm, op):  # type: ignore[no-untyped-def]
    m, _, _, _ = unpack_prm(prm)
    n = out.shape[0]
    sa = 1 if a.shape[0] > 1 else 0
    sb = 1 if b.shape[0] > 1 else 0
    for i in prange(n):
        store(out, i, _binop_one(load(a, i * sa), load(b, i * sb), m, op))


@njit(cache=True, parallel=True)
def _k_binop_lanes(a, b, out, cl, prm, op):  # type: ignore[no-untyped-def]
    """:func:`_k_binop` for F_r with AVX-512 IFMA, eight rows a step; b one element
    (broadcast) only for OP_MUL, given in 260-form lanes as cl. The last n % 8 rows
    one by one."""
    m, _, _, _ = unpack_prm(prm)
    n = out.shape[0]
    n8 = n - n % LANES
    single = b.shape[0] == 1
    for ch in prange((n8 + _CHUNK - 1) // _CHUNK):
        for row in range(ch * _CHUNK, min(n8, (ch + 1) * _CHUNK), LANES):
            if single:
                lane_scale(out, a, cl, row)
            elif op == OP_MUL:
                lane_mul(out, a, b, row)
            elif op == OP_ADD:
                lane_add(out, a, b, row)
            else:
                lane_sub(out, a, b, row)
    for i in range(n8, n):
        store(out, i, _binop_one(load(a, i), load(b, 0 if single else i), m, op))


@njit(cache=True, parallel=True)
def _k_unop(a, out, prm, op):  # type: ignore[no-untyped-def]
    m, one, r2, _ = unpack_prm(prm)
    std_one = (ONE_U64, ZERO, ZERO, ZERO)
    for i in prange(out.shape[0]):
        x = load(a, i)
        if op == UOP_NEG:
            r = mneg(x, m)
        elif op == UOP_SQR:
            r = mmul(x, x, m)
        elif op == UOP_TO_MONT:
            r = mmul(x, r2, m)
        elif op == UOP_FROM_MONT:
            r = mmul(x, std_one, m)
        else:
            r = madd(x, x, m)
        store(out, i, r)


@njit(cache=True, parallel=True)
def _k_from_u64(v, neg, out, prm):  # type: ignore[no-untyped-def]
    """out[i] = Montgomery form of v[i] (negated where neg[i])."""
    m, _, r2, _ = unpack_prm(prm)
    for i in prange(out.shape[0]):
        r = mmul((v[i], ZERO, ZERO, ZERO), r2, m)
        if neg[i]:
            r = mneg(r, m)
        store(out, i, r)


@njit(cache=True, parallel=True)
def _k_from_limbs(limbs, bits, out, prm):  # type: ignore[no-untyped-def]
    """out[i] = Montgomery form of sum_k limbs[k, i] * 2^(bits k) (the caller bounds it below p)."""
    m, _, r2, _ = unpack_prm(prm)
    for i in prange(out.shape[0]):
        w = (ZERO, ZERO, ZERO, ZERO)
        for k in range(limbs.shape[0]):
            v = limbs[k, i]
            word, off = (bits * k) // 64, np.uint64((bits * k) % 64)
            lo = v << off
            hi = v >> (np.uint64(64) - off) if off else ZERO
            t = (
                lo if word == 0 else ZERO,
                lo if word == 1 else (hi if word == 0 else ZERO),
                lo if word == 2 else (hi if word == 1 else ZERO),
                lo if word == 3 else (hi if word == 2 else ZERO),
            )
            s0, c = adc(w[0], t[0], ZERO)
            s1, c = adc(w[1], t[1], c)
            s2, c = adc(w[2], t[2], c)
            s3, c = adc(w[3], t[3], c)
            w = (s0, s1, s2, s3)
        store(out, i, mmul(w, r2, m))


@njit(cache=True)
def batch_inv_range(a, out, lo, hi, m, one, pm2):  # type: ignore[no-untyped-def]
    """out[lo:hi] = a[lo:hi]^-1 with one inversion (zeros map to zero; out must not alias a)."""
    acc = one
    for i in range(lo, hi):
        x = load(a, i)
        store(out, i, acc)  # prefix product of the non-zero elements before i
        if not is_zero(x):
            acc = mmul(acc, x, m)
    inv = minv(acc, pm2, one, m)
    for i in range(hi - 1, lo - 1, -1):
        x = load(a, i)
        if is_zero(x):
            store(out, i, x)
        else:
            pre = load(out, i)
            store(out, i, mmul(inv, pre, m))
            inv = mmul(inv, x, m)


@njit(cache=True, parallel=True)
def _k_batch_inv(a, out, prm):  # type: ignore[no-untyped-def]
    m, one, _, pm2 = unpack_prm(prm)
    n = a.shape[0]
    nch = (n + _CHUNK - 1) // _CHUNK
    for c in prange(nch):
        batch_inv_range(a, out, c * _CHUNK, min(n, (c + 1) * _CHUNK), m, one, pm2)


@njit(cache=True, parallel=True)
def _k_axpy(acc, x, c, prm):  # type: ignore[no-untyped-def]
    """acc[i] += c * x[i] for i < len(x), in place."""
    m, _, _, _ = unpack_prm(prm)
    cc = load(c, 0)
    for i in prange(x.shape[0]):
        store(acc, i, madd(load(acc, i), mmul(cc, load(x, i), m), m))


@njit(cache=True, parallel=True)
def _k_axpy_lanes(acc, x, c, cl, prm):  # type: ignore[no-untyped-def]
    """:func:`_k_axpy` for F_r with AVX-512 IFMA: eight rows a step (cl: c in 260-form
    lanes), the last len(x) % 8 rows one by one."""
    m, _, _, _ = unpack_prm(prm)
    n = x.shape[0]
    n8 = n - n % LANES
    for ch in prange((n8 + _CHUNK - 1) // _CHUNK):
        for row in range(ch * _CHUNK, min(n8, (ch + 1) * _CHUNK), LANES):
            lane_axpy(acc, x, row, cl)
    cc = load(c, 0)
    for i in range(n8, n):
        store(acc, i, madd(load(acc, i), mmul(cc, load(x, i), m), m))


@njit(cache=True, parallel=True)
def _k_pow(a, e, out, prm):  # type: ignore[no-untyped-def]
    m, one, _, _ = unpack_prm(prm)
    ee = (e[0], e[1], e[2], e[3])
    for i in prange(out.shape[0]):
        store(out, i, mpow(load(a, i), ee, one, m))


@njit(cache=True, parallel=True)
def _k_powers(x, c0, out, prm):  # type: ignore[no-untyped-def]
    """out[i] = c0 * x^i (x, c0 single Montgomery elements)."""
    m, one, _, _ = unpack_prm(prm)
    xx = load(x, 0)
    cc = load(c0, 0)
    n = out.shape[0]
    nch = (n + _CHUNK - 1) // _CHUNK
    for c in prange(nch):
        lo = c * _CHUNK
        hi = min(n, lo + _CHUNK)
        cur = mmul(cc, mpow_u64(xx, np.uint64(lo), one, m), m)
        for i in range(lo, hi):
            store(out, i, cur)
            cur = mmul(cur, xx, m)


@njit(cache=True, parallel=True)
def _k_dot(a, b, prm, use_b):  # type: ignore[no-untyped-def]
    """sum_i a_i * b_i (or sum_i a_i when not use_b), as a Montgomery tuple in a (1,4) array."""
    m, _, _, _ = unpack_prm(prm)
    n = a.shape[0]
    nch = (n + _CHUNK - 1) // _CHUNK
    part = np.zeros((max(nch, 1), 4), dtype=np.uint64)
    for c in prange(nch):
        acc = (ZERO, ZERO, ZERO, ZERO)
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            x = load(a, i)
            if use_b:
                x = mmul(x, load(b, i), m)
            acc = madd(acc, x, m)
        store(part, c, acc)
    acc = (ZERO, ZERO, ZERO, ZERO)
    for c in range(part.shape[0]):
        acc = madd(acc, load(part, c), m)
    res = np.empty((1, 4), dtype=np.uint64)
    store(res, 0, acc)
    return res


@njit(cache=True)
def _horner(vals, lo, hi, x, m):  # type: ignore[no-untyped-def]
    """sum_i vals[i] x^(i - lo) over the rows lo <= i < hi."""
    acc = (ZERO, ZERO, ZERO, ZERO)
    for i in range(hi - 1, lo - 1, -1):
        acc = madd(mmul(acc, x, m), load(vals, i), m)
    return acc


@njit(cache=True)
def _one_element(x):  # type: ignore[no-untyped-def]
    res = np.empty((1, 4), dtype=np.uint64)
    store(res, 0, x)
    return res


@njit(cache=True, parallel=True)
def _k_eval(coeffs, z, prm):  # type: ignore[no-untyped-def]
    """f(z) by Horner in parallel chunks, combined with z^chunk."""
    m, one, _, _ = unpack_prm(prm)
    zz = load(z, 0)
    n = coeffs.shape[0]
    nch = (n + _CHUNK - 1) // _CHUNK
    part = np.zeros((max(nch, 1), 4), dtype=np.uint64)
    for c in prange(nch):
        store(part, c, _horner(coeffs, c * _CHUNK, min(n, (c + 1) * _CHUNK), zz, m))
    zc = mpow_u64(zz, np.uint64(_CHUNK), one, m)
    return _one_element(_horner(part, 0, part.shape[0], zc, m))


@njit(cache=True, parallel=True)
def _k_eval_lanes(coeffs, z, z8l, prm):  # type: ignore[no-untyped-def]
    """:func:`_k_eval` for F_r with AVX-512 IFMA: in each chunk, lane q runs Horner with
    z^8 (z8l, 260-form) over the coefficients 8j + q, and the lanes are joined with z^q;
    the last len % 8 coefficients are added one by one."""
    m, one, _, _ = unpack_prm(prm)
    zz = load(z, 0)
    n = coeffs.shape[0]
    n8 = n - n % LANES
    nch = (n8 + _CHUNK - 1) // _CHUNK
    part = np.zeros((max(nch, 1), 4), dtype=np.uint64)
    for c in prange(nch):
        lo = c * _CHUNK
        acc = np.zeros(BLOCK, dtype=np.uint64)
        for row in range(min(n8, lo + _CHUNK) - LANES, lo - 1, -LANES):
            lane_horner(acc, coeffs, row, z8l)
        lanes = np.empty((LANES, 4), dtype=np.uint64)
        unpack8(acc, 0, lanes, 0, 1)
        store(part, c, _horner(lanes, 0, LANES, zz, m))
    zc = mpow_u64(zz, np.uint64(_CHUNK), one, m)
    acc = _horner(part, 0, part.shape[0], zc, m)
    tail = _horner(coeffs, n8, n, zz, m)
    acc = madd(acc, mmul(tail, mpow_u64(zz, np.uint64(n8), one, m), m), m)
    return _one_element(acc)


@njit(cache=True)
def _k_div_linear(coeffs, z, out, prm):  # type: ignore[no-untyped-def]
    """Synthetic division: out = (f(X) - f(z)) / (X - z), len(out) = len(coeffs) - 1."""
    m, _, _, _ = unpack_prm(prm)
    zz = load(z, 0)
    n = coeffs.shape[0]
    acc = (ZERO, ZERO, ZERO, ZERO)
    for i in range(n - 1, 0, -1):
        acc = madd(mmul(acc, zz, m), load(coeffs, i), m)
        store(out, i - 1, acc)


# ----------------------------------------------------------------------------- wrappers


def _as2d(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """(n, 4) C-contiguous uint64 view/copy of a, and whether a was a single (4,) element."""
    arr = np.asarray(a)
    if arr.dtype != np.uint64:
        raise TypeError(f"field vectors are uint64 arrays, got {arr.dtype}")
    single = arr.ndim == 1
    arr2 = np.ascontiguousarray(arr.reshape(-1, 4))
    if arr2.shape[1] != 4 or (arr.ndim not in (1, 2)):
        raise ValueError(f"field vectors have shape (n, 4) or (4,), got {arr.shape}")
    return arr2, single


def _bits_to_limbs(e: int) -> np.ndarray:
    return np.array([(e >> (64 * i)) & ((1 << 64) - 1) for i in range(4)], dtype=np.uint64)


class Field:
    """Vector operations of one prime field (see the module docstring for layouts)."""

    def __init__(self, consts: FieldConsts) -> None:
        self.c = consts
        self.p = consts.p
        self.prm = consts.prm
        self.one = np.array(consts.one, dtype=np.uint64)
        self._lanes = consts is FR_C and host_has_ifma()
        """Whether axpy and eval_poly take the AVX-512 IFMA kernels (F_r only)."""
        self.one.setflags(write=False)

    # -- conversions
    def zeros(self, n: int) -> np.ndarray:
        return np.zeros((n, 4), dtype=np.uint64)

    def from_std(self, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Canonical (non-Montgomery) limbs -> Montgomery form; entries must be < p.
        ``out`` (an (n, 4) array, possibly a itself) receives the result if given."""
        a2, single = _as2d(a)
        if out is None:
            out = np.empty_like(a2)
        elif out.shape != a2.shape:
            raise ValueError(f"out must have shape {a2.shape}")
        if self._lanes and a2.shape[0] >= LANES:  # x 2^516 / 2^260 = x 2^256
            self._raw_product(a2, out, self.c.r2, (1 << 516) % self.p)
        else:
            _k_unop(a2, out, self.prm, UOP_TO_MONT)
        return out[0] if single else out

    def to_std(self, a: np.ndarray) -> np.ndarray:
        """Montgomery form -> canonical limbs (e.g. MSM scalars)."""
        a2, single = _as2d(a)
        out = np.empty_like(a2)
        if self._lanes and a2.shape[0] >= LANES:  # x 2^256 * 16 / 2^260 = x
            self._raw_product(a2, out, (1, 0, 0, 0), 16)
        else:
            _k_unop(a2, out, self.prm, UOP_FROM_MONT)
        return out[0] if single else out

    def _raw_product(self, a2: np.ndarray, out: np.ndarray, limbs: Sequence[int], raw: int) -> None:
        """out = the Montgomery products a * limbs (divided by 2^256), the lanes' eight rows
        at a time as products by ``raw`` (divided by 2^260: the same map)."""
        b = np.array([limbs], dtype=np.uint64)
        _k_binop_lanes(a2, b, out, raw_lanes(raw), self.prm, OP_MUL)

    def from_ints(self, xs: Iterable[int]) -> np.ndarray:
        """Python ints (reduced mod p) -> (n, 4) Montgomery vector."""
        p = self.p
        buf = b"".join((int(x) % p).to_bytes(32, "little") for x in xs)
        std = np.frombuffer(buf, dtype="<u8").astype(np.uint64).reshape(-1, 4)
        return self.from_std(std)

    def from_int(self, x: int) -> np.ndarray:
        """One Python int -> a (4,) Montgomery element."""
        return np.array(self.c.mont_tuple(int(x)), dtype=np.uint64)

    def to_ints(self, a: np.ndarray) -> list[int]:
        """Montgomery vector (or single element) -> list of canonical Python ints."""
        std = self.to_std(a).reshape(-1, 4)
        buf = std.astype("<u8").tobytes()
        return [int.from_bytes(buf[i : i + 32], "little") for i in range(0, len(buf), 32)]

    def to_int(self, a: np.ndarray) -> int:
        return self.to_ints(np.asarray(a).reshape(4))[0]

    def from_uint64(self, v: np.ndarray) -> np.ndarray:
        """uint64 values -> Montgomery form (as canonical limbs (v, 0, 0, 0), converted in
        place: on the lanes a product by a constant)."""
        v = np.asarray(v, dtype=np.uint64).reshape(-1)
        out = np.zeros((v.shape[0], 4), dtype=np.uint64)
        out[:, 0] = v
        return self.from_std(out, out=out)

    def from_limbs(self, limbs: Sequence[np.ndarray], bits: int) -> np.ndarray:
        """sum_k 2^(bits k) limbs[k] per row, exactly, for uint64 columns (any 64-bit
        values; 64 + bits (len - 1) must stay below 253 so that the sum is below p)."""
        if not limbs or not 0 < bits <= 64 or 64 + bits * (len(limbs) - 1) >= 253:
            raise ValueError(f"{len(limbs)} limbs of {bits} bits do not fit below p")
        stacked = np.stack([np.asarray(v, dtype=np.uint64).reshape(-1) for v in limbs])
        out = np.empty((stacked.shape[1], 4), dtype=np.uint64)
        _k_from_limbs(stacked, bits, out, self.prm)
        return out

    def from_int64(self, v: np.ndarray) -> np.ndarray:
        """Signed int64 -> field (negative v maps to p - |v|)."""
        v = np.ascontiguousarray(v, dtype=np.int64).reshape(-1)
        neg = v < 0
        mag = np.abs(v).view(np.uint64)  # |INT64_MIN| wraps to 2^63 as uint64: still right
        out = np.empty((v.shape[0], 4), dtype=np.uint64)
        _k_from_u64(np.ascontiguousarray(mag), neg, out, self.prm)
        return out

    # -- element-wise
    def _bin(
        self, a: np.ndarray, b: np.ndarray, op: int, out: np.ndarray | None = None
    ) -> np.ndarray:
        a2, sa = _as2d(a)
        b2, sb = _as2d(b)
        n = max(a2.shape[0], b2.shape[0])
        if a2.shape[0] not in (1, n) or b2.shape[0] not in (1, n):
            raise ValueError(f"cannot broadcast {a2.shape[0]} against {b2.shape[0]} elements")
        if out is None:
            out = np.empty((n, 4), dtype=np.uint64)
        elif out.shape != (n, 4) or out.dtype != np.uint64 or not out.flags.c_contiguous:
            raise ValueError("out must be a C-contiguous (n, 4) uint64 array")
        full = a2.shape[0] == n and (b2.shape[0] == n or op == OP_MUL)
        if self._lanes and full and n >= LANES:
            cl = self._lane_block(self.to_int(b2[0])) if b2.shape[0] < n else self.one
            _k_binop_lanes(a2, b2, out, cl, self.prm, op)
        else:
            _k_binop(a2, b2, out, self.prm, op)
        return out[0] if (sa and sb) else out

    def _un(self, a: np.ndarray, op: int) -> np.ndarray:
        a2, single = _as2d(a)
        out = np.empty_like(a2)
        _k_unop(a2, out, self.prm, op)
        return out[0] if single else out

    def add(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Element-wise a + b (optionally into a preallocated out)."""
        return self._bin(a, b, OP_ADD, out)

    def sub(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Element-wise a - b (optionally into a preallocated out)."""
        return self._bin(a, b, OP_SUB, out)

    def mul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Element-wise a * b (optionally into a preallocated out)."""
        return self._bin(a, b, OP_MUL, out)

    def sqr(self, a: np.ndarray) -> np.ndarray:
        return self._un(a, UOP_SQR)

    def neg(self, a: np.ndarray) -> np.ndarray:
        return self._un(a, UOP_NEG)

    def mul_int(self, a: np.ndarray, c: int) -> np.ndarray:
        return self._bin(a, self.from_int(c), OP_MUL)

    def add_int(self, a: np.ndarray, c: int) -> np.ndarray:
        return self._bin(a, self.from_int(c), OP_ADD)

    def axpy(self, acc: np.ndarray, x: np.ndarray, c: int) -> np.ndarray:
        """In place: acc[:len(x)] += c * x (one pass); returns acc."""
        a2, _ = _as2d(x)
        if acc.dtype != np.uint64 or acc.ndim != 2 or not acc.flags.c_contiguous:
            raise ValueError("axpy accumulates into a contiguous (n, 4) uint64 array")
        if len(a2) > len(acc):
            raise ValueError(f"cannot add {len(a2)} elements into {len(acc)}")
        if self._lanes:
            _k_axpy_lanes(acc, a2, self.from_int(c).reshape(1, 4), self._lane_block(c), self.prm)
        else:
            _k_axpy(acc, a2, self.from_int(c).reshape(1, 4), self.prm)
        return acc

    def batch_inv(self, a: np.ndarray) -> np.ndarray:
        """Element-wise inverses (zero maps to zero), Montgomery's trick in parallel chunks."""
        a2, single = _as2d(a)
        out = np.empty_like(a2)
        _k_batch_inv(a2, out, self.prm)
        return out[0] if single else out

    inv = batch_inv

    def pow(self, a: np.ndarray, e: int) -> np.ndarray:
        """Element-wise a^e for an integer e >= 0 (e is reduced mod p-1 when >= 2^256)."""
        if e < 0:
            return self.pow(self.batch_inv(a), -e)
        if e >= 1 << 256:
            e = e % (self.p - 1) or (self.p - 1)
        a2, single = _as2d(a)
        out = np.empty_like(a2)
        _k_pow(a2, _bits_to_limbs(e), out, self.prm)
        return out[0] if single else out

    def powers(self, x: int, n: int, start: int = 1) -> np.ndarray:
        """[start, start*x, start*x^2, ..., start*x^(n-1)] as an (n, 4) vector."""
        out = np.empty((n, 4), dtype=np.uint64)
        if n:
            _k_powers(
                self.from_int(x).reshape(1, 4), self.from_int(start).reshape(1, 4), out, self.prm
            )
        return out

    def sum(self, a: np.ndarray) -> int:
        a2, _ = _as2d(a)
        return self.to_int(_k_dot(a2, a2, self.prm, False)[0])

    def inner(self, a: np.ndarray, b: np.ndarray) -> int:
        a2, _ = _as2d(a)
        b2, _ = _as2d(b)
        if a2.shape[0] != b2.shape[0]:
            raise ValueError("inner product of vectors of different lengths")
        return self.to_int(_k_dot(a2, b2, self.prm, True)[0])

    def eval_poly(self, coeffs: np.ndarray, z: int) -> int:
        """f(z) for f = sum_i coeffs[i] X^i."""
        c2, _ = _as2d(coeffs)
        zm = self.from_int(z).reshape(1, 4)
        if self._lanes:
            return self.to_int(
                _k_eval_lanes(c2, zm, self._lane_block(pow(z, 8, self.p)), self.prm)[0]
            )
        return self.to_int(_k_eval(c2, zm, self.prm)[0])

    def _lane_block(self, c: int) -> np.ndarray:
        """c in every lane of an IFMA lane block, in 260-form."""
        out = np.empty(BLOCK, dtype=np.uint64)
        splat_lanes(tuple(self.from_int(c)), out)
        return out

    def div_linear(self, coeffs: np.ndarray, z: int) -> np.ndarray:
        """Quotient of (f(X) - f(z)) by (X - z): an (n-1, 4) vector of coefficients."""
        c2, _ = _as2d(coeffs)
        out = np.empty((max(c2.shape[0] - 1, 0), 4), dtype=np.uint64)
        if c2.shape[0] > 1:
            _k_div_linear(c2, self.from_int(z).reshape(1, 4), out, self.prm)
        return out


FR = Field(FR_C)
FQ = Field(FQ_C)

fr_one = FR.one
fr_zeros = FR.zeros
fr_from_ints = FR.from_ints
fr_from_int = FR.from_int
fr_to_ints = FR.to_ints
fr_to_int = FR.to_int
fr_from_int64 = FR.from_int64
fr_from_uint64 = FR.from_uint64
fr_from_standard = FR.from_std
fr_from_limbs = FR.from_limbs
fr_to_standard = FR.to_std
fr_add = FR.add
fr_sub = FR.sub
fr_mul = FR.mul
fr_sqr = FR.sqr
fr_neg = FR.neg
fr_mul_int = FR.mul_int
fr_add_int = FR.add_int
fr_batch_inv = FR.batch_inv
fr_axpy = FR.axpy
fr_pow = FR.pow
fr_powers = FR.powers
fr_sum = FR.sum
fr_inner = FR.inner
fr_eval_poly = FR.eval_poly
fr_div_linear = FR.div_linear

fq_one = FQ.one
fq_zeros = FQ.zeros
fq_from_ints = FQ.from_ints
fq_from_int = FQ.from_int
fq_to_ints = FQ.to_ints
fq_to_int = FQ.to_int
fq_from_uint64 = FQ.from_uint64
fq_from_int64 = FQ.from_int64
fq_from_standard = FQ.from_std
fq_to_standard = FQ.to_std
fq_add = FQ.add
fq_sub = FQ.sub
fq_mul = FQ.mul
fq_sqr = FQ.sqr
fq_neg = FQ.neg
fq_mul_int = FQ.mul_int
fq_add_int = FQ.add_int
fq_batch_inv = FQ.batch_inv
fq_pow = FQ.pow
fq_powers = FQ.powers
fq_sum = FQ.sum
fq_inner = FQ.inner
