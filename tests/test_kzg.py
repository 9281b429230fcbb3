"""KZG commitments (prover) against the pure-Python batched opening check (verifier)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkpor.prover.arith.field import fr_from_ints, fr_from_uint64
from zkpor.prover.arith.ntt import intt
from zkpor.prover.setup.kzg import (
    INFINITY,
    SRS,
    add_points,
    blind,
    blinded_coeffs,
    commit_coeffs,
    commit_evals,
    commit_evals_small,
    evaluate,
    open_batch,
    point_bytes,
    to_py_ecc,
)
from zkpor.verifier.encoding import decode_g1, encode_g1
from zkpor.verifier.field import R, root_of_unity
from zkpor.verifier.kzg import verify_openings


@pytest.fixture(scope="module")
def srs(dev_srs_dir) -> SRS:  # noqa: ANN001
    return SRS.load(dev_srs_dir(8))


def _rand(rng: random.Random, n: int) -> np.ndarray:
    return fr_from_ints([rng.randrange(R) for _ in range(n)])


def _blinded_poly(srs: SRS, rng: random.Random, n_blind: int) -> tuple[np.ndarray, tuple]:
    """Random values on H; returns (blinded coefficients, blinded commitment)."""
    vals = _rand(rng, srs.n)
    blinders = [rng.randrange(R) for _ in range(n_blind)]
    coeffs = blinded_coeffs(intt(vals), blinders, srs.n)
    return coeffs, blind(srs, commit_evals(srs, vals), blinders)


def _proof(srs: SRS, rng: random.Random, k1: int = 6, k2: int = 3) -> dict:
    f = [_blinded_poly(srs, rng, 1) for _ in range(k1)]
    g = [_blinded_poly(srs, rng, 2) for _ in range(k2)]
    z, v, u = rng.randrange(R), rng.randrange(R), rng.randrange(R)
    z2 = z * pow(root_of_unity(srs.n), srs.n - 1, R) % R
    return {
        "z": z,
        "commitments_z": [c for _, c in f],
        "evals_z": [evaluate(p, z) for p, _ in f],
        "W_z": open_batch(srs, [p for p, _ in f], z, v),
        "z2": z2,
        "commitments_z2": [c for _, c in g],
        "evals_z2": [evaluate(p, z2) for p, _ in g],
        "W_z2": open_batch(srs, [p for p, _ in g], z2, v) if g else INFINITY,
        "v": v,
        "u": u,
    }


def test_commit_evals_matches_coeffs(srs: SRS) -> None:
    rng = random.Random(1)
    vals = _rand(rng, srs.n)
    assert commit_evals(srs, vals) == commit_coeffs(srs, intt(vals))


def test_commit_small_matches(srs: SRS) -> None:
    rng = np.random.default_rng(2)
    small = rng.integers(0, 1 << 16, size=srs.n, dtype=np.uint64)
    assert commit_evals_small(srs, small) == commit_evals(srs, fr_from_uint64(small))
    big = rng.integers(0, 1 << 63, size=srs.n, dtype=np.uint64)
    assert commit_evals_small(srs, big) == commit_evals(srs, fr_from_uint64(big))


def test_blinding_keeps_values_on_h(srs: SRS) -> None:
    rng = random.Random(3)
    vals = _rand(rng, srs.n)
    blinders = [rng.randrange(R) for _ in range(3)]
    coeffs = blinded_coeffs(intt(vals), blinders, srs.n)
    assert len(coeffs) == srs.n + 3
    assert commit_coeffs(srs, coeffs) == blind(srs, commit_evals(srs, vals), blinders)
    w = root_of_unity(srs.n)
    assert evaluate(coeffs, pow(w, 5, R)) == evaluate(intt(vals), pow(w, 5, R))
    assert blind(srs, commit_evals(srs, vals), []) == commit_evals(srs, vals)


def test_open_verify_one_point(srs: SRS) -> None:
    p = _proof(srs, random.Random(4), k1=5, k2=0)
    assert verify_openings(srs.vk, **p)


def test_open_verify_two_points(srs: SRS) -> None:
    p = _proof(srs, random.Random(5))
    assert verify_openings(srs.vk, **p)
    # the verifier also takes py_ecc points (what decode_g1 returns)
    q = dict(p)
    q["commitments_z"] = [decode_g1(point_bytes(c)) for c in p["commitments_z"]]
    q["W_z"] = to_py_ecc(p["W_z"])
    assert verify_openings(srs.vk, **q)


@pytest.mark.parametrize("what", ["eval", "eval2", "point", "W", "W2", "commitment", "z"])
def test_rejects_tampering(srs: SRS, what: str) -> None:
    p = _proof(srs, random.Random(6), k1=3, k2=2)
    if what == "eval":
        p["evals_z"][1] = (p["evals_z"][1] + 1) % R
    elif what == "eval2":
        p["evals_z2"][0] = (p["evals_z2"][0] + 1) % R
    elif what == "point":
        p["z2"] = (p["z2"] + 1) % R
    elif what == "W":
        p["W_z"] = add_points([p["W_z"], _gen()])
    elif what == "W2":
        p["W_z2"] = p["W_z"]
    elif what == "commitment":
        p["commitments_z"][0], p["commitments_z"][2] = p["commitments_z"][2], p["commitments_z"][0]
    elif what == "z":
        p["z"] = (p["z"] + 1) % R
    assert not verify_openings(srs.vk, **p)


def _gen() -> tuple[int, int]:
    return (1, 2)


def test_rejects_other_srs(srs: SRS, dev_srs_dir) -> None:  # noqa: ANN001
    other = SRS.load(dev_srs_dir(8, "other"))
    p = _proof(other, random.Random(7), k1=3, k2=1)
    assert verify_openings(other.vk, **p)
    assert not verify_openings(srs.vk, **p)


def test_malformed_input(srs: SRS) -> None:
    p = _proof(srs, random.Random(8), k1=2, k2=1)
    with pytest.raises(ValueError, match="not on the curve"):
        verify_openings(srs.vk, **{**p, "W_z": (1, 3)})
    with pytest.raises(ValueError, match="below r"):
        verify_openings(srs.vk, **{**p, "v": R})
    with pytest.raises(ValueError, match="one claimed evaluation"):
        verify_openings(srs.vk, **{**p, "evals_z": p["evals_z"][:1]})


def test_encoding_roundtrip(srs: SRS) -> None:
    c = commit_evals(srs, _rand(random.Random(9), srs.n))
    assert encode_g1(to_py_ecc(c)) == point_bytes(c)
    assert point_bytes(INFINITY) == bytes(64)


def test_size_limits(srs: SRS) -> None:
    with pytest.raises(ValueError, match="at most"):
        commit_evals(srs, _rand(random.Random(10), srs.n + 1))
    with pytest.raises(ValueError, match="at most"):
        commit_coeffs(srs, _rand(random.Random(10), srs.n + 4))


def test_fixture_end_to_end(srs16: SRS) -> None:
    p = _proof(srs16, random.Random(11), k1=4, k2=2)
    assert verify_openings(srs16.vk, **p)
    p["evals_z"][0] = (p["evals_z"][0] + 1) % R
    assert not verify_openings(srs16.vk, **p)


def test_final_exponentiation_matches_py_ecc() -> None:
    from py_ecc.optimized_bn128 import G1, G2, final_exponentiate, multiply, pairing

    from zkpor.verifier.kzg import final_exponentiation

    rng = random.Random(12)
    for _ in range(2):
        f = pairing(
            multiply(G2, rng.randrange(R)), multiply(G1, rng.randrange(R)), final_exponentiate=False
        )
        assert final_exponentiation(f) == final_exponentiate(f)


def test_combine_streams_and_matches_horner() -> None:
    """combine takes a generator (one polynomial in memory at a time), any lengths."""
    from zkpor.prover.arith.field import fr_to_ints
    from zkpor.prover.setup.kzg import combine

    rng = random.Random(3)
    polys = [[rng.randrange(R) for _ in range(m)] for m in (5, 9, 1, 9, 7)]
    v = rng.randrange(R)
    want = [0] * 9
    for k, f in enumerate(polys):
        for i, c in enumerate(f):
            want[i] = (want[i] + pow(v, k, R) * c) % R
    assert fr_to_ints(combine((fr_from_ints(f) for f in polys), v)) == want
    with pytest.raises(ValueError):
        combine(iter([]), v)


def test_spilled_polys_round_trip() -> None:
    from pathlib import Path

    from zkpor.prover.argument.spill import SpilledPolys

    store = SpilledPolys()
    a = np.arange(40, dtype=np.uint64).reshape(10, 4)
    store["a"] = a
    store["b"] = a[:3]
    store["a"] = a[::-1]  # overwrite keeps one file
    assert (store["a"] == a[::-1]).all() and (store["b"] == a[:3]).all()
    assert list(store) == ["a", "b"] and len(store) == 2
    folder = Path(store._dir.name)
    assert len(list(folder.iterdir())) == 2
    with pytest.raises(ValueError):
        store["c"] = np.zeros(4, dtype=np.uint64)
    store.close()
    assert not folder.exists()


def test_l_last_coefficients_closed_form() -> None:
    """(1/N) sum_i omega^i X^i is the Lagrange polynomial of the last row."""
    from zkpor.prover.arith.field import fr_powers

    n = 64
    last = np.zeros(n, dtype=np.uint64)
    last[n - 1] = 1
    want = intt(fr_from_uint64(last))
    assert (fr_powers(root_of_unity(n), n, pow(n, -1, R)) == want).all()
