"""Classic Merkle sum tree baseline: proofs verify, tampering fails."""

from __future__ import annotations

import dataclasses

import pytest

from benches.merkle_sum_tree import MerkleSumTree, verify_inclusion
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.prover.exchange.synth import synth_snapshot


def small():
    users = {
        "alice": [("BTC", 150_000_000), ("ETH", -3)],
        "bob": [],
        "carol": [("USDT", 5), ("USDT", 7)],
        "dave": [("BTC", (1 << 127) - 1)],
        "erin": [("ETH", 10**20)],
    }
    return Snapshot.from_users(["BTC", "ETH", "USDT"], [1, 2, 3], users)


def nonces(n):
    return [bytes([i % 256]) * 32 for i in range(n)]


def test_all_proofs_verify_and_root_sums_are_totals():
    s = small()
    t = MerkleSumTree.build(s, nonces(s.n_users))
    h, sums = t.root
    assert sums == s.totals()
    assert t.depth == 3
    for u in range(s.n_users):
        p = t.proof(u)
        assert verify_inclusion(h, sums, p)
        assert p.size_bytes() == len(p.to_bytes()) - 8  # minus the two counts in to_bytes
    assert t.proof(2).balances == [0, 0, 12]  # same asset merged


def test_tampering_fails():
    s = small()
    t = MerkleSumTree.build(s, nonces(s.n_users))
    h, sums = t.root
    p = t.proof(0)
    bad = dataclasses.replace(p, balances=[p.balances[0] - 1, *p.balances[1:]])
    assert not verify_inclusion(h, sums, bad)
    sib_h, sib_s = p.siblings[1]
    bad = dataclasses.replace(
        p, siblings=[p.siblings[0], (sib_h, [sib_s[0] - 5, *sib_s[1:]]), *p.siblings[2:]]
    )
    assert not verify_inclusion(h, sums, bad)
    # moving value between the two sides of a node breaks the hash (Maxwell's flaw fixed)
    s0h, s0s = p.siblings[0]
    bad = dataclasses.replace(
        p,
        balances=[p.balances[0] + 1, *p.balances[1:]],
        siblings=[(s0h, [s0s[0] - 1, *s0s[1:]]), *p.siblings[1:]],
    )
    assert not verify_inclusion(h, sums, bad)
    assert not verify_inclusion(h, [sums[0] + 1, *sums[1:]], p)
    assert not verify_inclusion(h, sums, dataclasses.replace(p, index=1))
    assert not verify_inclusion(h, sums, dataclasses.replace(p, nonce=b"\xff" * 32))
    assert not verify_inclusion(h, sums, dataclasses.replace(p, uid="mallory"))
    assert not verify_inclusion(bytes(32), sums, p)


def test_changed_balance_changes_root():
    s = small()
    t1 = MerkleSumTree.build(s, nonces(s.n_users))
    users = s.to_users()
    users["bob"] = [(0, 1)]
    s2 = Snapshot.from_users(s.symbols, s.prices, users)
    t2 = MerkleSumTree.build(s2, nonces(s2.n_users))
    assert t1.root[0] != t2.root[0]
    assert not verify_inclusion(t2.root[0], t2.root[1], t1.proof(0))


@pytest.mark.parametrize("users", [1, 2, 3, 257])
def test_synthetic(users):
    s = synth_snapshot(users, 6, 2, seed=users)
    t = MerkleSumTree.build(s)
    h, sums = t.root
    assert sums == s.totals()
    for u in {0, users // 2, users - 1}:
        p = t.proof(u)
        assert verify_inclusion(h, sums, p)
        assert p.size_bytes() == 32 + 4 + len(p.uid) + 6 * 32 + 8 + t.depth * (32 + 6 * 32)
