"""F_r eight elements at a time with AVX-512 IFMA (radix 2^52).

A *lane block* is 40 ``uint64``: five limb vectors of eight lanes, limb k of lane q at
``8k + q``. The NTT's lockstep buffer holds one lane block per position (position i at
offset ``40 i``), so eight independent sub-transforms run side by side, one per lane;
the constraint kernels keep every value of eight rows in a lane block of a scratch
buffer (:func:`vadd`, :func:`vsub`, :func:`vmul`, :func:`lane_load`, :func:`lane_store`);
the row kernels (:func:`lane_axpy`, :func:`lane_horner`, :func:`lane_mul`, ...) take
eight rows of (n, 4) arrays at a time. A lane holds the same Montgomery representative
x 2^256 mod p as the rest of the prover, fully reduced, split into five 52-bit limbs.

``vpmadd52luq``/``vpmadd52huq`` add the low/high 52 bits of eight 52 x 52-bit products
to eight 64-bit accumulators; the Montgomery product built on them (operand scanning,
five rounds, lazy carries: a limb gains under 2^54 per round, so five rounds stay below
2^57) divides by 2^260. Multipliers -- twiddles, coset powers -- are therefore kept in
*260-form* w 2^260 mod p: the product of x 2^256 and w 2^260 is (x w) 2^256, the
ordinary form. Every result that leaves a lane block is fully reduced, so the vector
kernels agree bit for bit with the scalar ones (tests/test_ifma.py checks them against
Python integers). Inside the NTT's lockstep buffers values are only kept below 2p (the
*lazy form*: products skip their final reduction, a DIF difference feeds its product
unreduced; 2^20 transforms 13-15% faster); :func:`unpack8` reduces them on the way out.

About 4.3 ns per product per lane on Zen 4 against 18.8 ns for the scalar ADX product.
The product and the bigger row operations are internal, non-inlined LLVM functions,
one per module: inlined at each call site they cost tens of milliseconds of LLVM time
apiece.
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from zkpor.prover.arith.mont import FR_C, internal_function, load, madd
from zkpor.verifier.field import R

LANES = 8
BLOCK = 40  # uint64 per lane block: 5 limbs x 8 lanes
_M52 = (1 << 52) - 1


def _limbs52(x: int) -> list[int]:
    """The five 52-bit limbs of a non-negative integer below 2^260."""
    return [(x >> (52 * i)) & _M52 for i in range(5)]


_P52 = _limbs52(R)
_P2_52 = _limbs52(2 * R)
_PINV52 = (-pow(R, -1, 1 << 52)) % (1 << 52)
_M = FR_C.m

_I32 = ir.IntType(32)
_I64 = ir.IntType(64)
_V8 = ir.VectorType(_I64, 8)
_V4 = ir.VectorType(_I64, 4)


def host_has_ifma() -> bool:
    """Whether the host is x86-64 with AVX-512F and AVX-512 IFMA."""
    features = llvm.get_host_cpu_features()
    return llvm.get_process_triple().startswith("x86_64") and all(
        features.get(f, False) for f in ("avx512f", "avx512ifma")
    )


# ----------------------------------------------------------------------------- IR


def _splat(v: int) -> ir.Constant:
    return ir.Constant(_V8, [v] * LANES)


def _mask(idx: list[int]) -> ir.Constant:
    return ir.Constant(ir.VectorType(_I32, len(idx)), idx)


def _ifma(builder, high: bool, acc, x, y):  # type: ignore[no-untyped-def]
    name = "llvm.x86.avx512.vpmadd52%s.uq.512" % ("h" if high else "l")
    fn = builder.module.globals.get(name)
    if fn is None:
        fn = ir.Function(builder.module, ir.FunctionType(_V8, [_V8, _V8, _V8]), name=name)
    return builder.call(fn, [acc, x, y])


def _carry(builder, t, signed: bool):  # type: ignore[no-untyped-def]
    """Propagate carries so limbs 0-3 are below 2^52 (arithmetic shifts if ``signed``)."""
    t = list(t)
    for i in range(4):
        c = builder.ashr(t[i], _splat(52)) if signed else builder.lshr(t[i], _splat(52))
        t[i] = builder.and_(t[i], _splat(_M52))
        t[i + 1] = builder.add(t[i + 1], c)
    return t


def _reduce(builder, t, m=_P52):  # type: ignore[no-untyped-def]
    """t - m where t >= m, else t (t normalised and below 2m; m the limbs of p or 2p)."""
    d, br = [], _splat(0)
    for i in range(5):
        x = builder.sub(builder.sub(t[i], _splat(m[i])), br)
        br = builder.lshr(x, _splat(63))
        d.append(builder.and_(x, _splat(_M52)))
    keep = builder.icmp_unsigned("!=", br, _splat(0))
    return [builder.select(keep, t[i], d[i]) for i in range(5)]


def _add(builder, x, y, m=_P52):  # type: ignore[no-untyped-def]
    """x + y reduced below m (x, y below m: p, or 2p in the NTT's lazy form)."""
    sums = [builder.add(a, b) for a, b in zip(x, y, strict=True)]
    return _reduce(builder, _carry(builder, sums, False), m)


def _sub(builder, x, y, m=_P52, reduce=True):  # type: ignore[no-untyped-def]
    """x - y + m, normalised with signed carries (each limb sum lies in (-2^52, 2^53)),
    reduced below m if ``reduce`` (x, y below m), else below 2m."""
    t = _carry(builder, [builder.sub(builder.add(x[i], _splat(m[i])), y[i]) for i in range(5)], True)
    return _reduce(builder, t, m) if reduce else t


def _mont_body(builder, x, y, reduce=True):  # type: ignore[no-untyped-def]
    """x y / 2^260 mod p, normalised: fully reduced if ``reduce`` (x, y below p), else
    the Montgomery quotient itself, below x y / 2^260 + p: below 2p whenever x y < 2^260 p
    (the NTT's lazy form: x below 4p and y below 2p, or x below 2p and y below 4p)."""
    zero = _splat(0)
    pinv = _splat(_PINV52)
    t = [zero] * 5
    for i in range(5):
        t = t + [zero]
        for j in range(5):
            t[j] = _ifma(builder, False, t[j], x[j], y[i])
            t[j + 1] = _ifma(builder, True, t[j + 1], x[j], y[i])
        m = _ifma(builder, False, zero, t[0], pinv)
        for j in range(5):
            t[j] = _ifma(builder, False, t[j], m, _splat(_P52[j]))
            t[j + 1] = _ifma(builder, True, t[j + 1], m, _splat(_P52[j]))
        t[1] = builder.add(t[1], builder.lshr(t[0], _splat(52)))
        t = t[1:]
    t = _carry(builder, t, False)
    return _reduce(builder, t) if reduce else t


_MONT_FN = "zkpor_ifma_mont_260"
_RET5 = ir.LiteralStructType([_V8] * 5)


def _mont(builder, x, y, lazy=False):  # type: ignore[no-untyped-def]
    """:func:`_mont_body` as a call of one internal function per module: the reduced one
    non-inlined (inlined at every node of a constraint kernel it cost minutes of LLVM
    time), the ``lazy`` one inlined into the NTT's few butterflies and steps."""
    fnty = ir.FunctionType(_RET5, [_V8] * 10)
    name = _MONT_FN + ("_lazy" if lazy else "")
    fn = internal_function(
        builder.module, name, fnty, lambda b, a: _mont_body(b, a[:5], a[5:], not lazy),
        noinline=not lazy,
    )
    if lazy and "alwaysinline" not in fn.attributes:
        fn.attributes.add("alwaysinline")
    res = builder.call(fn, [*x, *y])
    return [builder.extract_value(res, i) for i in range(5)]


def _data(context, builder, aty, arr):  # type: ignore[no-untyped-def]
    """The i64* data pointer of a numba array value."""
    return context.make_array(aty)(context, builder, arr).data


def _ptr(builder, data, off, vty):  # type: ignore[no-untyped-def]
    return builder.bitcast(builder.gep(data, [off]), vty.as_pointer())


def _i64(v: int) -> ir.Constant:
    return ir.Constant(_I64, v)


def _load_block(builder, data, pos):  # type: ignore[no-untyped-def]
    base = builder.mul(pos, _i64(BLOCK))
    return [
        builder.load(_ptr(builder, data, builder.add(base, _i64(8 * k)), _V8), align=8)
        for k in range(5)
    ]


def _store_block(builder, data, pos, vals) -> None:  # type: ignore[no-untyped-def]
    base = builder.mul(pos, _i64(BLOCK))
    for k in range(5):
        ptr = _ptr(builder, data, builder.add(base, _i64(8 * k)), _V8)
        builder.store(vals[k], ptr, align=8)


def _broadcast(builder, data, idx):  # type: ignore[no-untyped-def]
    """Five splatted limbs of table entry ``idx`` (five uint64 each)."""
    base = builder.mul(idx, _i64(5))
    out = []
    for k in range(5):
        s = builder.load(_ptr(builder, data, builder.add(base, _i64(k)), _I64))
        v = builder.insert_element(ir.Constant(_V8, ir.Undefined), s, _i64(0))
        out.append(builder.shuffle_vector(v, v, _mask([0] * LANES)))
    return out


def _void(context):  # type: ignore[no-untyped-def]
    return context.get_dummy_value()


# ----------------------------------------------------------------------------- intrinsics


def _pack(builder, data, e, stride):  # type: ignore[no-untyped-def]
    """The eight (n, 4) elements arr[e + q * stride] as five 52-bit limb vectors."""
    elems = []
    for q in range(LANES):
        off = builder.mul(builder.add(e, builder.mul(stride, _i64(q))), _i64(4))
        elems.append(builder.load(_ptr(builder, data, off, _V4), align=8))
    pairs = [builder.shuffle_vector(elems[q], elems[q + 1], _mask(list(range(8))))
             for q in range(0, LANES, 2)]  # fmt: skip
    lo = builder.shuffle_vector(pairs[0], pairs[1], _mask(list(range(16))))
    hi = builder.shuffle_vector(pairs[2], pairs[3], _mask(list(range(16))))
    x = [builder.shuffle_vector(lo, hi, _mask([4 * q + k for q in range(LANES)]))
         for k in range(4)]  # fmt: skip
    m = _splat(_M52)
    return [
        builder.and_(x[0], m),
        builder.and_(builder.or_(builder.lshr(x[0], _splat(52)), builder.shl(x[1], _splat(12))), m),
        builder.and_(builder.or_(builder.lshr(x[1], _splat(40)), builder.shl(x[2], _splat(24))), m),
        builder.and_(builder.or_(builder.lshr(x[2], _splat(28)), builder.shl(x[3], _splat(36))), m),
        builder.lshr(x[3], _splat(16)),
    ]  # fmt: skip


def _unpack(builder, data, e, stride, lv) -> None:  # type: ignore[no-untyped-def]
    """arr[e + q * stride] = lane q of the limb vectors lv as four 64-bit limbs."""
    x = [
        builder.or_(lv[0], builder.shl(lv[1], _splat(52))),
        builder.or_(builder.lshr(lv[1], _splat(12)), builder.shl(lv[2], _splat(40))),
        builder.or_(builder.lshr(lv[2], _splat(24)), builder.shl(lv[3], _splat(28))),
        builder.or_(builder.lshr(lv[3], _splat(36)), builder.shl(lv[4], _splat(16))),
    ]
    inter = _mask([v for q in range(LANES) for v in (q, LANES + q)])
    t01 = builder.shuffle_vector(x[0], x[1], inter)
    t23 = builder.shuffle_vector(x[2], x[3], inter)
    for q in range(LANES):
        el = builder.shuffle_vector(t01, t23, _mask([2 * q, 2 * q + 1, 16 + 2 * q, 17 + 2 * q]))
        off = builder.mul(builder.add(e, builder.mul(stride, _i64(q))), _i64(4))
        builder.store(el, _ptr(builder, data, off, _V4), align=8)


@intrinsic
def pack8(typingctx, buf, pos, src, e, stride):  # type: ignore[no-untyped-def]
    """buf[pos] = the eight (n, 4) elements src[e + q * stride], q < 8, in 52-bit limbs."""
    sig = types.void(buf, types.int64, src, types.int64, types.int64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        b, p, s, e_, st = args
        limbs = _pack(builder, _data(context, builder, signature.args[2], s), e_, st)
        _store_block(builder, _data(context, builder, signature.args[0], b), p, limbs)
        return _void(context)

    return sig, codegen


@intrinsic
def unpack8(typingctx, buf, pos, dst, e, stride):  # type: ignore[no-untyped-def]
    """dst[e + q * stride] = lane q of buf[pos] as four 64-bit limbs, q < 8, reduced
    below p (the lanes may hold the NTT's lazy form, below 2p)."""
    sig = types.void(buf, types.int64, dst, types.int64, types.int64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        b, p, d, e_, st = args
        lv = _reduce(builder, _load_block(builder, _data(context, builder, signature.args[0], b), p))
        _unpack(builder, _data(context, builder, signature.args[2], d), e_, st, lv)
        return _void(context)

    return sig, codegen


def _butterfly(kind: str):  # type: ignore[no-untyped-def]
    """An intrinsic ``(buf, pu, pv, tw, ti)``: the DIF, DIT or plain (w = 1) butterfly of
    positions pu, pv with twiddle tw[ti] (260-form, five limbs) broadcast to every lane.

    The buffer is in the NTT's *lazy form*: values below 2p (not p), so the products skip
    their final reduction and the difference feeding a DIF product its own; sums and
    differences are reduced below 2p. :func:`unpack8` reduces below p on the way out."""

    @intrinsic
    def bfly(typingctx, buf, pu, pv, tw, ti):  # type: ignore[no-untyped-def]
        sig = types.void(buf, types.int64, types.int64, tw, types.int64)

        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            b, pu_, pv_, t, ti_ = args
            bp = _data(context, builder, signature.args[0], b)
            u = _load_block(builder, bp, pu_)
            v = _load_block(builder, bp, pv_)
            if kind == "plain":
                nu, nv = _add(builder, u, v, _P2_52), _sub(builder, u, v, _P2_52)
            else:
                w = _broadcast(builder, _data(context, builder, signature.args[3], t), ti_)
                if kind == "dif":  # u - v + 2p below 4p, so (u - v) w is below 2p
                    nu = _add(builder, u, v, _P2_52)
                    nv = _mont(builder, _sub(builder, u, v, _P2_52, False), w, lazy=True)
                else:
                    vw = _mont(builder, v, w, lazy=True)
                    nu, nv = _add(builder, u, vw, _P2_52), _sub(builder, u, vw, _P2_52)
            _store_block(builder, bp, pu_, nu)
            _store_block(builder, bp, pv_, nv)
            return _void(context)

        return sig, codegen

    return bfly


bfly_dif = _butterfly("dif")
bfly_dit = _butterfly("dit")
bfly_plain = _butterfly("plain")


@intrinsic
def mul_step(typingctx, buf, pos, cur, step):  # type: ignore[no-untyped-def]
    """buf[pos] *= cur, then cur *= step (cur, step one lane block each, 260-form), both
    products in the NTT's lazy form (inputs and results below 2p)."""
    sig = types.void(buf, types.int64, cur, step)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        b, p, c, s = args
        zero = _i64(0)
        bp, cp = (
            _data(context, builder, signature.args[0], b),
            _data(context, builder, signature.args[2], c),
        )
        x = _load_block(builder, bp, p)
        cv = _load_block(builder, cp, zero)
        sv = _load_block(builder, _data(context, builder, signature.args[3], s), zero)
        _store_block(builder, bp, p, _mont(builder, x, cv, lazy=True))
        _store_block(builder, cp, zero, _mont(builder, cv, sv, lazy=True))
        return _void(context)

    return sig, codegen


def _lane_op(name: str, layout: str, build, doc: str):  # type: ignore[no-untyped-def]
    """An intrinsic of four arguments (``layout``: "a" an array, passed as its data
    pointer, "i" an int64) that calls one internal, non-inlined function per module,
    whose body ``build(builder, args)`` emits (inlined at every node of a constraint
    kernel, the bodies cost tens of milliseconds of LLVM time each)."""
    fnty = ir.FunctionType(ir.VoidType(), [_I64.as_pointer() if c == "a" else _I64 for c in layout])

    @intrinsic
    def op(typingctx, w, x, y, z):  # type: ignore[no-untyped-def]
        sig = types.void(
            *(t if c == "a" else types.int64 for c, t in zip(layout, (w, x, y, z), strict=True))
        )

        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            vals = [_data(context, builder, t, v) if c == "a" else v
                    for c, t, v in zip(layout, signature.args, args, strict=True)]  # fmt: skip
            builder.call(internal_function(builder.module, f"zkpor_ifma_{name}", fnty, build), vals)
            return _void(context)

        return sig, codegen

    op.__doc__ = doc
    return op


_FIELD_OPS = {"add": _add, "sub": _sub, "mul": _mont_body}


def _scratch_op(kind: str):  # type: ignore[no-untyped-def]
    def build(b, args):  # type: ignore[no-untyped-def]
        data, d, x, y = args
        r = _FIELD_OPS[kind](b, _load_block(b, data, x), _load_block(b, data, y))
        _store_block(b, data, d, r)

    doc = f"s[d] = s[a] {kind} s[b] on lane blocks of one buffer (260-form, so products stay 260-form)."
    return _lane_op(f"scratch_{kind}", "aiii", build, doc)


vadd = _scratch_op("add")
vsub = _scratch_op("sub")
vmul = _scratch_op("mul")

# Raw multipliers that move values between forms through one Montgomery product (/2^260):
# x 2^256 -> x 2^260, a small integer v -> v 2^260, and z 2^260 -> z 2^256.
_TO_260 = _limbs52((1 << 264) % R)
_SMALL_TO_260 = _limbs52((1 << 520) % R)
_TO_256 = _limbs52((1 << 256) % R)


def _by(b, x, limbs):  # type: ignore[no-untyped-def]
    return _mont_body(b, x, [_splat(v) for v in limbs])


def _load_rows(b, args):  # type: ignore[no-untyped-def]
    sp, pos, arr, row = args
    _store_block(b, sp, pos, _by(b, _pack(b, arr, row, _i64(1)), _TO_260))


def _load_small_rows(b, args):  # type: ignore[no-untyped-def]
    sp, pos, arr, row = args
    v = b.load(_ptr(b, arr, row, _V8), align=8)
    zero = _splat(0)
    x = [b.and_(v, _splat(_M52)), b.lshr(v, _splat(52)), zero, zero, zero]
    _store_block(b, sp, pos, _by(b, x, _SMALL_TO_260))


def _store_rows(b, args):  # type: ignore[no-untyped-def]
    sp, pos, arr, row = args
    _unpack(b, arr, row, _i64(1), _by(b, _load_block(b, sp, pos), _TO_256))


lane_load = _lane_op("io_load", "aiai", _load_rows,
                     "s[pos] = rows row..row+7 of an (n, 4) Montgomery array, in 260-form.")  # fmt: skip
lane_load_small = _lane_op("io_small", "aiai", _load_small_rows,
                           "s[pos] = the uint64 values arr[row..row+7] (below r) in 260-form.")  # fmt: skip
lane_store = _lane_op("io_store", "aiai", _store_rows,
                      "Rows row..row+7 of an (n, 4) array = s[pos] in Montgomery form.")  # fmt: skip


def _axpy_rows(b, args):  # type: ignore[no-untyped-def]
    acc, xp, row, cp = args
    x = _mont_body(b, _pack(b, xp, row, _i64(1)), _load_block(b, cp, _i64(0)))
    _unpack(b, acc, row, _i64(1), _add(b, _pack(b, acc, row, _i64(1)), x))


def _horner_rows(b, args):  # type: ignore[no-untyped-def]
    acc, xp, row, cp = args
    a = _mont_body(b, _load_block(b, acc, _i64(0)), _load_block(b, cp, _i64(0)))
    _store_block(b, acc, _i64(0), _add(b, a, _pack(b, xp, row, _i64(1))))


lane_axpy = _lane_op("rows_axpy", "aaia", _axpy_rows,
                     "a[row..row+7] += c * x[row..row+7] (c a lane block in 260-form).")  # fmt: skip
lane_horner = _lane_op("rows_horner", "aaia", _horner_rows,
                       "a = a * c + x[row..row+7] (a, c lane blocks; c in 260-form).")  # fmt: skip


def _elementwise(kind: str):  # type: ignore[no-untyped-def]
    """out[rows] = a[rows] op b[rows] for (n, 4) Montgomery arrays, or ("scale") a * b for
    b one lane block in 260-form. a * b of two ordinary values is the product of a in
    260-form and b."""

    def build(b, args):  # type: ignore[no-untyped-def]
        out, ap, bp, row = args
        x = _pack(b, ap, row, _i64(1))
        if kind == "scale":
            r = _mont_body(b, x, _load_block(b, bp, _i64(0)))
        else:
            y = _pack(b, bp, row, _i64(1))
            r = _FIELD_OPS[kind](b, _by(b, x, _TO_260) if kind == "mul" else x, y)
        _unpack(b, out, row, _i64(1), r)

    return _lane_op(f"elementwise_{kind}", "aaai", build, _elementwise.__doc__ or "")


lane_add = _elementwise("add")
lane_sub = _elementwise("sub")
lane_mul = _elementwise("mul")
lane_scale = _elementwise("scale")


def raw_lanes(value: int) -> np.ndarray:
    """A lane block holding the integer ``value`` (below 2^260) itself in every lane: a
    raw multiplier for :func:`lane_scale` (a product divides by 2^260)."""
    return np.repeat(np.array(_limbs52(value), dtype=np.uint64), LANES)


# ----------------------------------------------------------------------------- 260-form


@njit(cache=True)
def _limbs_260(x):  # type: ignore[no-untyped-def]
    """Five 52-bit limbs of 16 x (x in Montgomery form: x 2^256 -> x 2^260)."""
    for _ in range(4):
        x = madd(x, x, _M)
    m = np.uint64(_M52)
    return (
        x[0] & m,
        ((x[0] >> np.uint64(52)) | (x[1] << np.uint64(12))) & m,
        ((x[1] >> np.uint64(40)) | (x[2] << np.uint64(24))) & m,
        ((x[2] >> np.uint64(28)) | (x[3] << np.uint64(36))) & m,
        x[3] >> np.uint64(16),
    )


@njit(cache=True)
def to_lanes(vals, out):  # type: ignore[no-untyped-def]
    """out (one lane block) = the eight (8, 4) Montgomery elements vals in 260-form."""
    for q in range(LANES):
        limbs = _limbs_260(load(vals, q))
        for k in range(5):
            out[8 * k + q] = limbs[k]


@njit(cache=True)
def splat_lanes(x, out):  # type: ignore[no-untyped-def]
    """out (one lane block) = the Montgomery element x in 260-form in every lane."""
    limbs = _limbs_260(x)
    for k in range(5):
        for q in range(LANES):
            out[8 * k + q] = limbs[k]


@njit(cache=True)
def _k_table(src, out):  # type: ignore[no-untyped-def]
    for j in range(src.shape[0]):
        limbs = _limbs_260(load(src, j))
        for k in range(5):
            out[5 * j + k] = limbs[k]


def table_260(src: np.ndarray) -> np.ndarray:
    """A twiddle table for the butterflies: (m, 4) Montgomery elements -> 5m uint64."""
    out = np.empty(5 * src.shape[0], dtype=np.uint64)
    _k_table(src, out)
    return out


__all__ = [
    "BLOCK",
    "LANES",
    "bfly_dif",
    "bfly_dit",
    "bfly_plain",
    "host_has_ifma",
    "lane_add",
    "lane_axpy",
    "lane_horner",
    "lane_load",
    "lane_load_small",
    "lane_mul",
    "lane_scale",
    "lane_store",
    "lane_sub",
    "mul_step",
    "pack8",
    "raw_lanes",
    "splat_lanes",
    "table_260",
    "to_lanes",
    "unpack8",
    "vadd",
    "vmul",
    "vsub",
]
