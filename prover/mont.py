"""Numba core of 4x64-bit-limb Montgomery arithmetic, shared by F_r and F_q.

An element is a tuple of four ``uint64`` limbs (little-endian) in Montgomery form,
fully reduced. A modulus is described by ``m = (p0, p1, p2, p3, pinv)`` with
``pinv = -p^-1 mod 2^64``; all functions take it as an argument, so one compiled
kernel serves both fields (LLVM keeps the five words in registers).

Numba has no 128-bit integer type: :func:`mac` and :func:`sbb` are ``@intrinsic``
functions that emit LLVM ``i128`` arithmetic (zext, mul, add, lshr, trunc), which
LLVM lowers to ``mul``/``mulx`` plus ``adc`` chains.

Both BN254 moduli are below 2^254, so the multiplication uses the "no-carry" CIOS
variant (the top limb of p is < 2^62, so the intermediate never needs a fifth word).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from zkpor.verifier.field import Q, R

_I64 = ir.IntType(64)
_I128 = ir.IntType(128)
_U64 = types.uint64
_MASK64 = (1 << 64) - 1

ZERO = np.uint64(0)
ONE_U64 = np.uint64(1)


@intrinsic
def mac(typingctx, a, b, c, d):  # type: ignore[no-untyped-def]
    """``a*b + c + d`` as a 128-bit value, returned as ``(hi, lo)`` (never overflows)."""
    sig = types.UniTuple(_U64, 2)(_U64, _U64, _U64, _U64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        a_, b_, c_, d_ = (builder.zext(x, _I128) for x in args)
        r = builder.add(builder.add(builder.mul(a_, b_), c_), d_)
        lo = builder.trunc(r, _I64)
        hi = builder.trunc(builder.lshr(r, ir.Constant(_I128, 64)), _I64)
        return context.make_tuple(builder, signature.return_type, (hi, lo))

    return sig, codegen


@intrinsic
def adc(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """``a + b + c`` (c a carry 0/1) returned as ``(sum mod 2^64, carry out)``."""
    sig = types.UniTuple(_U64, 2)(_U64, _U64, _U64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        a_, b_, c_ = (builder.zext(x, _I128) for x in args)
        r = builder.add(builder.add(a_, b_), c_)
        lo = builder.trunc(r, _I64)
        hi = builder.trunc(builder.lshr(r, ir.Constant(_I128, 64)), _I64)
        return context.make_tuple(builder, signature.return_type, (lo, hi))

    return sig, codegen


@intrinsic
def sbb(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """``a - b - c`` (c a borrow 0/1) returned as ``(difference mod 2^64, borrow out)``."""
    sig = types.UniTuple(_U64, 2)(_U64, _U64, _U64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        a_, b_, c_ = (builder.zext(x, _I128) for x in args)
        r = builder.sub(builder.sub(a_, b_), c_)
        lo = builder.trunc(r, _I64)
        hi = builder.trunc(builder.lshr(r, ir.Constant(_I128, 127)), _I64)
        return context.make_tuple(builder, signature.return_type, (lo, hi))

    return sig, codegen


@njit(cache=True)
def _round(t0, t1, t2, t3, x0, x1, x2, x3, y, m):  # type: ignore[no-untyped-def]
    """One CIOS round: t = (t + x*y + mm*p) / 2^64 with mm chosen to clear the low word."""
    a, t0 = mac(x0, y, t0, ZERO)
    mm = t0 * m[4]
    c, _ = mac(mm, m[0], t0, ZERO)
    a, t1 = mac(x1, y, t1, a)
    c, t0 = mac(mm, m[1], t1, c)
    a, t2 = mac(x2, y, t2, a)
    c, t1 = mac(mm, m[2], t2, c)
    a, t3 = mac(x3, y, t3, a)
    c, t2 = mac(mm, m[3], t3, c)
    return t0, t1, t2, c + a


@njit(cache=True)
def reduce_once(t0, t1, t2, t3, m):  # type: ignore[no-untyped-def]
    """t - p if t >= p else t, for t < 2p (branch-free select)."""
    s0, br = sbb(t0, m[0], ZERO)
    s1, br = sbb(t1, m[1], br)
    s2, br = sbb(t2, m[2], br)
    s3, br = sbb(t3, m[3], br)
    mk = ZERO - br
    return (
        s0 ^ ((s0 ^ t0) & mk),
        s1 ^ ((s1 ^ t1) & mk),
        s2 ^ ((s2 ^ t2) & mk),
        s3 ^ ((s3 ^ t3) & mk),
    )


@njit(cache=True)
def mmul(a, b, m):  # type: ignore[no-untyped-def]
    """Montgomery product a*b/2^256 mod p (inputs and output fully reduced)."""
    x0, x1, x2, x3 = a
    t0, t1, t2, t3 = _round(ZERO, ZERO, ZERO, ZERO, x0, x1, x2, x3, b[0], m)
    t0, t1, t2, t3 = _round(t0, t1, t2, t3, x0, x1, x2, x3, b[1], m)
    t0, t1, t2, t3 = _round(t0, t1, t2, t3, x0, x1, x2, x3, b[2], m)
    t0, t1, t2, t3 = _round(t0, t1, t2, t3, x0, x1, x2, x3, b[3], m)
    return reduce_once(t0, t1, t2, t3, m)


@njit(cache=True)
def msqr(a, m):  # type: ignore[no-untyped-def]
    return mmul(a, a, m)


@njit(cache=True)
def madd(a, b, m):  # type: ignore[no-untyped-def]
    """a + b mod p (p < 2^255, so the 256-bit sum never overflows)."""
    s0, c = adc(a[0], b[0], ZERO)
    s1, c = adc(a[1], b[1], c)
    s2, c = adc(a[2], b[2], c)
    s3, c = adc(a[3], b[3], c)
    return reduce_once(s0, s1, s2, s3, m)


@njit(cache=True)
def msub(a, b, m):  # type: ignore[no-untyped-def]
    """a - b mod p."""
    s0, br = sbb(a[0], b[0], ZERO)
    s1, br = sbb(a[1], b[1], br)
    s2, br = sbb(a[2], b[2], br)
    s3, br = sbb(a[3], b[3], br)
    mk = ZERO - br
    s0, c = adc(s0, m[0] & mk, ZERO)
    s1, c = adc(s1, m[1] & mk, c)
    s2, c = adc(s2, m[2] & mk, c)
    s3, c = adc(s3, m[3] & mk, c)
    return s0, s1, s2, s3


@njit(cache=True)
def mneg(a, m):  # type: ignore[no-untyped-def]
    """-a mod p (zero stays zero)."""
    if is_zero(a):
        return a
    return msub((m[0], m[1], m[2], m[3]), a, m)


@njit(cache=True)
def mdbl(a, m):  # type: ignore[no-untyped-def]
    return madd(a, a, m)


@njit(cache=True)
def is_zero(a):  # type: ignore[no-untyped-def]
    return (a[0] | a[1] | a[2] | a[3]) == ZERO


@njit(cache=True)
def eq(a, b):  # type: ignore[no-untyped-def]
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == ZERO


@njit(cache=True)
def lt(a, b):  # type: ignore[no-untyped-def]
    """a < b as 256-bit integers."""
    _, br = sbb(a[0], b[0], ZERO)
    _, br = sbb(a[1], b[1], br)
    _, br = sbb(a[2], b[2], br)
    _, br = sbb(a[3], b[3], br)
    return br != ZERO


@njit(cache=True)
def mpow(a, e, one, m):  # type: ignore[no-untyped-def]
    """a^e for a 256-bit exponent e given as four limbs (left-to-right square and multiply)."""
    r = one
    for li in range(3, -1, -1):
        w = e[li]
        for bi in range(63, -1, -1):
            r = mmul(r, r, m)
            if (w >> np.uint64(bi)) & ONE_U64:
                r = mmul(r, a, m)
    return r


@njit(cache=True)
def mpow_u64(a, e, one, m):  # type: ignore[no-untyped-def]
    """a^e for a 64-bit exponent (right-to-left)."""
    r = one
    b = a
    e = np.uint64(e)
    while e != ZERO:
        if e & ONE_U64:
            r = mmul(r, b, m)
        e >>= ONE_U64
        if e != ZERO:
            b = mmul(b, b, m)
    return r


@njit(cache=True)
def minv(a, pm2, one, m):  # type: ignore[no-untyped-def]
    """a^-1 = a^(p-2) (Fermat); zero maps to zero. pm2 holds the limbs of p-2."""
    return mpow(a, pm2, one, m)


@njit(cache=True)
def load(arr, i):  # type: ignore[no-untyped-def]
    """Element i of an (n, 4) limb array as a tuple."""
    return (arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3])


@njit(cache=True)
def store(arr, i, v):  # type: ignore[no-untyped-def]
    arr[i, 0] = v[0]
    arr[i, 1] = v[1]
    arr[i, 2] = v[2]
    arr[i, 3] = v[3]


def int_to_limbs(x: int) -> tuple[int, int, int, int]:
    return (x & _MASK64, (x >> 64) & _MASK64, (x >> 128) & _MASK64, (x >> 192) & _MASK64)


class FieldConsts:
    """Python-side constants of a prime field below 2^254, in the shapes the kernels take."""

    def __init__(self, p: int) -> None:
        if p.bit_length() > 254:
            raise ValueError("the no-carry Montgomery variant needs p < 2^254")
        self.p = p
        self.mont_r = (1 << 256) % p
        self.mont_r2 = (1 << 512) % p
        self.mont_rinv = pow(1 << 256, -1, p)
        pinv = (-pow(p, -1, 1 << 64)) % (1 << 64)
        limbs = int_to_limbs(p)
        self.m = tuple(np.uint64(v) for v in (*limbs, pinv))
        self.one = tuple(np.uint64(v) for v in int_to_limbs(self.mont_r))
        self.r2 = tuple(np.uint64(v) for v in int_to_limbs(self.mont_r2))
        self.pm2 = tuple(np.uint64(v) for v in int_to_limbs(p - 2))
        # One array with everything a generic kernel needs:
        # [p0..p3, pinv, one0..one3, r2_0..r2_3, (p-2)_0..(p-2)_3]
        self.prm = np.array([*self.m, *self.one, *self.r2, *self.pm2], dtype=np.uint64)

    def to_mont_int(self, x: int) -> int:
        return x * self.mont_r % self.p

    def from_mont_int(self, x: int) -> int:
        return x * self.mont_rinv % self.p

    def mont_tuple(self, x: int) -> tuple:
        """A Python int as a tuple of np.uint64 limbs in Montgomery form."""
        return tuple(np.uint64(v) for v in int_to_limbs(self.to_mont_int(x % self.p)))


FR_C = FieldConsts(R)
FQ_C = FieldConsts(Q)


@njit(cache=True)
def unpack_prm(prm):  # type: ignore[no-untyped-def]
    """(m, one, r2, pm2) tuples from a FieldConsts.prm array."""
    m = (prm[0], prm[1], prm[2], prm[3], prm[4])
    one = (prm[5], prm[6], prm[7], prm[8])
    r2 = (prm[9], prm[10], prm[11], prm[12])
    pm2 = (prm[13], prm[14], prm[15], prm[16])
    return m, one, r2, pm2
