"""F_r / F_q numba kernels against Python integers."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpor.prover.arith import field as F
from zkpor.verifier.field import Q, R

EDGE_R = [0, 1, 2, R - 1, R - 2, (R - 1) // 2, 1 << 64, (1 << 192) + 5, (1 << 253) % R]
EDGE_Q = [0, 1, 2, Q - 1, Q - 2, (Q - 1) // 2, 1 << 64, (1 << 253) % Q]

FIELDS = [
    pytest.param(F.FR, R, EDGE_R, id="fr"),
    pytest.param(F.FQ, Q, EDGE_Q, id="fq"),
]


def _vals(p: int, edge: list[int], n: int = 200, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    return edge + [rng.randrange(p) for _ in range(n)]


@pytest.mark.parametrize(("fld", "p", "edge"), FIELDS)
def test_roundtrip_and_layout(fld: F.Field, p: int, edge: list[int]) -> None:
    xs = _vals(p, edge)
    a = fld.from_ints(xs)
    assert a.dtype == np.uint64 and a.shape == (len(xs), 4)
    assert fld.to_ints(a) == xs
    # Montgomery form, little-endian limbs
    m = [
        int(a[i, 0]) | int(a[i, 1]) << 64 | int(a[i, 2]) << 128 | int(a[i, 3]) << 192
        for i in range(len(xs))
    ]
    assert m == [x * (1 << 256) % p for x in xs]
    std = fld.to_std(a)
    assert [
        int(std[i, 0]) | int(std[i, 1]) << 64 | int(std[i, 2]) << 128 | int(std[i, 3]) << 192
        for i in range(len(xs))
    ] == xs
    assert (fld.from_std(std) == a).all()
    assert fld.to_ints(fld.from_ints([p, -1, p + 5])) == [0, p - 1, 5]


@pytest.mark.parametrize(("fld", "p", "edge"), FIELDS)
def test_elementwise(fld: F.Field, p: int, edge: list[int]) -> None:
    xs = _vals(p, edge, seed=2)
    ys = list(reversed(_vals(p, edge, seed=3)))
    a, b = fld.from_ints(xs), fld.from_ints(ys)
    assert fld.to_ints(fld.add(a, b)) == [(x + y) % p for x, y in zip(xs, ys, strict=True)]
    assert fld.to_ints(fld.sub(a, b)) == [(x - y) % p for x, y in zip(xs, ys, strict=True)]
    assert fld.to_ints(fld.mul(a, b)) == [x * y % p for x, y in zip(xs, ys, strict=True)]
    assert fld.to_ints(fld.sqr(a)) == [x * x % p for x in xs]
    assert fld.to_ints(fld.neg(a)) == [(-x) % p for x in xs]
    assert fld.to_ints(fld.mul_int(a, p - 3)) == [x * (p - 3) % p for x in xs]
    assert fld.to_ints(fld.add_int(a, 7)) == [(x + 7) % p for x in xs]
    out = np.empty_like(a)
    assert fld.mul(a, b, out=out) is out
    # broadcasting a single element, both ways, and single x single
    c = fld.from_int(12345)
    assert c.shape == (4,)
    assert fld.to_ints(fld.mul(a, c)) == [x * 12345 % p for x in xs]
    assert fld.to_ints(fld.sub(c, a)) == [(12345 - x) % p for x in xs]
    assert fld.mul(c, c).shape == (4,)
    assert fld.to_int(fld.mul(c, c)) == 12345**2 % p
    # inputs untouched
    assert fld.to_ints(a) == xs


@pytest.mark.parametrize(("fld", "p", "edge"), FIELDS)
def test_inverse_and_pow(fld: F.Field, p: int, edge: list[int]) -> None:
    xs = _vals(p, edge, n=5000, seed=4)  # > one parallel chunk
    a = fld.from_ints(xs)
    assert fld.to_ints(fld.batch_inv(a)) == [pow(x, -1, p) if x else 0 for x in xs]
    small = a[:50]
    for e in (0, 1, 2, 3, 65537, p - 2, p - 1, (1 << 300) + 7):
        exp = [pow(x, e, p) for x in xs[:50]]
        assert fld.to_ints(fld.pow(small, e)) == exp, e
    nz = [x for x in xs[:50] if x]
    assert fld.to_ints(fld.pow(fld.from_ints(nz), -3)) == [pow(x, -3, p) for x in nz]


def test_from_machine_ints() -> None:
    v = np.array([0, 1, -1, 2**63 - 1, -(2**63), 12345, -12345], dtype=np.int64)
    assert F.fr_to_ints(F.fr_from_int64(v)) == [int(x) % R for x in v]
    u = np.array([0, 1, 2**64 - 1, 2**63], dtype=np.uint64)
    assert F.fr_to_ints(F.fr_from_uint64(u)) == [int(x) for x in u]
    rng = np.random.default_rng(64)
    for n in (7, 8, 9, 1003):  # around the lanes' width, and the tail after the lanes
        u = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
        u[-2:] = (2**64 - 1, 0)
        assert F.fr_to_ints(F.fr_from_uint64(u)) == [int(x) for x in u]
        assert F.FQ.to_ints(F.FQ.from_uint64(u)) == [int(x) for x in u]


@pytest.mark.parametrize(("fld", "p"), [(F.FR, R), (F.FQ, Q)], ids=["fr", "fq"])
@pytest.mark.parametrize("bits", [1, 16, 17, 32, 63, 64])
def test_from_limbs_against_ints(fld: F.Field, p: int, bits: int) -> None:
    """sum_k 2^(bits k) v_k exactly, for limbs of any 64-bit value (carries across words)."""
    rng = np.random.default_rng(bits)
    count = min(8, (252 - 64) // bits + 1)
    limbs = [rng.integers(0, 2**64 - 1, 50, dtype=np.uint64, endpoint=True) for _ in range(count)]
    for v in limbs:
        v[:3] = [0, 2**64 - 1, (1 << bits) - 1]
    got = fld.to_ints(fld.from_limbs(limbs, bits))
    want = [sum(int(v[i]) << (bits * k) for k, v in enumerate(limbs)) % p for i in range(50)]
    assert got == want
    with pytest.raises(ValueError):
        fld.from_limbs(limbs[:1] * 200, bits)
    with pytest.raises(ValueError):
        fld.from_limbs([], bits)


def _fixed_mul_kernel(consts, adx: bool):  # noqa: ANN001, ANN202
    from numba import njit

    from zkpor.prover.arith.mont import fixed_mmul, load, store

    mul = fixed_mmul(consts, adx)

    @njit
    def kernel(a, b, out):  # noqa: ANN001, ANN202
        for i in range(a.shape[0]):
            store(out, i, mul(load(a, i), load(b, i)))

    return kernel


@pytest.mark.parametrize(("fld", "p", "edge"), FIELDS)
def test_fixed_modulus_products_against_ints(fld: F.Field, p: int, edge: list[int]) -> None:
    """The inlined products of the NTT and MSM (assembly where the host has BMI2 and ADX,
    else IR) equal x * y mod p, edge values (0, 1, p - 1, ...) against every other."""
    from zkpor.prover.arith.mont import host_has_adx

    xs = _vals(p, edge, 300, seed=7)
    pairs = [(x, y) for x in edge for y in edge] + list(zip(xs, reversed(xs), strict=True))
    a = fld.from_ints([x for x, _ in pairs])
    b = fld.from_ints([y for _, y in pairs])
    want = [x * y % p for x, y in pairs]
    for adx in sorted({False, host_has_adx()}):
        out = np.empty_like(a)
        _fixed_mul_kernel(fld.c, adx)(a, b, out)
        assert fld.to_ints(out) == want, f"adx={adx}"


def test_powers_sum_inner_eval_div() -> None:
    rng = random.Random(5)
    for n in (0, 1, 2, 7, 4096, 4097, 9000):
        x = rng.randrange(R)
        pw = F.fr_powers(x, n)
        assert pw.shape == (n, 4)
        assert F.fr_to_ints(pw) == [pow(x, i, R) for i in range(n)]
    xs = [rng.randrange(R) for _ in range(9000)] + [R - 1] * 5
    ys = [rng.randrange(R) for _ in range(len(xs))]
    a, b = F.fr_from_ints(xs), F.fr_from_ints(ys)
    assert F.fr_sum(a) == sum(xs) % R
    assert F.fr_inner(a, b) == sum(x * y for x, y in zip(xs, ys, strict=True)) % R
    z = rng.randrange(R)
    ref = 0
    for c in reversed(xs):
        ref = (ref * z + c) % R
    assert F.fr_eval_poly(a, z) == ref
    assert F.fr_eval_poly(F.fr_zeros(0), z) == 0
    # (f(X) - f(z)) = (X - z) q(X): check at a random point
    coeffs = xs[:300]
    q = F.fr_to_ints(F.fr_div_linear(F.fr_from_ints(coeffs), z))
    assert len(q) == len(coeffs) - 1
    t = rng.randrange(R)

    def ev(cs: list[int], at: int) -> int:
        return sum(c * pow(at, i, R) for i, c in enumerate(cs)) % R

    assert (ev(coeffs, t) - ev(coeffs, z)) % R == (t - z) * ev(q, t) % R
    assert F.fr_div_linear(F.fr_from_ints([5]), z).shape == (0, 4)
    assert (F.fr_zeros(3) == 0).all() and F.fr_to_int(F.fr_one) == 1


def test_shape_errors() -> None:
    a = F.fr_from_ints([1, 2, 3])
    with pytest.raises(ValueError):
        F.fr_add(a, F.fr_from_ints([1, 2]))
    with pytest.raises(TypeError):
        F.fr_add(a, a.astype(np.int64))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, R - 1), min_size=1, max_size=20),
    st.integers(0, R - 1),
)
def test_hypothesis_mul_add(xs: list[int], c: int) -> None:
    a = F.fr_from_ints(xs)
    assert F.fr_to_ints(F.fr_mul_int(a, c)) == [x * c % R for x in xs]
    assert F.fr_to_ints(F.fr_add_int(a, c)) == [(x + c) % R for x in xs]
    assert F.fr_to_ints(F.fr_batch_inv(a)) == [pow(x, -1, R) if x else 0 for x in xs]


def test_axpy_in_place_against_ints() -> None:
    rng = random.Random(5)
    acc_ints = [rng.randrange(R) for _ in range(50)] + [R - 1]
    x_ints = [rng.randrange(R) for _ in range(40)] + [R - 1]
    for c in (0, 1, R - 1, rng.randrange(R)):
        acc = F.fr_from_ints(acc_ints)
        out = F.fr_axpy(acc, F.fr_from_ints(x_ints), c)
        assert out is acc
        want = [(a + c * x) % R for a, x in zip(acc_ints, x_ints, strict=False)]
        assert F.fr_to_ints(acc) == want + acc_ints[len(x_ints) :]
    with pytest.raises(ValueError):
        F.fr_axpy(F.fr_from_ints([1]), F.fr_from_ints([1, 2]), 3)


@pytest.mark.parametrize("lanes", [False, True])
def test_eval_poly_and_axpy_in_both_kernels(lanes: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """F_r's eval_poly and axpy, scalar and AVX-512 IFMA lanes, against ints at lengths
    around the lane width and the chunk size, with edge values."""
    from zkpor.prover.arith.ifma import host_has_ifma

    if lanes and not host_has_ifma():
        pytest.skip("the host has no AVX-512 IFMA")
    monkeypatch.setattr(F.FR, "_lanes", lanes)
    rng = random.Random(21)
    for n in (1, 7, 8, 9, 4095, 4096, 4097, 8203):
        cs = [rng.randrange(R) for _ in range(n)]
        cs[0], cs[-1] = R - 1, 0 if n > 1 else R - 1
        z = rng.choice([rng.randrange(R), R - 1, 1])
        assert (
            F.fr_eval_poly(F.fr_from_ints(cs), z)
            == sum(c * pow(z, i, R) for i, c in enumerate(cs)) % R
        )
        acc0 = [rng.randrange(R) for _ in range(n + 3)]
        c = rng.randrange(R)
        acc = F.fr_axpy(F.fr_from_ints(acc0), F.fr_from_ints(cs), c)
        assert F.fr_to_ints(acc) == [
            (a + c * x) % R for a, x in zip(acc0, cs + [0] * 3, strict=True)
        ]


@pytest.mark.parametrize("lanes", [False, True])
def test_elementwise_ops_in_both_kernels(lanes: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """F_r add, sub, mul (and mul by one broadcast element), scalar and AVX-512 IFMA
    lanes, against ints, with edge values and lengths around the lane width."""
    from zkpor.prover.arith.ifma import host_has_ifma

    if lanes and not host_has_ifma():
        pytest.skip("the host has no AVX-512 IFMA")
    monkeypatch.setattr(F.FR, "_lanes", lanes)
    rng = random.Random(22)
    edge = [0, 1, R - 1, R - 2, (1 << 252) % R]
    for n in (1, 7, 8, 9, 4097):
        xs = (edge + [rng.randrange(R) for _ in range(n)])[:n]
        ys = ([rng.randrange(R) for _ in range(n)] + edge)[-n:]
        a, b = F.fr_from_ints(xs), F.fr_from_ints(ys)
        assert F.fr_to_ints(F.fr_add(a, b)) == [(x + y) % R for x, y in zip(xs, ys, strict=True)]
        assert F.fr_to_ints(F.fr_sub(a, b)) == [(x - y) % R for x, y in zip(xs, ys, strict=True)]
        assert F.fr_to_ints(F.fr_mul(a, b)) == [x * y % R for x, y in zip(xs, ys, strict=True)]
        for c in (R - 1, rng.randrange(R)):
            assert F.fr_to_ints(F.fr_mul_int(a, c)) == [x * c % R for x in xs]


@pytest.mark.parametrize("lanes", [False, True])
def test_montgomery_conversions_in_both_kernels(
    lanes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F_r from_std / to_std, scalar and AVX-512 IFMA lanes, round trip and against ints."""
    from zkpor.prover.arith.ifma import host_has_ifma

    if lanes and not host_has_ifma():
        pytest.skip("the host has no AVX-512 IFMA")
    monkeypatch.setattr(F.FR, "_lanes", lanes)
    rng = random.Random(23)
    for n in (1, 7, 8, 9, 4097):
        xs = ([0, 1, R - 1, R - 2] + [rng.randrange(R) for _ in range(n)])[:n]
        std = np.array(
            [[(x >> (64 * i)) & (2**64 - 1) for i in range(4)] for x in xs], dtype=np.uint64
        )
        mont = F.FR.from_std(std)
        assert F.fr_to_ints(mont) == xs
        assert (F.FR.to_std(mont) == std).all()
        assert (mont == F.fr_from_ints(xs)).all()
