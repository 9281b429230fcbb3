"""NTTs against naive polynomial evaluation and round trips."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkpor.prover.arith.field import fr_from_ints, fr_to_ints
from zkpor.prover.arith.ntt import coset_intt, coset_ntt, intt, ntt
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
