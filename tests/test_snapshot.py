"""The in-memory Snapshot: exact aggregates, validation, constructors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpor.prover.exchange.snapshot import MAX_AMOUNT, MIN_AMOUNT, Snapshot, SnapshotError

SYMS = ["BTC", "ETH", "USDT"]
PRICES = [9_123_456_000_000, 301_234_000_000, 100_010_000]


def brute(snap: Snapshot, users: dict) -> None:
    A = snap.n_assets
    totals = [0] * A
    eq = []
    for entries in users.values():
        e = 0
        for a, b in entries:
            j = a if isinstance(a, int) else snap.symbols.index(a)
            totals[j] += b
            e += snap.prices[j] * b
        eq.append(e)
    assert snap.totals() == totals
    assert snap.equities() == eq
    flat = [b for entries in users.values() for _, b in entries]
    assert snap.amounts() == flat
    assert [snap.amount(i) for i in range(snap.n_entries)] == flat


def test_basic():
    users = {"alice": [("BTC", 150_000_000), ("ETH", -3)], "bob": [], "carol": [(2, 5)]}
    s = Snapshot.from_users(SYMS, PRICES, users)
    assert (s.n_users, s.n_entries, s.n_assets) == (3, 3, 3)
    assert s.user_balances(0) == [(0, 150_000_000), (1, -3)]
    assert s.user_balances(1) == []
    assert s.user_balances(2) == [(2, 5)]
    assert s.offsets.tolist() == [0, 2, 2, 3]
    assert s.asset.dtype == np.int32 and s.amount_lo.dtype == np.uint64
    brute(s, users)
    assert s.to_users() == {"alice": [(0, 150_000_000), (1, -3)], "bob": [], "carol": [(2, 5)]}


def test_extremes_and_wide_amounts():
    users = {
        "a": [("BTC", MAX_AMOUNT), ("BTC", MAX_AMOUNT), ("ETH", MIN_AMOUNT)],
        "b": [("USDT", -(1 << 63)), ("USDT", (1 << 63) - 1), ("USDT", 1 << 63)],
        "c": [("BTC", -1), ("ETH", (1 << 64) + 7), ("USDT", -(1 << 64) - 9)],
    }
    prices = [(1 << 64) - 1, (1 << 64) - 1, 0]
    s = Snapshot.from_users(SYMS, prices, users)
    brute(s, users)


def test_duplicate_asset_in_user_allowed():
    users = {"a": [("BTC", 5), ("BTC", -2)]}
    s = Snapshot.from_users(SYMS, PRICES, users)
    assert s.totals()[0] == 3
    brute(s, users)


@pytest.mark.parametrize(
    "symbols,prices,users,msg",
    [
        (SYMS, PRICES, {"a": [("DOGE", 1)]}, "unknown asset"),
        (SYMS, PRICES, {"a": [(3, 1)]}, "out of range"),
        (SYMS, [1, 2, 1 << 64], {}, "price"),
        (SYMS, [1, -1, 2], {}, "price"),
        (SYMS, PRICES, {"a": [("BTC", 1 << 127)]}, "outside"),
        (SYMS, PRICES, {"a": [("BTC", MIN_AMOUNT - 1)]}, "outside"),
        (SYMS, PRICES, {"": [("BTC", 1)]}, "uid"),
        (["BTC", "BTC"], [1, 1], {}, "duplicate asset"),
        (SYMS, PRICES, {"a": [("BTC", 1.5)]}, "not an integer"),
    ],
)
def test_from_users_rejects(symbols, prices, users, msg):
    with pytest.raises(SnapshotError, match=msg):
        Snapshot.from_users(symbols, prices, users)


def test_validate_catches_bad_arrays():
    s = Snapshot.from_users(SYMS, PRICES, {"a": [("BTC", 1)], "b": [("ETH", 2)]})
    bad = Snapshot(
        s.symbols, s.prices, s.uids, s.offsets, np.array([0, 3], np.int32), s.amount_hi, s.amount_lo
    )
    with pytest.raises(SnapshotError, match="asset index"):
        bad.validate()
    bad = Snapshot(s.symbols, s.prices, ["a", "a"], s.offsets, s.asset, s.amount_hi, s.amount_lo)
    with pytest.raises(SnapshotError, match="duplicate uid"):
        bad.validate()
    bad = Snapshot(
        s.symbols, s.prices, s.uids, np.array([0, 2, 1]), s.asset, s.amount_hi, s.amount_lo
    )
    with pytest.raises(SnapshotError):
        bad.validate()


def test_error_message_format():
    e = SnapshotError("bad\nthing", "f.csv", 3)
    assert str(e) == "f.csv:3: bad thing"
    assert str(SnapshotError("x", "f.csv")) == "f.csv: x"


amount_st = st.one_of(
    st.integers(-(1 << 40), 1 << 40),
    st.integers(-(1 << 63), (1 << 63) - 1),
    st.integers(MIN_AMOUNT, MAX_AMOUNT),
)


@settings(max_examples=60, deadline=None)
@given(
    prices=st.lists(st.integers(0, (1 << 64) - 1), min_size=3, max_size=3),
    users=st.lists(st.lists(st.tuples(st.integers(0, 2), amount_st), max_size=6), max_size=8),
)
def test_aggregates_match_brute_force(prices, users):
    umap = {f"u{i}": entries for i, entries in enumerate(users)}
    s = Snapshot.from_users(SYMS, prices, umap)
    brute(s, umap)


def test_from_int64_vectorised_large():
    rng = np.random.default_rng(1)
    U, E = 200_000, 2
    n = U * E
    amount = rng.integers(-(1 << 62), 1 << 62, size=n, dtype=np.int64)
    asset = rng.integers(0, 3, size=n).astype(np.int32)
    offsets = np.arange(0, n + 1, E, dtype=np.int64)
    prices = [(1 << 64) - 1, 12345, 1]
    s = Snapshot.from_int64(SYMS, prices, [f"u{i}" for i in range(U)], offsets, asset, amount)
    tot = s.totals()
    a = amount.tolist()
    ass = asset.tolist()
    exp = [0, 0, 0]
    for j, b in zip(ass, a, strict=True):
        exp[j] += b
    assert tot == exp
    eq = s.equities()
    for u in (0, 1, 777, U - 1):
        assert eq[u] == sum(prices[ass[i]] * a[i] for i in range(u * E, u * E + E))
