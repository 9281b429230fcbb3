"""NTTs against naive polynomial evaluation and round trips."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkpor.prover.arith.field import fr_from_ints, fr_to_ints
from zkpor.prover.arith.ntt import (
    bitrev_indices,
    bitrev_permute,
    coset_intt,
    coset_ntt,
    dif,
    dit,
    intt,
    ntt,
)
from zkpor.verifier.field import R, root_of_unity


def _eval(cs: list[int], x: int) -> int:
    acc = 0
    for c in reversed(cs):
        acc = (acc * x + c) % R
    return acc


@pytest.mark.parametrize("k", range(0, 9))
def test_against_naive(k: int) -> None:
    n = 1 << k
    rng = random.Random(k)
    cs = [rng.randrange(R) for _ in range(n)]
    if n > 1:
        cs[-1] = R - 1
    a = fr_from_ints(cs)
    before = a.copy()
    w = root_of_unity(n)
    ev = [_eval(cs, pow(w, i, R)) for i in range(n)]
    assert fr_to_ints(ntt(a)) == ev
    assert fr_to_ints(intt(fr_from_ints(ev))) == cs
    for shift in (5, 7, R - 1):
        ev2 = [_eval(cs, shift * pow(w, i, R) % R) for i in range(n)]
        assert fr_to_ints(coset_ntt(a, shift)) == ev2
        assert fr_to_ints(coset_intt(fr_from_ints(ev2), shift)) == cs
    assert (a == before).all()  # inputs are not modified


def test_special_vectors() -> None:
    n = 16
    one_hot = fr_from_ints([0, 1] + [0] * (n - 2))  # f = X
    w = root_of_unity(n)
    assert fr_to_ints(ntt(one_hot)) == [pow(w, i, R) for i in range(n)]
    assert fr_to_ints(ntt(fr_from_ints([0] * n))) == [0] * n
    assert fr_to_ints(intt(fr_from_ints([1] * n))) == [1] + [0] * (n - 1)


def test_roundtrip_2_16() -> None:
    n = 1 << 16
    rng = np.random.default_rng(1)
    std = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    std[:, 3] >>= 3  # < 2^253 < r
    from zkpor.prover.arith.field import fr_from_standard

    a = fr_from_standard(std)
    ev = ntt(a)
    assert (intt(ev) == a).all()
    assert (coset_intt(coset_ntt(a, 5), 5) == a).all()
    # spot-check a few evaluations against Horner
    cs = fr_to_ints(a)
    w = root_of_unity(n)
    evi = fr_to_ints(ev[[0, 1, 12345, n - 1]])
    assert evi == [_eval(cs, pow(w, i, R)) for i in (0, 1, 12345, n - 1)]
    # small sizes now reuse the larger twiddle table with a stride
    small = cs[:8]
    w8 = root_of_unity(8)
    assert fr_to_ints(ntt(fr_from_ints(small))) == [_eval(small, pow(w8, i, R)) for i in range(8)]
    assert fr_to_ints(intt(ntt(fr_from_ints(small)))) == small


def test_bad_sizes() -> None:
    with pytest.raises(ValueError):
        ntt(fr_from_ints([1, 2, 3]))
    with pytest.raises(ValueError):
        intt(fr_from_ints([]))


def _rev(i: int, k: int) -> int:
    return int(format(i, f"0{k}b")[::-1], 2) if k else 0


@pytest.mark.parametrize("k", [0, 1, 2, 3, 5, 8, 9])
def test_dif_folds_shifts_and_leaves_bit_reversed_order(k: int) -> None:
    """dif(f, n, g)[rev(i)] = c0 f(g w^i) for f with up to 2n coefficients (and fewer)."""
    n = 1 << k
    rng = random.Random(100 + k)
    w = root_of_unity(n)
    for length in {n, n + min(n, 3), max(1, n // 2), 2 * n, 3 * n + 1}:
        cs = [rng.randrange(R) for _ in range(length)]
        cs[-1] = R - 1
        for g, c0, inverse in ((1, 1, False), (5, 1, False), (7, 3, False), (5, 1, True)):
            root = pow(w, -1, R) if inverse else w
            got = fr_to_ints(dif(fr_from_ints(cs), n, inverse=inverse, c0=c0, g=g))
            want = [c0 * _eval(cs, g * pow(root, i, R) % R) % R for i in range(n)]
            assert [got[_rev(i, k)] for i in range(n)] == want, (length, g, inverse)


@pytest.mark.parametrize("k", [0, 1, 2, 4, 7, 10])
def test_dit_inverts_dif_with_fused_scaling(k: int) -> None:
    """dit(dif(f)) with inverse roots, 1/n and g^-i returns f; dit's input is overwritten."""
    n = 1 << k
    rng = random.Random(200 + k)
    cs = [rng.randrange(R) for _ in range(n)]
    for g in (1, 5, R - 2):
        values = dif(fr_from_ints(cs), n, g=g)
        out = dit(values, inverse=True, c0=pow(n, -1, R), g=pow(g, -1, R))
        assert out is values
        assert fr_to_ints(out) == cs
    # forward dit from bit-reversed order equals the natural-order transform
    assert (dit(bitrev_permute(fr_from_ints(cs))) == ntt(fr_from_ints(cs))).all()
    with pytest.raises(ValueError):
        dit(fr_from_ints(cs)[::-1] if n > 1 else np.zeros((3, 4), dtype=np.uint64))


def test_bitrev_indices_is_an_involution() -> None:
    for k in (0, 1, 4, 11):
        idx = bitrev_indices(1 << k)
        assert [int(x) for x in idx] == [_rev(i, k) for i in range(1 << k)]
        assert (idx[idx] == np.arange(1 << k)).all()
    a = fr_from_ints(list(range(16)))
    assert fr_to_ints(bitrev_permute(a)) == [_rev(i, 4) for i in range(16)]


@pytest.mark.parametrize("k", [9, 10, 11, 12, 15])
def test_bitrev_permute_by_tiles_moves_every_element(k: int) -> None:
    """Below, at and above the tiled kernel's threshold (2^10): element i lands at rev(i),
    for F_r rows and for uint64 values (put in Montgomery form), into a given buffer too."""
    n = 1 << k
    rng = np.random.default_rng(k)
    v = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    v[:2] = (0, 2**64 - 1)
    ints = [int(x) for x in v]
    want = [0] * n
    for i, x in enumerate(ints):
        want[_rev(i, k)] = x
    assert fr_to_ints(bitrev_permute(v)) == want
    assert fr_to_ints(bitrev_permute(fr_from_ints(ints))) == want
    out = np.ones((n, 4), dtype=np.uint64)
    assert bitrev_permute(v, out) is out and fr_to_ints(out) == want


@pytest.mark.parametrize("k", [3, 6, 11])
def test_dif_folds_inputs_of_every_length(k: int) -> None:
    """Scalar and lane kernels, inputs shorter than, as long as and longer than n (the
    longer ones folded into the output and transformed in place), against Horner."""
    n = 1 << k
    rng = random.Random(k)
    w = root_of_unity(n)
    for length in (n - 3, n, 2 * n + 5):
        cs = [rng.randrange(R) for _ in range(length)]
        got = fr_to_ints(dif(fr_from_ints(cs), n, g=7, c0=3))
        for i in (0, 1, n - 1):
            assert got[_rev(i, k)] == 3 * _eval(cs, 7 * pow(w, i, R) % R) % R


def test_four_step_at_2_17_against_horner() -> None:
    """An odd log size (R = 2C) and a size with several column groups, spot-checked."""
    n = 1 << 17
    rng = np.random.default_rng(7)
    std = rng.integers(0, 2**64, size=(n + 3, 4), dtype=np.uint64)
    std[:, 3] >>= 3
    from zkpor.prover.arith.field import fr_from_standard

    a = fr_from_standard(std)
    cs = fr_to_ints(a)
    w = root_of_unity(n)
    got = dif(a, n, g=5)
    for i in (0, 1, 2, 1000, n // 2 + 1, n - 1):
        assert fr_to_ints(got[_rev(i, 17) : _rev(i, 17) + 1]) == [_eval(cs, 5 * pow(w, i, R) % R)]
    back = dit(got, inverse=True, c0=pow(n, -1, R), g=pow(5, -1, R))
    folded = [(c + pow(5, n, R) * e) % R for c, e in zip(cs[:3], cs[n:], strict=True)] + cs[3:n]
    assert fr_to_ints(back) == folded


def test_intt_of_small_values_converts_them() -> None:
    """1-D uint64 values (edge values too) give the coefficients of their F_r vector."""
    from zkpor.prover.arith.field import fr_from_uint64
    from zkpor.prover.arith.ntt import bitrev_permute, intt

    rng = np.random.default_rng(4)
    for n in (1, 2, 16, 1 << 11):
        v = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
        v[0] = 2**64 - 1
        assert (intt(v) == intt(fr_from_uint64(v))).all()
        assert (bitrev_permute(v) == bitrev_permute(fr_from_uint64(v))).all()
