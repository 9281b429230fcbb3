"""The AVX-512 IFMA lane kernels against Python integers, and the lockstep NTTs against the
scalar ones bit for bit (random and edge inputs)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from numba import njit

from zkpor.prover.arith import ntt
from zkpor.prover.arith.field import fr_from_ints, fr_to_ints
from zkpor.prover.arith.ifma import (
    BLOCK,
    LANES,
    bfly_dif,
    bfly_dit,
    bfly_plain,
    host_has_ifma,
    mul_step,
    pack8,
    splat_lanes,
    table_260,
    to_lanes,
    unpack8,
)
from zkpor.verifier.field import R

pytestmark = pytest.mark.skipif(not host_has_ifma(), reason="the host has no AVX-512 IFMA")

EDGE = [0, 1, 2, R - 1, R - 2, (R - 1) // 2, 1 << 52, (1 << 52) - 1, 1 << 208, (1 << 253) % R]


def _values(rng: random.Random, n: int) -> list[int]:
    vals = [rng.randrange(R) for _ in range(n)]
    vals[: len(EDGE)] = EDGE[:n]
    rng.shuffle(vals)
    return vals


@njit(cache=True)
def _pack_all(src, buf):  # type: ignore[no-untyped-def]
    for p in range(src.shape[0] // LANES):
        pack8(buf, p, src, p * LANES, 1)


@njit(cache=True)
def _unpack_all(buf, dst):  # type: ignore[no-untyped-def]
    for p in range(dst.shape[0] // LANES):
        unpack8(buf, p, dst, p * LANES, 1)


@njit(cache=True)
def _mul_steps(buf, cur, step):  # type: ignore[no-untyped-def]
    for p in range(buf.shape[0] // BLOCK):
        mul_step(buf, p, cur, step)


@njit(cache=True)
def _butterflies(buf, tw, kind):  # type: ignore[no-untyped-def]
    for p in range(buf.shape[0] // BLOCK // 2):
        if kind == 0:
            bfly_dif(buf, 2 * p, 2 * p + 1, tw, p)
        elif kind == 1:
            bfly_dit(buf, 2 * p, 2 * p + 1, tw, p)
        else:
            bfly_plain(buf, 2 * p, 2 * p + 1, tw, 0)


def _lanes(xs: list[int]) -> np.ndarray:
    """Elements in lane blocks, position p holding xs[8p : 8p + 8]."""
    buf = np.empty(len(xs) // LANES * BLOCK, dtype=np.uint64)
    _pack_all(fr_from_ints(xs), buf)
    return buf


def _ints(buf: np.ndarray) -> list[int]:
    out = np.empty((buf.shape[0] // BLOCK * LANES, 4), dtype=np.uint64)
    _unpack_all(buf, out)
    return fr_to_ints(out)


def _step_products(xs: list[int], cs: list[int], ss: list[int]) -> tuple[list[int], list[int]]:
    """What _mul_steps gives: x * c per lane, c *= s after each position; and the last c."""
    want, c = [], list(cs)
    for p in range(len(xs) // LANES):
        want += [xs[LANES * p + q] * c[q] % R for q in range(LANES)]
        c = [c[q] * ss[q] % R for q in range(LANES)]
    return want, c


def _butterfly_values(xs: list[int], ws: list[int], kind: int) -> list[int]:
    """What _butterflies gives (unreduced): pairs of positions 2p, 2p + 1 with twiddle ws[p]."""
    want: list[int] = []
    for p in range(len(ws)):
        u, v, w = xs[16 * p : 16 * p + 8], xs[16 * p + 8 : 16 * p + 16], ws[p]
        if kind == 0:
            want += [a + b for a, b in zip(u, v, strict=True)]
            want += [(a - b) * w for a, b in zip(u, v, strict=True)]
        elif kind == 1:
            want += [a + b * w for a, b in zip(u, v, strict=True)]
            want += [a - b * w for a, b in zip(u, v, strict=True)]
        else:
            want += [a + b for a, b in zip(u, v, strict=True)]
            want += [a - b for a, b in zip(u, v, strict=True)]
    return want


def test_pack_unpack_round_trip_with_strides() -> None:
    rng = random.Random(1)
    xs = _values(rng, 64)
    assert _ints(_lanes(xs)) == xs
    src = fr_from_ints(xs)
    buf = np.empty(BLOCK, dtype=np.uint64)
    dst = np.zeros_like(src)

    @njit
    def strided(src, buf, dst):  # type: ignore[no-untyped-def]
        pack8(buf, 0, src, 3, 7)
        unpack8(buf, 0, dst, 3, 7)

    strided(src, buf, dst)
    assert fr_to_ints(dst[3::7][:LANES]) == xs[3::7][:LANES]


def test_products_against_ints() -> None:
    """mul_step: x * c per lane, then c * s per lane, multipliers in 260-form."""
    rng = random.Random(2)
    xs = _values(rng, 8 * LANES)
    cs = _values(rng, LANES)
    ss = _values(rng, LANES)
    buf = _lanes(xs)
    cur = np.empty(BLOCK, dtype=np.uint64)
    step = np.empty(BLOCK, dtype=np.uint64)
    to_lanes(fr_from_ints(cs), cur)
    to_lanes(fr_from_ints(ss), step)
    _mul_steps(buf, cur, step)
    want, c = _step_products(xs, cs, ss)
    assert _ints(buf) == want
    # cur is in 260-form: multiplying a lane block of ones by it reads it back
    ones = _lanes([1] * LANES)
    _mul_steps(ones, cur, step)
    got_cur = _ints(ones)
    assert got_cur == c
    splat_lanes(tuple(fr_from_ints([R - 1])[0]), cur)
    neg = _lanes(xs[:LANES])
    _mul_steps(neg, cur, step)
    assert _ints(neg) == [(R - x) % R for x in xs[:LANES]]


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_butterflies_against_ints(kind: int) -> None:
    rng = random.Random(3 + kind)
    xs = _values(rng, 16 * LANES)
    ws = _values(rng, 8)
    buf = _lanes(xs)
    _butterflies(buf, table_260(fr_from_ints(ws)), kind)
    assert _ints(buf) == [x % R for x in _butterfly_values(xs, ws, kind)]


@pytest.mark.parametrize("k", [6, 7, 8, 11, 13])
def test_lockstep_transforms_equal_the_scalar_ones(k: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """dif (folded, scaled, inverse) and dit (scaled) give the scalar kernels' limbs exactly."""
    n = 1 << k
    rng = random.Random(10 + k)
    for extra, c0, g, inverse in (
        (0, 1, 1, False),
        (0, 7, 5, False),
        (3, 3, 11, True),
        (n, 1, 5, False),
    ):
        a = fr_from_ints(_values(rng, n + extra))
        outs = []
        for flag in (False, True):
            monkeypatch.setattr(ntt, "_IFMA", flag)
            f = ntt.dif(a, n, inverse=inverse, c0=c0, g=g)
            outs.append((f, ntt.dit(f.copy(), inverse=not inverse, c0=c0, g=g)))
        assert (outs[0][0] == outs[1][0]).all()
        assert (outs[0][1] == outs[1][1]).all()


_MONT = (1 << 256) % R  # element a is held as a * 2^256 mod p (in 260-form: a * 2^260)


def _raw_lanes(reps: list[int]) -> np.ndarray:
    """Lane blocks holding the given representatives (below 2^260) as they are."""
    buf = np.zeros(len(reps) // LANES * BLOCK, dtype=np.uint64)
    for i, x in enumerate(reps):
        p, q = divmod(i, LANES)
        for k in range(5):
            buf[p * BLOCK + LANES * k + q] = (x >> (52 * k)) & ((1 << 52) - 1)
    return buf


def _raw_ints(buf: np.ndarray) -> list[int]:
    """The representatives in lane blocks as stored (not reduced)."""
    return [
        sum(int(buf[p * BLOCK + LANES * k + q]) << (52 * k) for k in range(5))
        for p in range(buf.shape[0] // BLOCK)
        for q in range(LANES)
    ]


def _lazy(rng: random.Random, xs: list[int]) -> list[int]:
    """Montgomery representatives of xs, about half of them lifted by p (below 2p), with
    the largest, 2p - 1, among them."""
    reps = [x * _MONT % R + (R if rng.random() < 0.5 else 0) for x in xs]
    reps[0] = 2 * R - 1
    return reps


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_butterflies_in_the_lazy_form(kind: int) -> None:
    """Inputs below 2p (not p) give outputs below 2p congruent to the butterfly's values,
    and unpack8 returns them fully reduced."""
    rng = random.Random(30 + kind)
    reps = _lazy(rng, [rng.randrange(R) for _ in range(16 * LANES)])
    xs = [r * pow(_MONT, -1, R) % R for r in reps]
    ws = _values(rng, 8)
    buf = _raw_lanes(reps)
    _butterflies(buf, table_260(fr_from_ints(ws)), kind)
    got = _raw_ints(buf)
    assert all(g < 2 * R for g in got)
    want = _butterfly_values(xs, ws, kind)
    assert [g % R for g in got] == [x % R * _MONT % R for x in want]
    assert _ints(buf) == [x % R for x in want]


def test_products_in_the_lazy_form() -> None:
    """mul_step with the lane values and the running multiplier below 2p: both results
    below 2p and congruent to the products."""
    rng = random.Random(40)
    reps = _lazy(rng, [rng.randrange(R) for _ in range(4 * LANES)])
    xs = [r * pow(_MONT, -1, R) % R for r in reps]
    cs = [rng.randrange(R) for _ in range(LANES)]
    ss = _values(rng, LANES)
    buf = _raw_lanes(reps)
    mont260 = (1 << 260) % R
    cur = _raw_lanes([c * mont260 % R + R for c in cs])
    step = np.empty(BLOCK, dtype=np.uint64)
    to_lanes(fr_from_ints(ss), step)
    _mul_steps(buf, cur, step)
    want, c = _step_products(xs, cs, ss)
    got = _raw_ints(buf)
    assert all(g < 2 * R for g in got) and all(g < 2 * R for g in _raw_ints(cur))
    assert [g % R for g in got] == [x * _MONT % R for x in want]
    assert [g % R for g in _raw_ints(cur)] == [x * mont260 % R for x in c]
