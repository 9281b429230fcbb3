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

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import llvmlite.binding as llvm
import numba
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


_T4 = types.UniTuple(_U64, 4)
_T5 = types.UniTuple(_U64, 5)


def _ir_mac(builder, a, b, c, d):  # type: ignore[no-untyped-def]
    """IR for a*b + c + d on i64 values -> (hi, lo)."""
    r = builder.mul(builder.zext(a, _I128), builder.zext(b, _I128))
    r = builder.add(builder.add(r, builder.zext(c, _I128)), builder.zext(d, _I128))
    hi = builder.trunc(builder.lshr(r, ir.Constant(_I128, 64)), _I64)
    return hi, builder.trunc(r, _I64)


def _ir_addc(builder, a, b, c):  # type: ignore[no-untyped-def]
    """IR for a + b + c (c an i64 carry 0/1) -> (sum, carry)."""
    r = builder.add(
        builder.add(builder.zext(a, _I128), builder.zext(b, _I128)), builder.zext(c, _I128)
    )
    return builder.trunc(r, _I64), builder.trunc(builder.lshr(r, ir.Constant(_I128, 64)), _I64)


def _ir_subb(builder, a, b, c):  # type: ignore[no-untyped-def]
    """IR for a - b - c (c an i64 borrow 0/1) -> (difference, borrow)."""
    r = builder.sub(
        builder.sub(builder.zext(a, _I128), builder.zext(b, _I128)), builder.zext(c, _I128)
    )
    return builder.trunc(r, _I64), builder.trunc(builder.lshr(r, ir.Constant(_I128, 127)), _I64)


def _ir_reduce(builder, t, p):  # type: ignore[no-untyped-def]
    """IR: t - p if t >= p else t (limb lists), branch-free."""
    zero = ir.Constant(_I64, 0)
    s, br = [], zero
    for i in range(4):
        v, br = _ir_subb(builder, t[i], p[i], br)
        s.append(v)
    keep = builder.icmp_unsigned("!=", br, zero)
    return [builder.select(keep, t[i], s[i]) for i in range(4)]


def _unpack(builder, tup, n):  # type: ignore[no-untyped-def]
    return [builder.extract_value(tup, i) for i in range(n)]


def _ir_mont_body(builder, x, y, p, pinv):  # type: ignore[no-untyped-def]
    """IR of the no-carry CIOS Montgomery product on limb lists; returns the 4 limbs."""
    zero = ir.Constant(_I64, 0)
    t = [zero, zero, zero, zero]
    for i in range(4):
        a_, t[0] = _ir_mac(builder, x[0], y[i], t[0], zero)
        k = builder.mul(t[0], pinv)
        c_, _ = _ir_mac(builder, k, p[0], t[0], zero)
        for j in range(1, 4):
            a_, t[j] = _ir_mac(builder, x[j], y[i], t[j], a_)
            c_, t[j - 1] = _ir_mac(builder, k, p[j], t[j], c_)
        t[3] = builder.add(c_, a_)
    return _ir_reduce(builder, t, p)


_MMUL_FN = "zkpor_mont_mul_4x64"
_RET4 = ir.LiteralStructType([_I64] * 4)


def internal_function(module, name: str, fnty, build, noinline: bool = True):  # type: ignore[no-untyped-def]
    """The internal LLVM function ``name`` of ``module``, added on first use:
    ``build(builder, args)`` emits its body and returns the values of its struct result
    (None for a void function). One copy per module, called rather than inlined at each
    site (non-inlined unless ``noinline`` is False): inlined, the big bodies cost tens
    of milliseconds of LLVM optimisation per call site."""
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, fnty, name)
        fn.linkage = "internal"
        if noinline:
            fn.attributes.add("noinline")
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        values = build(b, list(fn.args))
        if values is None:
            b.ret_void()
        else:
            out = ir.Constant(fnty.return_type, ir.Undefined)
            for i, v in enumerate(values):
                out = b.insert_value(out, v, i)
            b.ret(out)
    return fn


def _mont_fn(module):  # type: ignore[no-untyped-def]
    """The Montgomery product as one internal LLVM function per module.

    Inlining it at every call site costs ~50 ms of LLVM optimisation (InstCombine on the
    i128 chains) per multiplication; a call costs a few ns at run time instead.
    """
    return internal_function(
        module, _MMUL_FN, ir.FunctionType(_RET4, [_I64] * 13),
        lambda b, a: _ir_mont_body(b, a[0:4], a[4:8], a[8:12], a[12]), _MMUL_NOINLINE,
    )  # fmt: skip


_MMUL_NOINLINE = os.environ.get("ZKPOR_MMUL_INLINE", "") != "1"


@intrinsic
def mmul(typingctx, a, b, m):  # type: ignore[no-untyped-def]
    """Montgomery product a*b/2^256 mod p (no-carry CIOS on i128 LLVM arithmetic)."""
    sig = _T4(_T4, _T4, _T5)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        x = _unpack(builder, args[0], 4)
        y = _unpack(builder, args[1], 4)
        mm = _unpack(builder, args[2], 5)
        res = builder.call(_mont_fn(builder.module), [*x, *y, *mm])
        r = [builder.extract_value(res, i) for i in range(4)]
        return context.make_tuple(builder, signature.return_type, r)

    return sig, codegen


def _adx_word(first: bool, p: list[int], pinv: int) -> str:
    """x86-64 (BMI2 + ADX) assembly of one CIOS step: t = (t + x * y_i + m p) / 2^64 with
    m = t_0 * pinv; operands $0-$3 t (in/out), $4-$7 x, $8 y_i. Two carry chains run at
    once (adcx on CF, adox on OF), as in gnark-crypto's generated multiplication."""
    step = ["movq $8, %rdx", "xorq %rax, %rax"]
    if first:  # t = x * y_0
        step += ["mulxq $4, $0, $1", "mulxq $5, %rax, $2", "adoxq %rax, $1",
                 "mulxq $6, %rax, $3", "adoxq %rax, $2", "mulxq $7, %rax, %r11",
                 "adoxq %rax, $3", "movq $$0, %rax", "adoxq %rax, %r11"]  # fmt: skip
    else:  # t += x * y_i, the fifth word in r11
        step += ["mulxq $4, %rax, %r11", "adoxq %rax, $0",
                 "adcxq %r11, $1", "mulxq $5, %rax, %r11", "adoxq %rax, $1",
                 "adcxq %r11, $2", "mulxq $6, %rax, %r11", "adoxq %rax, $2",
                 "adcxq %r11, $3", "mulxq $7, %rax, %r11", "adoxq %rax, $3",
                 "movq $$0, %rax", "adcxq %rax, %r11", "adoxq %rax, %r11"]  # fmt: skip
    # m = t0 * pinv; t = (t + m p) / 2^64, adding the fifth word
    step += [f"movabsq $${pinv}, %rdx", "imulq $0, %rdx", "xorq %rax, %rax",
             f"movabsq $${p[0]}, %r10", "mulxq %r10, %rax, %r10", "adcxq $0, %rax",
             "movq %r10, $0", "adcxq $1, $0",
             f"movabsq $${p[1]}, %r10", "mulxq %r10, %rax, $1", "adoxq %rax, $0", "adcxq $2, $1",
             f"movabsq $${p[2]}, %r10", "mulxq %r10, %rax, $2", "adoxq %rax, $1", "adcxq $3, $2",
             f"movabsq $${p[3]}, %r10", "mulxq %r10, %rax, $3", "adoxq %rax, $2",
             "movq $$0, %rax", "adcxq %rax, $3", "adoxq %r11, $3"]  # fmt: skip
    return "\n".join(step)


_RET4_ASM = ir.LiteralStructType([_I64] * 4)
_CLOBBERS = "~{rax},~{rdx},~{r10},~{r11},~{flags}"


def _ir_mont_adx(builder, x, y, p, pinv):  # type: ignore[no-untyped-def]
    """The no-carry CIOS product of :func:`_ir_mont_body` as four inline-assembly steps
    for a modulus known at compile time (p, pinv Python ints)."""
    t: list = []
    for i in range(4):
        if i == 0:
            fty = ir.FunctionType(_RET4_ASM, [_I64] * 5)
            cons = "=&r,=&r,=&r,=&r,r,r,r,r,r," + _CLOBBERS
            res = builder.call(ir.InlineAsm(fty, _adx_word(True, p, pinv), cons), [*x, y[0]])
        else:
            fty = ir.FunctionType(_RET4_ASM, [_I64] * 9)
            cons = "=&r,=&r,=&r,=&r,r,r,r,r,r,0,1,2,3," + _CLOBBERS
            res = builder.call(ir.InlineAsm(fty, _adx_word(False, p, pinv), cons), [*x, y[i], *t])
        t = [builder.extract_value(res, k) for k in range(4)]
    return _ir_reduce(builder, t, [ir.Constant(_I64, v) for v in p])


def host_has_adx() -> bool:
    """Whether the host is x86-64 with BMI2 (mulx) and ADX (adcx/adox)."""
    features = llvm.get_host_cpu_features()
    return llvm.get_process_triple().startswith("x86_64") and all(
        features.get(f, False) for f in ("bmi2", "adx")
    )


_ADX = host_has_adx()
if _ADX:
    llvm.initialize_native_asmparser()  # numba does not: inline assembly needs it


def fixed_mmul(consts: FieldConsts, adx: bool = _ADX):  # type: ignore[no-untyped-def]
    """An intrinsic ``mul(a, b)``: the Montgomery product for one field, emitted inline with
    the modulus as constants; on x86-64 with BMI2 and ADX as assembly (about 13% faster
    NTT butterflies than the generic i128 IR, which LLVM compiles to one carry chain),
    elsewhere as the IR of :func:`mmul` with constants. For the hottest loops (NTT, MSM
    additions)."""
    p = [int(v) for v in consts.m[:4]]
    pinv = int(consts.m[4])

    @intrinsic
    def mul(typingctx, a, b):  # type: ignore[no-untyped-def]
        sig = _T4(_T4, _T4)

        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            x = _unpack(builder, args[0], 4)
            y = _unpack(builder, args[1], 4)
            if adx:
                r = _ir_mont_adx(builder, x, y, p, pinv)
            else:
                pc = [ir.Constant(_I64, v) for v in p]
                r = _ir_mont_body(builder, x, y, pc, ir.Constant(_I64, pinv))
            return context.make_tuple(builder, signature.return_type, r)

        return sig, codegen

    return mul


@intrinsic
def madd(typingctx, a, b, m):  # type: ignore[no-untyped-def]
    """a + b mod p (p < 2^255, so the 256-bit sum never overflows)."""
    sig = _T4(_T4, _T4, _T5)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        x = _unpack(builder, args[0], 4)
        y = _unpack(builder, args[1], 4)
        p = _unpack(builder, args[2], 4)
        c = ir.Constant(_I64, 0)
        s = []
        for i in range(4):
            v, c = _ir_addc(builder, x[i], y[i], c)
            s.append(v)
        return context.make_tuple(builder, signature.return_type, _ir_reduce(builder, s, p))

    return sig, codegen


@intrinsic
def msub(typingctx, a, b, m):  # type: ignore[no-untyped-def]
    """a - b mod p."""
    sig = _T4(_T4, _T4, _T5)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        x = _unpack(builder, args[0], 4)
        y = _unpack(builder, args[1], 4)
        p = _unpack(builder, args[2], 4)
        zero = ir.Constant(_I64, 0)
        br = zero
        s = []
        for i in range(4):
            v, br = _ir_subb(builder, x[i], y[i], br)
            s.append(v)
        mask = builder.sub(zero, br)
        c = zero
        r = []
        for i in range(4):
            v, c = _ir_addc(builder, s[i], builder.and_(p[i], mask), c)
            r.append(v)
        return context.make_tuple(builder, signature.return_type, r)

    return sig, codegen


@njit(cache=True)
def msqr(a, m):  # type: ignore[no-untyped-def]
    return mmul(a, a, m)


@njit(cache=True)
def mneg(a, m):  # type: ignore[no-untyped-def]
    """-a mod p (zero stays zero)."""
    if is_zero(a):
        return a
    return msub((m[0], m[1], m[2], m[3]), a, m)


@njit(cache=True)
def mdbl(a, m):  # type: ignore[no-untyped-def]
    return madd(a, a, m)


_B1 = types.boolean


@intrinsic
def is_zero(typingctx, a):  # type: ignore[no-untyped-def]
    """a == 0 (all four limbs zero)."""
    sig = _B1(_T4)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        x = _unpack(builder, args[0], 4)
        v = builder.or_(builder.or_(x[0], x[1]), builder.or_(x[2], x[3]))
        return builder.icmp_unsigned("==", v, ir.Constant(_I64, 0))

    return sig, codegen


@intrinsic
def eq(typingctx, a, b):  # type: ignore[no-untyped-def]
    """a == b limb by limb."""
    sig = _B1(_T4, _T4)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        x = _unpack(builder, args[0], 4)
        y = _unpack(builder, args[1], 4)
        d = [builder.xor(x[i], y[i]) for i in range(4)]
        v = builder.or_(builder.or_(d[0], d[1]), builder.or_(d[2], d[3]))
        return builder.icmp_unsigned("==", v, ir.Constant(_I64, 0))

    return sig, codegen


@intrinsic
def lt(typingctx, a, b):  # type: ignore[no-untyped-def]
    """a < b as 256-bit integers."""
    sig = _B1(_T4, _T4)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        x = _unpack(builder, args[0], 4)
        y = _unpack(builder, args[1], 4)
        br = ir.Constant(_I64, 0)
        for i in range(4):
            _, br = _ir_subb(builder, x[i], y[i], br)
        return builder.icmp_unsigned("!=", br, ir.Constant(_I64, 0))

    return sig, codegen


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
fr_mmul = fixed_mmul(FR_C)
"""The F_r Montgomery product with the modulus inlined (NTT butterflies)."""
fq_mmul = fixed_mmul(FQ_C)
"""The F_q Montgomery product with the modulus inlined (MSM additions)."""


@njit(cache=True)
def unpack_prm(prm):  # type: ignore[no-untyped-def]
    """(m, one, r2, pm2) tuples from a FieldConsts.prm array."""
    m = (prm[0], prm[1], prm[2], prm[3], prm[4])
    one = (prm[5], prm[6], prm[7], prm[8])
    r2 = (prm[9], prm[10], prm[11], prm[12])
    pm2 = (prm[13], prm[14], prm[15], prm[16])
    return m, one, r2, pm2


_POOLS: dict[int, ThreadPoolExecutor] = {}


def run_tasks(fn: Callable[..., Any], ntasks: int, *args: Any) -> None:
    """Run ``fn(*args, t)`` for t < ntasks on ``numba.get_num_threads()`` threads.

    ``fn`` is an ``@njit(nogil=True)`` kernel, so the threads run in parallel. Used
    instead of ``prange`` for the heavy G1 kernels: a parfor re-optimises every callee
    (all the curve arithmetic) once more, which cost seconds of compile time each.
    Tasks are handed out dynamically, which also balances uneven tasks (MSM windows).
    """
    nth = min(numba.get_num_threads(), ntasks)
    if nth <= 1:
        for t in range(ntasks):
            fn(*args, t)
        return
    pool = _POOLS.get(nth)
    if pool is None:
        pool = _POOLS[nth] = ThreadPoolExecutor(nth, thread_name_prefix="zkpor-arith")
    for f in [pool.submit(fn, *args, t) for t in range(ntasks)]:
        f.result()
