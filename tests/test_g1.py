"""G1 numba kernels against py_ecc.optimized_bn128 and the verifier's encoding."""

from __future__ import annotations

import random

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from zkpor.prover.arith import g1 as G
from zkpor.prover.arith.field import FQ
from zkpor.verifier.encoding import encode_g1
from zkpor.verifier.field import Q, R


def _aff(p: tuple) -> tuple[int, int]:
    if bn.is_inf(p):
        return (0, 0)
    x, y = bn.normalize(p)
    return (int(x), int(y))


def _limbs(ks: list[int]) -> np.ndarray:
    return np.array([[(k >> (64 * i)) & (2**64 - 1) for i in range(4)] for k in ks], np.uint64)


@pytest.fixture(scope="module")
def pts() -> list[tuple]:
    rng = random.Random(7)
    ps = [bn.multiply(bn.G1, rng.randrange(1, R)) for _ in range(12)]
    return [bn.G1, bn.neg(bn.G1), bn.Z1, *ps]


def test_conversions(pts: list[tuple]) -> None:
    arr = G.g1_from_py_ecc(pts)
    assert arr.shape == (len(pts), 2, 4) and arr.dtype == np.uint64
    assert (arr[2] == 0).all()  # infinity is all-zero limbs
    assert G.g1_to_affine_ints(arr) == [_aff(p) for p in pts]
    assert [_aff(p) for p in G.g1_to_py_ecc(arr)] == [_aff(p) for p in pts]
    assert (G.g1_from_affine_ints(G.g1_to_affine_ints(arr)) == arr).all()
    assert (G.G1_GEN == G.g1_from_affine_ints([(1, 2)])[0]).all()
    data = G.g1_to_bytes(arr)
    assert data == b"".join(encode_g1(p) for p in pts)
    assert (G.g1_from_bytes(data) == arr).all()
    u8 = np.frombuffer(data, dtype=np.uint8).reshape(-1, 64)
    assert (G.g1_from_bytes(u8) == arr).all()
    assert G.g1_on_curve(arr).all()


def test_rejections() -> None:
    good = bytearray(G.g1_to_bytes(G.G1_GEN))
    bad_y = bytearray(good)
    bad_y[-1] ^= 1
    with pytest.raises(ValueError):
        G.g1_from_bytes(bytes(bad_y))
    x, y = 1, 2
    noncanon = x.to_bytes(32, "big") + (y + Q).to_bytes(32, "big")
    with pytest.raises(ValueError):
        G.g1_from_bytes(noncanon)
    with pytest.raises(ValueError):
        G.g1_from_bytes(bytes(good) + b"\x00")
    with pytest.raises(ValueError):
        G.g1_from_affine_ints([(1, 3)])
    with pytest.raises(ValueError):
        G.g1_from_affine_ints([(Q + 1, 2)])
    # (0, 0) is infinity, (0, y) is not a point
    assert (G.g1_from_bytes(bytes(64)) == 0).all()
    with pytest.raises(ValueError):
        G.g1_from_affine_ints([(0, 5)])
    arr = np.concatenate([G.g1_from_affine_ints([(1, 2)]), FQ.from_ints([1, 3]).reshape(1, 2, 4)])
    assert G.g1_on_curve(arr).tolist() == [True, False]


def test_affine_add_cases(pts: list[tuple]) -> None:
    a_py = pts + pts[:5] + [bn.Z1]
    b_py = list(reversed(pts)) + [bn.neg(p) for p in pts[:5]] + [bn.Z1]
    a_py += pts  # doubling P + P
    b_py += pts
    a, b = G.g1_from_py_ecc(a_py), G.g1_from_py_ecc(b_py)
    got = G.g1_to_affine_ints(G.g1_add_affine(a, b))
    assert got == [_aff(bn.add(p, q)) for p, q in zip(a_py, b_py, strict=True)]
    one = G.g1_add_affine(a, G.G1_GEN)  # broadcast a single point
    assert G.g1_to_affine_ints(one) == [_aff(bn.add(p, bn.G1)) for p in a_py]
    assert G.g1_to_affine_ints(G.g1_neg(a)) == [_aff(bn.neg(p)) for p in a_py]
    assert (G.g1_add_affine(a, G.g1_neg(a)) == 0).all()


def test_large_batch_add_chunks() -> None:
    rng = np.random.default_rng(3)
    n = 2500  # spans several batch-inversion chunks
    s = rng.integers(0, 2**62, size=(n, 4), dtype=np.uint64)
    a = G.g1_fixed_base_mul(G.G1_GEN, s)
    b = np.roll(a, 1, axis=0)
    b[::7] = a[::7]  # doublings sprinkled in
    b[3::11] = 0  # infinities
    got = G.g1_add_affine(a, b)
    idx = [0, 1, 3, 7, 14, 1024, 1025, 2047, 2499]
    for i in idx:
        pa, pb = G.g1_to_py_ecc(a[i : i + 1])[0], G.g1_to_py_ecc(b[i : i + 1])[0]
        assert G.g1_to_affine_ints(got[i : i + 1])[0] == _aff(bn.add(pa, pb))


def test_scalar_mul_and_normalize(pts: list[tuple]) -> None:
    rng = random.Random(9)
    ks = [0, 1, 2, R - 1, R, (1 << 256) - 1, 15, 16] + [
        rng.randrange(R) for _ in range(len(pts) - 8)
    ]
    ks = ks[: len(pts)]
    arr = G.g1_from_py_ecc(pts)
    got = G.g1_to_affine_ints(G.g1_scalar_mul_batch(arr, _limbs(ks)))
    assert got == [
        _aff(bn.multiply(p, k % R) if k % R else bn.Z1) for p, k in zip(pts, ks, strict=True)
    ]
    # batch normalisation of Jacobian points (x, y, z) -> (x/z^2, y/z^3)
    zs = [rng.randrange(1, Q) for _ in pts] + [0]
    jac = []
    for p, z in zip([*pts, bn.G1], zs, strict=True):
        x, y = _aff(p)
        if x == 0 and y == 0:
            z = 0
        jac.append([x * z * z % Q, y * z * z * z % Q, z])
    jac_arr = FQ.from_ints([v for row in jac for v in row]).reshape(-1, 3, 4)
    exp = [_aff(p) for p in pts] + [(0, 0)]
    assert G.g1_to_affine_ints(G.g1_batch_normalize(jac_arr)) == exp


def test_fixed_base_mul() -> None:
    rng = random.Random(11)
    ks = [0, 1, 2, R - 1, 2**16, 2**64 - 1] + [rng.randrange(R) for _ in range(40)]
    base = G.g1_from_py_ecc([bn.multiply(bn.G1, 987654321)])[0]
    got = G.g1_to_affine_ints(G.g1_fixed_base_mul(base, _limbs(ks)))
    assert got == [_aff(bn.multiply(bn.G1, 987654321 * k % R)) for k in ks]
    small = [3, 5, 0, 7]
    got = G.g1_to_affine_ints(G.g1_fixed_base_mul(G.G1_GEN, _limbs(small)))
    assert got == [_aff(bn.multiply(bn.G1, k)) for k in small]


def test_madd_chain_sum() -> None:
    ks = [1, 1, 2, 3, R - 7, 4]  # includes a doubling (G + G) and a cancellation
    arr = G.g1_fixed_base_mul(G.G1_GEN, _limbs(ks))
    arr = np.concatenate([arr, np.zeros((1, 2, 4), np.uint64)])  # and infinity
    jac = G.madd_chain(arr, 2)
    assert G.g1_to_affine_ints(G.g1_batch_normalize(jac)) == [
        _aff(bn.multiply(bn.G1, 2 * sum(ks) % R))
    ]
