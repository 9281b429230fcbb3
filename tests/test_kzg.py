"""KZG commitments (prover) against the pure-Python batched opening check (verifier)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkpor.prover.arith.field import fr_add, fr_add_int, fr_batch_inv, fr_from_ints, fr_from_uint64
from zkpor.prover.arith.ntt import intt
from zkpor.prover.setup.kzg import (
    INFINITY,
    SRS,
    add_points,
    blind,
    blinded_interpolation,
    commit_coeffs,
    commit_evals,
    commit_evals_small,
    commit_keyed,
    evaluate,
    keyed_table,
    lagrange_buckets,
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
    coeffs = blinded_interpolation(vals, blinders)
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
    coeffs = blinded_interpolation(vals, blinders)
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


def test_spilled_polys_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from zkpor.prover.argument import spill
    from zkpor.prover.argument.spill import SpilledPolys

    monkeypatch.setattr(spill, "KEEP_BYTES", 0)  # every vector goes to a file
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
    mapped = store["a"]
    store["a"] = a + 1  # a reader's array keeps the value it read
    assert (mapped == a[::-1]).all() and (store["a"] == a + 1).all()
    assert (store["b"] == a[:3]).all()  # its write is done
    with open(store._files["b"], "r+b") as f:
        f.truncate(40)
    with pytest.raises(OSError, match="truncated"):
        store["b"]
    store.close()
    assert not folder.exists()


def test_small_polys_stay_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vectors under KEEP_BYTES are held (no file); a name may move between the two."""
    from pathlib import Path

    from zkpor.prover.argument import spill
    from zkpor.prover.argument.spill import SpilledPolys

    monkeypatch.setattr(spill, "KEEP_BYTES", 32 * 8)  # below 8 rows: held
    store = SpilledPolys()
    folder = Path(store._dir.name)
    small, large = np.arange(16, dtype=np.uint64).reshape(4, 4), np.ones((20, 4), np.uint64)
    store["p"] = small
    assert (store["p"] == small).all() and not list(folder.iterdir())
    store["p"] = large  # now spilled
    assert (store["p"] == large).all() and len(list(folder.iterdir())) == 1
    store["p"] = small  # held again, its file gone
    assert (store["p"] == small).all() and not list(folder.iterdir())
    assert list(store) == ["p"] and len(store) == 1
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


# -- sparse and keyed commitments ----------------------------------------------------


@pytest.mark.parametrize("rows", ["none", "first", "last", "few", "prefix", "half", "most"])
def test_commit_evals_sparse_columns(srs: SRS, rows: str) -> None:
    """Zero rows are skipped (up to the last nonzero row, or gathered): same commitment."""
    rng = np.random.default_rng(20)
    n = srs.n
    where = {
        "none": [],
        "first": [0],
        "last": [n - 1],
        "few": [3, 77, 200],
        "prefix": list(range(40)),
        "half": list(range(0, n, 2)),
        "most": [i for i in range(n) if i % 5],
    }[rows]
    small = np.zeros(n, dtype=np.uint64)
    small[where] = rng.integers(1, 1 << 20, size=len(where), dtype=np.uint64)
    vals = fr_from_uint64(small)
    vals[where[::2]] = _rand(random.Random(21), len(where[::2]))
    assert commit_evals(srs, vals) == commit_coeffs(srs, intt(vals))
    assert commit_evals_small(srs, small) == commit_coeffs(srs, intt(fr_from_uint64(small)))


def _keys(rng: np.random.Generator, n: int, nkeys: int, common: float = 0.0) -> np.ndarray:
    """Random keys below nkeys, a share ``common`` of them the key 1."""
    keys = rng.integers(0, nkeys, size=n)
    keys[rng.random(n) < common] = 1
    return keys


@pytest.mark.parametrize("common", [0.0, 0.9])
def test_keyed_commit_of_a_function_of_the_keys(srs: SRS, common: float) -> None:
    """values = table[keys]: the bucketed commitment is commit_evals, with the most common
    key's bucket recovered from [1]_1 (common = 0.9) or not, and for a prefix of H."""
    rng = np.random.default_rng(22)
    for nkeys, length in ((13, srs.n), (13, srs.n - 5), (1, srs.n), (1 << 16, srs.n)):
        keys = _keys(rng, length, nkeys, common if nkeys > 1 else 0.0)
        buckets = lagrange_buckets(srs, keys, nkeys)
        table = _rand(random.Random(nkeys), nkeys)
        vals = table[keys]
        assert keyed_table(vals, [buckets]) is not None
        assert commit_keyed(srs, vals, [buckets]) == commit_evals(srs, vals)
        small_table = rng.integers(0, 1 << 40, size=nkeys, dtype=np.uint64)
        small = small_table[keys]
        assert commit_keyed(srs, small, [buckets]) == commit_evals_small(srs, small)
        assert commit_keyed(srs, small, [buckets], small_table) == commit_evals_small(srs, small)


def test_keyed_commit_of_a_two_key_sum(srs: SRS) -> None:
    """h = inv[k1] + inv[k2] (a range helper) with the table given."""
    rng = np.random.default_rng(23)
    beta = 12345
    inv = fr_batch_inv(fr_add_int(fr_from_uint64(np.arange(1 << 16, dtype=np.uint64)), beta))
    k1, k2 = _keys(rng, srs.n, 1 << 16, 0.7), _keys(rng, srs.n, 1 << 16)
    k2[:10] = k1[:10]  # the same key in both columns
    b1, b2 = lagrange_buckets(srs, k1, 1 << 16), lagrange_buckets(srs, k2, 1 << 16)
    h = fr_add(inv[k1], inv[k2])
    assert keyed_table(h, [b1, b2], inv) is not None
    assert commit_keyed(srs, h, [b1, b2], inv) == commit_evals(srs, h)
    assert commit_keyed(srs, inv[k1], [b1], inv) == commit_evals(srs, inv[k1])  # one cell
    bad = h.copy()
    bad[7] = fr_from_ints([5])[0]  # an altered helper row
    assert keyed_table(bad, [b1, b2], inv) is None
    assert commit_keyed(srs, bad, [b1, b2], inv) == commit_evals(srs, bad)


def test_keyed_commit_of_a_dishonest_column_falls_back(srs: SRS) -> None:
    rng = np.random.default_rng(24)
    keys = _keys(rng, srs.n, 8)
    buckets = lagrange_buckets(srs, keys, 8)
    table = _rand(random.Random(25), 8)
    vals = table[keys]
    row = int(np.flatnonzero(keys == keys[0])[1])  # a second row with the key of row 0
    vals[row] = fr_from_ints([99])[0]  # not a function of the keys any more
    assert keyed_table(vals, [buckets]) is None
    assert commit_keyed(srs, vals, [buckets]) == commit_evals(srs, vals)
    assert commit_keyed(srs, vals, [buckets], table) == commit_evals(srs, vals)
    # a limb column with a cell of 2^16 + 5: no buckets of its own, and clamped keys do
    # not describe it
    limbs = rng.integers(0, 1 << 16, size=srs.n, dtype=np.uint64)
    limbs[[3, 9]] = [(1 << 16) + 5, (1 << 16) - 1]
    with pytest.raises(ValueError, match="keys must lie in"):
        lagrange_buckets(srs, limbs, 1 << 16)
    clamped = lagrange_buckets(srs, np.minimum(limbs, (1 << 16) - 1), 1 << 16)
    assert keyed_table(limbs, [clamped]) is None
    assert commit_keyed(srs, limbs, [clamped]) == commit_evals_small(srs, limbs)
    field = fr_from_uint64(limbs)
    assert commit_keyed(srs, field, [clamped]) == commit_evals(srs, field)


def test_keyed_commit_misuse(srs: SRS) -> None:
    keys = np.arange(srs.n) % 4
    b = lagrange_buckets(srs, keys, 4)
    vals = _rand(random.Random(26), 4)[keys]
    with pytest.raises(ValueError, match="exactly one key column"):
        commit_keyed(srs, vals, [b, b])
    with pytest.raises(ValueError, match="field"):
        commit_keyed(srs, keys.astype(np.uint64), [b, b], np.arange(4, dtype=np.uint64))
    with pytest.raises(ValueError, match="differ in length"):
        commit_keyed(srs, vals[:-1], [b])
    with pytest.raises(ValueError, match="4 entries"):
        commit_keyed(srs, vals, [b], _rand(random.Random(27), 5))
    with pytest.raises(ValueError, match="no key columns"):
        commit_keyed(srs, vals, [])
    with pytest.raises(ValueError, match="length <="):
        lagrange_buckets(srs, np.zeros(srs.n + 1, dtype=np.int64), 1)
