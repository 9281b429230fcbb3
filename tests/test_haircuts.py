"""Collateral haircuts (issue 15, PROTOCOL.md section 10): soundness, completeness, formats.

Soundness cases follow tests/test_soundness.py: a dishonest exchange runs the real prover
(``Cheater``: no last-line refusal) on a witness it edited as consistently as it can
(limbs, tier-row columns, multiplicities, running haircut value and summary limbs
recomputed), and the verifier rejects with the reason asserted.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solvency_helpers import (
    COIN,
    PRICES,
    SYMBOLS,
    keyed_commitments,
    prove,
    user_rows,
    verify_bundle,
)

from zkpor.circuits.haircuts import (
    BALANCE_HI,
    BALANCE_LO,
    Tier,
    TierRow,
    check_tiers,
    haircut_direct,
    haircut_summary,
    haircut_value,
    row_index,
    tier_rows,
)
from zkpor.circuits.solvency import LIMB_BITS, LIMBS, RANGE_SIZE, TIERED, V1
from zkpor.prover.argument.prove import ProofBundle, ProverError, SolvencyProver
from zkpor.prover.argument.publish import inclusion_record
from zkpor.prover.argument.trace import Trace, TraceError, build_trace, running_haircut
from zkpor.prover.arith.field import fr_from_ints, fr_to_ints
from zkpor.prover.exchange.haircuts import format_haircuts, parse_haircuts
from zkpor.prover.exchange.snapshot import Snapshot, SnapshotError
from zkpor.prover.setup.kzg import SRS
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R
from zkpor.verifier.inclusion import check_inclusion
from zkpor.verifier.merkle import tree_levels
from zkpor.verifier.proof import PROOF_BYTES, Proof, proof_bytes
from zkpor.verifier.statement import Statement

SNAP = "snap-test"
CONSTRAINTS_FAIL = "constraints do not hold"
USD = 10**16
"""One USD in 1e-16 USD (the unit of p * b and of tier bounds)."""
BTC_P, ETH_P, USDT_P = PRICES
TIERS: list[tuple[Tier, ...] | None] = [
    (Tier(100_000 * USD, 100), Tier(200_000 * USD, 50), Tier(300_000 * USD, 20)),  # then 0
    (Tier(10_000 * USD, 80), Tier(None, 0)),
    None,
]
"""BTC ($90,000): 100% to $100k, 50% to $200k, 20% to $300k, 0 beyond; ETH ($3,000): 80% to
$10k, 0% beyond; USDT: no table (100%)."""
MOD = 1 << (LIMBS * LIMB_BITS)


def users(extra: dict[str, list[tuple[str, int]]] | None = None) -> Snapshot:
    base: dict[str, list[tuple[str, int]]] = {
        "alice": [("BTC", 2 * COIN), ("USDT", -100_000 * COIN)],  # $180k -> $140k; owes $100k
        "bob": [("ETH", -3 * COIN), ("USDT", 12_300 * COIN)],
        "carol": [("USDT", 5_000 * COIN)],
        "dave": [],
        "erin": [("ETH", COIN), ("ETH", 2 * COIN), ("USDT", 1)],  # split: the builder merges
    }
    base.update(extra or {})
    return Snapshot.from_users(SYMBOLS, PRICES, base)


@pytest.fixture(scope="module")
def srs(dev_srs_dir) -> SRS:  # noqa: ANN001
    return SRS.load(dev_srs_dir(16))


def build(snapshot: Snapshot, honest: bool = True, merge: bool = True) -> Trace:
    return build_trace(
        snapshot, SNAP, dummy_users=2, min_log_n=16, honest=honest, tiers=TIERS, merge=merge
    )


class Cheater(SolvencyProver):
    strict = False


def cheat(srs: SRS, trace: Trace) -> ProofBundle:
    return prove(srs, None, Cheater, trace)  # type: ignore[arg-type]


def assert_rejected(srs: SRS, bundle: ProofBundle, match: str = CONSTRAINTS_FAIL) -> None:
    with pytest.raises(VerificationError, match=match):
        verify_bundle(srs, bundle)


@pytest.fixture(scope="module")
def honest(srs: SRS) -> tuple[Snapshot, ProofBundle]:
    snapshot = users()
    return snapshot, prove(srs, snapshot, trace=build(snapshot))


# ---------------------------------------------------------------------------
# the cheater's toolbox
# ---------------------------------------------------------------------------


def table_of(trace: Trace) -> tuple[list[TierRow], list[int]]:
    """The public tier table and the first row of each asset."""
    assert trace.tiers is not None
    rows, first = [], []
    for price, tiers in zip(trace.prices, trace.tiers, strict=True):
        first.append(len(rows))
        rows += tier_rows(price, tiers)
    return rows, first


def set_limbs(trace: Trace, prefix: str, row: int, value: int) -> None:
    for k in range(LIMBS):
        trace.cols[f"{prefix}{k}"][row] = (value >> (LIMB_BITS * k)) & (RANGE_SIZE - 1)


def get_value(trace: Trace, prefix: str, row: int) -> int:
    return sum(int(trace.cols[f"{prefix}{k}"][row]) << (LIMB_BITS * k) for k in range(LIMBS))


def fr_set(column: np.ndarray, row: int, value: int) -> None:
    column[row] = fr_from_ints([value % R])[0]


def balance_at(trace: Trace, row: int) -> int:
    """b = W + lo of an entry row, as the trace holds it."""
    lo = fr_to_ints(trace.fields["lo"][row : row + 1])[0]
    lo = lo - R if lo > R // 2 else lo
    return get_value(trace, "l", row) + lo


def claim_row(trace: Trace, row: int, gi: int, b: int) -> None:
    """Write entry ``row`` as balance b in table row gi: x1, x2 wrap modulo 2^128 where
    negative (what limbs can hold), every tier-row column set to row gi's values."""
    table, _ = table_of(trace)
    t = table[gi]
    set_limbs(trace, "l", row, (b - t.lo) % MOD)
    set_limbs(trace, "v", row, (t.hi - 1 - b) % MOD)
    for name in ("lo", "rp", "bs"):
        if name in trace.cols:  # a small column (uint64)
            trace.cols[name][row] = getattr(t, name)
        else:
            fr_set(trace.fields[name], row, getattr(t, name))
    trace.cols["pos"][row] = t.pos
    assert trace.tier_row is not None
    trace.tier_row[row] = gi


def refresh(trace: Trace, uid: str) -> None:
    """Everything a consistent cheater recomputes: multiplicities, hq, the summary limbs."""
    assert trace.tier_row is not None
    listed = trace.tier_row[trace.tier_row >= 0]
    m_t = np.zeros(trace.n, dtype=np.uint64)
    m_t[: int(listed.max()) + 1] = np.bincount(listed)
    trace.cols["m_t"] = m_t
    trace.fields["hq"] = running_haircut(trace)
    _, summary = user_rows(trace, uid)
    he = fr_to_ints(trace.fields["hq"][summary : summary + 1])[0]
    set_limbs(trace, "l", summary, he % MOD)
    m_r = np.zeros(trace.n, dtype=np.uint64)
    cells = np.concatenate(
        [trace.cols[f"{p}{k}"] for p in "lv" for k in range(LIMBS)] + [trace.cols["dk"]]
    )
    m_r[:RANGE_SIZE] = np.bincount(cells[cells < RANGE_SIZE].astype(np.int64), minlength=RANGE_SIZE)
    trace.cols["m_r"] = m_r


def summary_he(trace: Trace, uid: str) -> int:
    _, summary = user_rows(trace, uid)
    value = fr_to_ints(trace.fields["hq"][summary : summary + 1])[0]
    return value - R if value > R // 2 else value


def btc_row(trace: Trace, uid: str) -> int:
    entries, _ = user_rows(trace, uid)
    return next(r for r in entries if trace.cols["a"][r] == 0)


# ---------------------------------------------------------------------------
# the tier function and table
# ---------------------------------------------------------------------------


def test_tier_rows_partition_the_balance_range_and_match_the_definition() -> None:
    for price, tiers in [(BTC_P, TIERS[0]), (ETH_P, TIERS[1]), (USDT_P, None), (0, TIERS[0])]:
        rows = tier_rows(price, tiers)
        assert rows[0].lo == BALANCE_LO and rows[-1].hi == BALANCE_HI
        assert all(a.hi == b.lo for a, b in zip(rows, rows[1:], strict=False))
        assert all(r.lo < r.hi for r in rows)
        for b in [BALANCE_LO, -COIN, -1, 0, 1, COIN, 4 * COIN, BALANCE_HI - 1]:
            row = rows[row_index(rows, b)]
            assert row.lo <= b < row.hi
            assert row.value(b) == haircut_direct(price, tiers, b) == haircut_value(price, tiers, b)
            assert row.value(b) <= 100 * price * b  # H(b) <= 100 p b: E >= 0 follows from HE >= 0
    btc = tier_rows(BTC_P, TIERS[0])
    assert [r.pos for r in btc] == [0, 1, 1, 1, 1]
    assert [r.lo for r in btc[1:]] == [1, 111_111_112, 222_222_223, 333_333_334]
    assert btc[-1].rp == 0 and btc[-1].bs == 170_000 * USD * 100


@settings(max_examples=300, deadline=None)
@given(
    price=st.integers(0, (1 << 64) - 1),
    bounds=st.lists(st.integers(1, (1 << 128) - 1), min_size=1, max_size=16, unique=True),
    ratios=st.lists(st.integers(0, 100), min_size=16, max_size=16),
    unbounded=st.booleans(),
    b=st.integers(BALANCE_LO, BALANCE_HI - 1),
    near=st.integers(-2, 2),
    which=st.integers(0, 15),
)
def test_haircut_value_equals_the_definition_everywhere(
    price: int, bounds: list[int], ratios: list[int], unbounded: bool, b: int, near: int, which: int
) -> None:
    bounds.sort()
    tiers = [Tier(u, r) for u, r in zip(bounds, ratios, strict=False)]
    if unbounded:
        tiers[-1] = Tier(None, tiers[-1].ratio)
    assert check_tiers(tiers) is None
    if price and near:
        u = bounds[which % len(bounds)]
        b = min(max(-(-u // price) + near, BALANCE_LO), BALANCE_HI - 1)  # around a bound
    assert haircut_value(price, tiers, b) == haircut_direct(price, tiers, b)


def test_check_tiers_reasons() -> None:
    assert "tiers" in check_tiers([])
    assert "tiers" in check_tiers([Tier(i + 1, 50) for i in range(17)])
    assert "ratio" in check_tiers([Tier(None, 101)])
    assert "ratio" in check_tiers([Tier(None, -1)])
    assert "unbounded" in check_tiers([Tier(None, 50), Tier(5, 10)])
    assert "previous" in check_tiers([Tier(5, 50), Tier(5, 10)])
    assert "previous" in check_tiers([Tier(0, 50)])
    assert "previous" in check_tiers([Tier(1 << 128, 50)])


# ---------------------------------------------------------------------------
# completeness, formats, the v1 path
# ---------------------------------------------------------------------------


def test_honest_tiered_proof_verifies_and_users_see_their_haircuts(srs: SRS, honest) -> None:  # noqa: ANN001
    snapshot, bundle = honest
    verified = verify_bundle(srs, bundle)
    st_ = verified.statement
    assert st_.version == 2 and bundle.proof.version == 2
    assert len(bundle.proof.to_bytes()) == proof_bytes(TIERED) == 4744
    assert Proof.from_bytes(bundle.proof.to_bytes()) == bundle.proof
    assert Statement.loads(st_.dumps()) == st_
    assert [a.total for a in st_.assets] == snapshot.totals()
    levels = tree_levels(bundle.fingerprints)
    for u, uid in enumerate(snapshot.uids):
        result = check_inclusion(inclusion_record(bundle, snapshot, u, levels), verified)
        want = haircut_summary(snapshot.user_balances(u), PRICES, TIERS)
        assert result.haircut == want and result.haircut.equity >= 0, uid
    alice = check_inclusion(inclusion_record(bundle, snapshot, 0, levels), verified).haircut
    assert alice.collateral == 140_000 * USD * 100 and alice.debt == 100_000 * USD * 100


def test_tiered_columns_of_small_keys_commit_through_buckets(
    srs: SRS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Range cells and helpers by the cells, tier-row columns by each row's tier row."""
    cells = [f"{p}{k}" for p in "lv" for k in range(LIMBS)] + ["dk"]
    helpers = [f"h_{p}{k}" for p in "rv" for k in range(1, 5)] + ["h_d"]
    by_row = ["a", "pos", "lo", "rp", "bs", "rpow", "h_t"]
    assert keyed_commitments(srs, build(users()), monkeypatch) == {*cells, *helpers, *by_row}


def test_no_tiers_is_exactly_v1(srs: SRS) -> None:
    snapshot = users()
    trace = build_trace(snapshot, SNAP, dummy_users=2, min_log_n=16, tiers=[None] * 3)
    assert trace.circuit is V1 and "eq" not in trace.fields
    bundle = prove(srs, snapshot, trace=trace)
    verify_bundle(srs, bundle)
    data = bundle.proof.to_bytes()
    assert len(data) == PROOF_BYTES == 3048 and data[7] == 1
    text = bundle.statement.dumps()
    assert json.loads(text)["version"] == 1 and "tiers" not in text and "tier_" not in text


def test_statement_tier_checks_and_json(honest) -> None:  # noqa: ANN001
    _, bundle = honest
    st_ = bundle.statement
    data = json.loads(st_.dumps())
    assert data["assets"][0]["tiers"][0] == {"upper": str(100_000 * USD), "ratio": 100}
    assert data["assets"][1]["tiers"][1] == {"upper": None, "ratio": 0}
    assert "tiers" not in data["assets"][2]

    def edited(**change: object) -> Statement:
        assets = list(st_.assets)
        assets[0] = replace(assets[0], **change)
        return replace(st_, assets=tuple(assets))

    for tiers, reason in [
        ((Tier(200_000 * USD, 50), Tier(100_000 * USD, 20)), "previous"),
        ((Tier(None, 101),), "ratio"),
        (tuple(Tier((i + 1) * USD, 50) for i in range(17)), "tiers"),
        ((), "tiers"),
    ]:
        with pytest.raises(VerificationError, match=f"tier table of BTC .*{reason}"):
            edited(tiers=tiers).check()
    data["version"] = 1
    with pytest.raises(VerificationError, match="does not match its tier tables"):
        Statement.from_json(data)
    data["version"] = 2
    data["assets"][0]["tiers"][0]["extra"] = 1
    with pytest.raises(VerificationError, match="malformed"):
        Statement.from_json(data)


def test_haircuts_csv_parser() -> None:
    text = (
        "asset,upper_usd,ratio_percent\nBTC,100000,100\nBTC,200000,50\nBTC,300000.0,20\n"
        "ETH,10000,80\nETH,,0\n"
    )
    tables = parse_haircuts(text, SYMBOLS, "h.csv")
    assert tables == TIERS
    assert parse_haircuts(format_haircuts(SYMBOLS, tables), SYMBOLS) == TIERS
    assert parse_haircuts("asset,upper_usd,ratio_percent\nBTC,0.0000000000000001,5\n", SYMBOLS)[
        0
    ] == (Tier(1, 5),)
    bad = [
        ("asset,upper,ratio\n", "h.csv:1: header"),
        ("asset,upper_usd,ratio_percent\nXRP,1,5\n", "h.csv:2: unknown asset 'XRP'"),
        ("asset,upper_usd,ratio_percent\nBTC,1e5,5\n", "h.csv:2: malformed upper_usd"),
        ("asset,upper_usd,ratio_percent\nBTC,0.00000000000000001,5\n", "h.csv:2: .*16 decimal"),
        ("asset,upper_usd,ratio_percent\nBTC,5,101\n", "h.csv:2: ratio_percent '101'"),
        ("asset,upper_usd,ratio_percent\nBTC,5,50.5\n", "h.csv:2: ratio_percent"),
        (
            "asset,upper_usd,ratio_percent\nBTC,5,50\nBTC,5,40\n",
            "h.csv:3: BTC: upper_usd '5' is not above",
        ),
        (
            "asset,upper_usd,ratio_percent\nBTC,,50\nBTC,5,40\n",
            "h.csv:3: BTC: a tier after the unbounded",
        ),
        ("asset,upper_usd,ratio_percent\nBTC,-5,50\n", "h.csv:2: upper_usd '-5' must be positive"),
        ("asset,upper_usd,ratio_percent\nBTC,5\n", "h.csv:2: expected 3 fields"),
        ("", "h.csv: empty"),
    ]
    for text, message in bad:
        with pytest.raises(SnapshotError, match=message):
            parse_haircuts(text, SYMBOLS, "h.csv")
    many = "asset,upper_usd,ratio_percent\n" + "".join(f"BTC,{i + 1},50\n" for i in range(17))
    with pytest.raises(SnapshotError, match="h.csv:18: BTC: more than 16 tiers"):
        parse_haircuts(many, SYMBOLS, "h.csv")


# ---------------------------------------------------------------------------
# soundness: each a dishonest prover the verifier rejects
# ---------------------------------------------------------------------------

DUMMY = {"dummy": [("BTC", 4 * COIN), ("USDT", -300_000 * COIN)]}
"""$360,000 of BTC owing $300,000: net equity +$60,000, after haircuts $170,000 - $300,000."""


def test_dummy_user_covered_at_full_price_only_is_refused_and_rejected(srs: SRS) -> None:
    snapshot = users(DUMMY)
    u = snapshot.uids.index("dummy")
    assert snapshot.equities()[u] == 60_000 * USD
    assert haircut_summary(snapshot.user_balances(u), PRICES, TIERS).equity == -130_000 * USD * 100
    with pytest.raises(TraceError, match="'dummy' has negative haircut equity"):
        build(snapshot)
    trace = build(snapshot, honest=False)  # summary limbs hold HE mod 2^128
    _, summary = user_rows(trace, "dummy")
    assert get_value(trace, "l", summary) == (-130_000 * USD * 100) % MOD
    assert_rejected(srs, cheat(srs, trace))
    with pytest.raises(ProverError, match="breaks a constraint"):
        prove(srs, None, SolvencyProver, trace)  # type: ignore[arg-type]


def test_dummy_user_with_running_value_matching_wrapped_limbs_is_rejected(srs: SRS) -> None:
    """The same dummy user, hq at the summary row set to the wrapped limbs: D16 breaks."""
    trace = build(users(DUMMY), honest=False)
    _, summary = user_rows(trace, "dummy")
    fr_set(trace.fields["hq"], summary, get_value(trace, "l", summary))
    assert_rejected(srs, cheat(srs, trace))


def _pick_debt(honest_value: int, cheat_value: int) -> int:
    """A USDT debt (1e-8 USDT) that the cheat covers and the honest value does not."""
    unit = 100 * USDT_P  # haircut value of 1e-8 USDT
    debt = cheat_value // unit
    assert honest_value < debt * unit <= cheat_value
    return debt


def _tier_cheat(srs: SRS, b: int, claimed_tier: int, asset: str = "BTC") -> None:
    """A user holding b of ``asset`` and just enough USDT debt to be covered only at the
    claimed tier's (wrong) value; the cheater writes the entry in that tier."""
    j = SYMBOLS.index(asset)
    rows = tier_rows(PRICES[j], TIERS[j])
    true_row = row_index(rows, b)
    assert claimed_tier != true_row
    honest_value, cheat_value = rows[true_row].value(b), rows[claimed_tier].value(b)
    debt = _pick_debt(honest_value, cheat_value)
    snapshot = users({"cheat": [(asset, b), ("USDT", -debt)]})
    with pytest.raises(TraceError, match="'cheat' has negative haircut equity"):
        build(snapshot)
    trace = build(snapshot, honest=False)
    entries, _ = user_rows(trace, "cheat")
    row = next(r for r in entries if trace.cols["a"][r] == j)
    _, first = table_of(trace)
    claim_row(trace, row, first[j] + claimed_tier, b)
    refresh(trace, "cheat")
    assert balance_at(trace, row) == b or claimed_tier > true_row  # V wraps only if b < lo
    assert 0 <= summary_he(trace, "cheat") < MOD  # the summary is consistent with the claim
    assert_rejected(srs, cheat(srs, trace))


def test_wrong_tier_for_a_value_is_rejected(srs: SRS) -> None:
    """2.5 BTC ($225k, tier 3 at 20%) claimed in tier 1 (100%): full value."""
    _tier_cheat(srs, 250_000_000, claimed_tier=1)


def test_value_one_unit_past_a_bound_claimed_in_the_tier_below_is_rejected(srs: SRS) -> None:
    """b = ceil(U_2 / p) is the first value of tier 3; claimed in tier 2 (x2 = -1)."""
    b = -(-200_000 * USD // BTC_P)
    assert row_index(tier_rows(BTC_P, TIERS[0]), b) == 3
    _tier_cheat(srs, b, claimed_tier=2)


def test_value_one_unit_below_a_bound_claimed_in_the_tier_above_is_rejected(srs: SRS) -> None:
    """b = ceil(U_1 / p) - 1 is the last value of tier 1; claimed in tier 2 (x1 = -1).
    Tier 2 counts less, so this cheater gains nothing: it must fail all the same."""
    b = -(-100_000 * USD // BTC_P) - 1
    snapshot = users({"cheat": [("BTC", b)]})
    trace = build(snapshot)
    row = btc_row(trace, "cheat")
    _, first = table_of(trace)
    claim_row(trace, row, first[0] + 2, b)
    refresh(trace, "cheat")
    assert_rejected(srs, cheat(srs, trace))


def test_collateral_above_the_last_bound_is_rejected(srs: SRS) -> None:
    """4.5 BTC ($405k) counts $170k (0% above $300k); claimed in the 20% tier: $191k."""
    _tier_cheat(srs, 450_000_000, claimed_tier=3)


def test_ratio_zero_collateral_claimed_at_full_value_is_rejected(srs: SRS) -> None:
    """10 ETH ($30k) counts $8k (80% to $10k, 0% beyond); claimed in the debt row (100%)."""
    _tier_cheat(srs, 10 * COIN, claimed_tier=0, asset="ETH")
    rows = tier_rows(ETH_P, TIERS[1])
    assert rows[-1].rp == 0 and rows[-1].value(10 * COIN) == 8_000 * USD * 100


def test_holding_split_in_two_entries_is_rejected(srs: SRS) -> None:
    """2 + 2 BTC: each $180k counts $140k (the 100% tier twice), merged $360k counts $170k."""
    split = {"split": [("BTC", 2 * COIN), ("BTC", 2 * COIN), ("USDT", -250_000 * COIN)]}
    snapshot = users(split)
    with pytest.raises(TraceError, match="'split' has negative haircut equity"):
        build(snapshot)
    with pytest.raises(TraceError, match="ascending asset order"):
        build(snapshot, merge=False)
    trace = build(snapshot, honest=False, merge=False)
    entries, _ = user_rows(trace, "split")
    assert [int(trace.cols["a"][r]) for r in entries] == [0, 0, 2]
    assert [int(trace.cols["pos"][r]) for r in entries] == [1, 1, 0]
    assert summary_he(trace, "split") == 30_000 * USD * 100  # what the split proves
    assert int(trace.cols["dk"][entries[1]]) == RANGE_SIZE - 1  # -1 mod 2^16
    assert_rejected(srs, cheat(srs, trace))


def test_split_debt_beside_a_holding_is_accepted_and_conservative(srs: SRS) -> None:
    """Debt entries of a tiered asset before its positive entry are allowed by D19; they
    can only lower the proven value (PROTOCOL.md section 10.5, step 6)."""
    mixed = [("BTC", -COIN // 2), ("BTC", 3 * COIN), ("USDT", 1)]
    snapshot = Snapshot.from_users(SYMBOLS, PRICES, {"mixed": mixed, "carol": [("ETH", COIN)]})
    trace = build(snapshot, merge=False)
    entries, _ = user_rows(trace, "mixed")
    assert [int(trace.cols["pos"][r]) for r in entries] == [0, 1, 0]
    merged = haircut_summary([(0, 5 * COIN // 2)], PRICES, TIERS).equity
    assert 0 <= summary_he(trace, "mixed") - 100 * USDT_P <= merged
    verify_bundle(srs, prove(srs, snapshot, trace=trace))


def test_tier_table_changed_after_proving_is_rejected(srs: SRS, honest) -> None:  # noqa: ANN001
    _, bundle = honest
    st_ = bundle.statement

    def with_tiers(j: int, tiers: tuple[Tier, ...] | None) -> ProofBundle:
        assets = list(st_.assets)
        assets[j] = replace(assets[j], tiers=tiers)
        return replace(bundle, statement=replace(st_, assets=tuple(assets)))

    btc = TIERS[0]
    assert btc is not None
    for j, tiers in [
        (0, (btc[0], Tier(btc[1].upper, 49), btc[2])),  # one ratio
        (0, (Tier(btc[0].upper + 1, 100), btc[1], btc[2])),  # one bound, one unit
        (0, (*btc, Tier(None, 10))),  # a tier added above the last bound
        (1, None),  # ETH's table removed
        (2, (Tier(None, 100),)),  # a flat 100% table for USDT (same values, new statement)
    ]:
        assert_rejected(srs, with_tiers(j, tiers))
    untiered = replace(st_, assets=tuple(replace(a, tiers=None) for a in st_.assets))
    assert untiered.version == 1
    assert_rejected(srs, replace(bundle, statement=untiered), "format version 2")


# ---------------------------------------------------------------------------
# completeness with hypothesis: users around every bound
# ---------------------------------------------------------------------------


def _bound_balances() -> list[int]:
    out = []
    for j, tiers in enumerate(TIERS[:2]):
        for tier in tiers or ():
            if tier.upper is not None:
                edge = -(-tier.upper // PRICES[j])
                out += [(j, edge + d) for d in (-1, 0, 1)]
    return out


@st.composite
def bound_snapshots(draw: st.DrawFn) -> Snapshot:
    people: dict[str, list[tuple[int, int]]] = {}
    for k, (j, b) in enumerate(_bound_balances()):
        entries = [(j, b)]
        if draw(st.booleans()):
            entries.append((1 - j, draw(st.integers(-(10**9), 10**9))))
        value = haircut_summary(entries, PRICES, TIERS).equity
        slack, unit = draw(st.integers(0, 10**6)), 100 * USDT_P
        # a USDT (100%) debt or top-up leaving a small haircut equity >= 0
        usdt = -max(0, value // unit - slack) if value >= 0 else -(value // unit) + slack
        entries.append((2, usdt))
        people[f"edge{k}"] = entries
    snapshot = Snapshot.from_users(SYMBOLS, PRICES, people)
    for u in range(snapshot.n_users):
        assert haircut_summary(snapshot.user_balances(u), PRICES, TIERS).equity >= 0
    return snapshot


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=bound_snapshots())
def test_users_around_every_bound_verify(srs: SRS, snapshot: Snapshot) -> None:
    bundle = prove(srs, snapshot, trace=build(snapshot))
    verified = verify_bundle(srs, bundle)
    levels = tree_levels(bundle.fingerprints)
    for u in range(snapshot.n_users):
        result = check_inclusion(inclusion_record(bundle, snapshot, u, levels), verified)
        assert result.haircut == haircut_summary(snapshot.user_balances(u), PRICES, TIERS)


# ---------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------

HAIRCUTS_CSV = (
    "asset,upper_usd,ratio_percent\nBTC,100000,100\nBTC,200000,50\nBTC,300000,20\n"
    "ETH,10000,80\nETH,,0\n"
)


def test_cli_prove_and_inclusion_with_haircuts(dev_srs_dir, tmp_path: Path) -> None:  # noqa: ANN001
    from zkpor.prover.cli.main import main

    (tmp_path / "snap.csv").write_text(
        "uid,asset,amount\nalice,BTC,2\nalice,USDT,-100000\nbob,ETH,-3\nbob,USDT,12300\n"
    )
    (tmp_path / "prices.csv").write_text("asset,price_usd\nBTC,90000\nETH,3000\nUSDT,1\n")
    (tmp_path / "h.csv").write_text(HAIRCUTS_CSV)
    runner = CliRunner()
    args = ["prove", str(tmp_path / "snap.csv"), "--prices", str(tmp_path / "prices.csv"),
            "--srs", str(dev_srs_dir(16)), "--out", str(tmp_path / "out"), "--snapshot-id", "h-1"]  # fmt: skip
    result = runner.invoke(main, [*args, "--haircuts", str(tmp_path / "h.csv")])
    assert result.exit_code == 0, result.output
    statement = json.loads((tmp_path / "out" / "public" / "statement.json").read_text())
    assert statement["version"] == 2
    assert (tmp_path / "out" / "public" / "proof.bin").stat().st_size == 4744
    out = tmp_path / "alice.json"
    result = runner.invoke(
        main,
        [
            "inclusion",
            "export",
            str(tmp_path / "out" / "private"),
            "--uid",
            "alice",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        [
            "inclusion",
            "verify",
            str(out),
            "--public",
            str(tmp_path / "out" / "public"),
            "--allow-insecure",
            "--uid",
            "alice",
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "collateral value after haircuts: $140,000.00" in result.output
    assert "debt at full value:              $100,000.00" in result.output
    assert "haircut equity (proven >= 0):    $40,000.00" in result.output
    # a bad haircuts file: one line FILE:LINE, exit 2, nothing written
    (tmp_path / "bad.csv").write_text("asset,upper_usd,ratio_percent\nBTC,100,150\n")
    args[args.index("--out") + 1] = str(tmp_path / "out2")
    result = runner.invoke(main, [*args, "--haircuts", str(tmp_path / "bad.csv")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'bad.csv'}:2: ratio_percent '150'" in result.output
    assert not (tmp_path / "out2").exists()


def test_cli_snapshot_build_reports_haircut_failures(tmp_path: Path) -> None:
    from zkpor.prover.cli.main import main

    accounts = [
        {"uid": "ok", "wallets": {"spot": {"BTC": "1", "USDT": "-50000"}}},
        {"uid": "dummy", "wallets": {"spot": {"BTC": "4", "USDT": "-300000"}}},
        {"uid": "under", "wallets": {"spot": {"ETH": "-1", "USDT": "2999"}}},
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(a) + "\n" for a in accounts))
    (tmp_path / "prices.csv").write_text("asset,price_usd\nBTC,90000\nETH,3000\nUSDT,1\n")
    (tmp_path / "h.csv").write_text(HAIRCUTS_CSV)
    result = CliRunner().invoke(
        main,
        ["snapshot", "build", str(tmp_path / "a.jsonl"), "--prices", str(tmp_path / "prices.csv"),
         "--out", str(tmp_path / "s.csv"), "--report", str(tmp_path / "r.csv"),
         "--haircuts", str(tmp_path / "h.csv"), "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "haircut rule fails: dummy: collateral after haircuts 130000 USD short" in result.output
    assert "1 users" in result.output and "1 left out with negative net equity" in result.output
    assert "1 left out whose collateral after haircuts does not cover their debt" in result.output
    report = (tmp_path / "r.csv").read_text()
    assert "excluded: collateral after haircuts is 130000 USD short of the debt" in report
    assert "dummy" not in (tmp_path / "s.csv").read_text()


def test_a_v1_proof_made_before_this_change_still_verifies() -> None:
    """tests/fixtures/v1-base: `zkpor prove` at the branch point (commit 4618298)."""
    from zkpor.verifier.public import load_public

    folder = load_public(Path(__file__).parent / "fixtures" / "v1-base")
    assert folder.statement.version == 1 and folder.proof.version == 1
    checked = folder.check(allow_insecure=True)
    assert checked.verified.statement.n_u == 680


def test_example_table_is_the_documented_one_and_valid() -> None:
    from zkpor.prover.exchange.haircuts import EXAMPLE
    from zkpor.prover.exchange.synth import synth_prices

    doc = Path(__file__).resolve().parents[1] / "docs" / "haircuts-example.csv"
    assert doc.read_text() == EXAMPLE
    symbols, _ = synth_prices(20, 7)
    tables = parse_haircuts(EXAMPLE, symbols)
    btc = tables[symbols.index("BTC")]
    assert btc[0] == Tier(30_000_000 * USD, 100) and btc[-1] == Tier(2_500_000_000 * USD, 30)
    assert tables[symbols.index("USDT")] is None


def test_prover_public_evaluations_are_the_verifiers(honest) -> None:  # noqa: ANN001
    """Tier-table rows: the prover's batched Lagrange values give the verifier's values."""
    import random

    from zkpor.prover.argument.prove import SolvencyProver
    from zkpor.verifier.field import R
    from zkpor.verifier.public_inputs import public_evaluations

    _, bundle = honest
    rng = random.Random(8)
    ch = {"zeta": rng.randrange(R), "rho": rng.randrange(R), "eta": rng.randrange(R)}
    want = public_evaluations(bundle.statement, ch)
    assert SolvencyProver._public_evaluations(bundle.statement, ch) == want
