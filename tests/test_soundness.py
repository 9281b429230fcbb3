"""Soundness: a dishonest exchange runs the real prover on a broken witness; the verifier rejects.

Every case plays a cheater who bypasses the honest trace builder's refusals
(``build_trace(..., honest=False)``, direct edits of the Trace's columns, or a
:class:`SolvencyProver` subclass with ``strict = False`` and overridden hooks) and
then makes the rest of the witness as consistent as a cheater could: multiplicities
recounted for the in-range cells, running equity recomputed, summary limbs set to the
recomputed equity, published totals re-summed from the trace. Where possible
:func:`local_violations` checks, from the trace alone, that exactly the intended
relation is broken, so the rejection is attributable to the check under test.

Case numbers follow the brief (docs: PROTOCOL.md sections 1, 4 and 6).
"""

from __future__ import annotations

import secrets
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solvency_helpers import (
    COIN,
    PRICES,
    SYMBOLS,
    honest_margin_bundle,
    margin_snapshot,
    prove,
    user_rows,
    verify_bundle,
)

from zkpor.circuits.solvency import LIMB_BITS, LIMBS, RANGE_SIZE
from zkpor.prover.argument.prove import ProofBundle, ProverError, SolvencyProver
from zkpor.prover.argument.publish import inclusion_record, user_balances
from zkpor.prover.argument.trace import Trace, TraceError, build_trace, entry_values, running_equity
from zkpor.prover.arith.field import fr_add, fr_from_ints, fr_from_uint64, fr_mul, fr_to_ints
from zkpor.prover.exchange.snapshot import Snapshot, SnapshotError
from zkpor.prover.setup.kzg import SRS
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R
from zkpor.verifier.inclusion import check_inclusion
from zkpor.verifier.merkle import merkle_root, tree_levels
from zkpor.verifier.verify import verify

SNAP = "snap-test"
"""The snapshot id :func:`solvency_helpers.prove` uses."""
OFFSET = 1 << 127
LIMB_MASK = RANGE_SIZE - 1
CONSTRAINTS_FAIL = "constraints do not hold"
"""The verifier's message when the quotient identity fails at zeta."""


# ---------------------------------------------------------------------------
# fixtures and the cheater's toolbox
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def srs(dev_srs_dir) -> SRS:  # noqa: ANN001
    return SRS.load(dev_srs_dir(16))


@pytest.fixture(scope="module")
def honest(srs: SRS) -> tuple[Snapshot, ProofBundle]:
    return honest_margin_bundle(srs)


class Cheater(SolvencyProver):
    """The real prover without its last-line refusal of a non-polynomial quotient."""

    strict = False


def build(snapshot: Snapshot, honest: bool = True) -> Trace:
    return build_trace(snapshot, SNAP, dummy_users=2, min_log_n=16, honest=honest)


def cheat(srs: SRS, trace: Trace, prover_cls: type[SolvencyProver] = Cheater) -> ProofBundle:
    return prove(srs, None, prover_cls, trace)  # type: ignore[arg-type]


def assert_rejected(srs: SRS, bundle: ProofBundle, match: str = CONSTRAINTS_FAIL) -> None:
    with pytest.raises(VerificationError, match=match):
        verify_bundle(srs, bundle)


def with_users(extra: dict[str, list[tuple[str, int]]]) -> Snapshot:
    """The margin snapshot's users plus ``extra`` (validated like any snapshot)."""
    users: dict[str, list[tuple[str | int, int]]] = {
        uid: [(SYMBOLS[a], b) for a, b in entries]
        for uid, entries in margin_snapshot().to_users().items()
    }
    users.update(extra)
    return Snapshot.from_users(SYMBOLS, PRICES, users)


def limbs_of(value: int) -> list[int]:
    assert 0 <= value < 1 << (LIMBS * LIMB_BITS)
    return [(value >> (LIMB_BITS * k)) & LIMB_MASK for k in range(LIMBS)]


def get_limbs(trace: Trace, row: int) -> list[int]:
    return [int(trace.cols[f"l{k}"][row]) for k in range(LIMBS)]


def set_limbs(trace: Trace, row: int, limbs: list[int]) -> None:
    for k, value in enumerate(limbs):
        trace.cols[f"l{k}"][row] = value


def w_of(limbs: list[int]) -> int:
    return sum(v << (LIMB_BITS * k) for k, v in enumerate(limbs))


def fr_get(column: np.ndarray, row: int) -> int:
    return fr_to_ints(column[row : row + 1])[0]


def fr_set(column: np.ndarray, row: int, value: int) -> None:
    column[row] = fr_from_ints([value % R])[0]


def recount_m_r(trace: Trace) -> None:
    """Range multiplicities, counted honestly over the cells that are in range."""
    limbs = np.stack([trace.cols[f"l{k}"] for k in range(LIMBS)])
    counts = np.bincount(limbs[limbs < RANGE_SIZE].astype(np.int64), minlength=RANGE_SIZE)
    m_r = np.zeros(trace.n, dtype=np.uint64)
    m_r[:RANGE_SIZE] = counts[:RANGE_SIZE]
    trace.cols["m_r"] = m_r


def recount_m_t(trace: Trace) -> None:
    """Asset-tuple multiplicities, counted over the rows whose asset index is listed."""
    a, n_assets = trace.cols["a"], len(trace.prices)
    m_t = np.zeros(trace.n, dtype=np.uint64)
    m_t[:n_assets] = np.bincount(a[a < n_assets].astype(np.int64), minlength=n_assets)[:n_assets]
    trace.cols["m_t"] = m_t


def recompute_eq(trace: Trace) -> None:
    trace.eq = running_equity(trace.cols)


def set_summary_to_eq(trace: Trace, row: int) -> None:
    """Write the recomputed equity at a summary row into its limbs (what C12 asks)."""
    set_limbs(trace, row, limbs_of(fr_get(trace.eq, row)))


def row_values(trace: Trace, rows: np.ndarray) -> list[int]:
    """W = sum_k 2^(16k) l_k as exact integers (limbs may exceed 16 bits)."""
    w = np.zeros(len(rows), dtype=object)
    for k in range(LIMBS):
        w = w + trace.cols[f"l{k}"][rows].astype(object) * (1 << (LIMB_BITS * k))
    return [int(x) for x in w]


def traced_totals(trace: Trace) -> list[int]:
    """Per listed asset, the sum of V over entry rows: what the trace actually proves."""
    rows = np.flatnonzero(trace.cols["s"] == 0)
    assets = trace.cols["a"][rows]
    totals = [0] * len(trace.prices)
    for a, w in zip(assets.tolist(), row_values(trace, rows), strict=True):
        if a < len(totals):
            totals[a] += w - OFFSET
    return totals


def local_violations(trace: Trace, totals: list[int] | None = None) -> set[str]:
    """Which relations of PROTOCOL.md section 4 the round-1 witness breaks, from the trace alone.

    C1, C2, C11, C12 row by row; "range" for a limb of 16 bits or more or m_r not the
    count of the limb values; "tuple" for a row whose (a, p) is not a listed asset at
    its price or m_t not the count; "totals" when ``totals`` (default: the trace's)
    differ from what the entry rows sum to.
    """
    cols, n = trace.cols, trace.n
    s, p, a = cols["s"], cols["p"], cols["a"]
    found: set[str] = set()
    if np.any(s > 1):
        found.add("C1")
    if s[n - 1] != 1:
        found.add("C2")
    s_prev = np.roll(s, 1)
    expected = fr_add(
        fr_mul(fr_from_uint64((1 - s_prev).astype(np.uint64)), np.roll(trace.eq, 1, axis=0)),
        fr_mul(fr_from_uint64(p), entry_values(cols)),
    )
    if not np.array_equal(expected, trace.eq):
        found.add("C11")
    summary = np.flatnonzero(s)
    eqs = fr_to_ints(trace.eq[summary])
    if any(e != w % R for e, w in zip(eqs, row_values(trace, summary), strict=True)):
        found.add("C12")
    limbs = np.stack([cols[f"l{k}"] for k in range(LIMBS)])
    m_r = cols["m_r"].copy()
    recount_m_r(trace)
    if np.any(limbs >= RANGE_SIZE) or not np.array_equal(m_r, cols["m_r"]):
        found.add("range")
    cols["m_r"] = m_r
    prices = np.array(trace.prices + [0], dtype=np.uint64)
    listed = a < len(trace.prices)
    m_t = cols["m_t"].copy()
    recount_m_t(trace)
    if not listed.all() or np.any(p != prices[np.minimum(a, len(trace.prices))]):
        found.add("tuple")
    if not np.array_equal(m_t, cols["m_t"]):
        found.add("tuple")
    cols["m_t"] = m_t
    if (trace.totals if totals is None else totals) != traced_totals(trace):
        found.add("totals")
    return found


WHALE = {"whale": [("USDT", -(1 << 127)), ("USDT", (1 << 127) - 1), ("BTC", COIN)]}
"""Balances at both protocol bounds, net equity just under one BTC."""


def test_cheater_toolbox_reproduces_the_honest_trace() -> None:
    """The recounts and recomputations are exact on an honest trace (no proof needed)."""
    snapshot = with_users({"limby": [("USDT", 65_541)], **WHALE})
    trace = build(snapshot)
    before = {k: v.copy() for k, v in trace.cols.items()}
    eq = trace.eq.copy()
    assert local_violations(trace) == set()
    recount_m_r(trace)
    recount_m_t(trace)
    recompute_eq(trace)
    for name, column in before.items():
        assert np.array_equal(column, trace.cols[name]), name
    assert np.array_equal(eq, trace.eq)
    assert traced_totals(trace) == trace.totals == snapshot.totals()
    for u, uid in enumerate(snapshot.uids):
        entries, summary = user_rows(trace, uid)
        assert len(entries) == len(snapshot.user_balances(u))
        assert [int(trace.cols["a"][r]) for r in entries] == [
            a for a, _ in snapshot.user_balances(u)
        ]
        assert w_of(get_limbs(trace, summary)) == fr_get(trace.eq, summary)
        assert fr_get(trace.eq, summary) == snapshot.equities()[u]


# ---------------------------------------------------------------------------
# 1. negative net equity
# ---------------------------------------------------------------------------

UNDER = {"under": [("ETH", -COIN), ("USDT", 2_999 * COIN)]}
"""Owes 1 ETH ($3,000) and holds $2,999: net equity -$1 = -10^16 (1e-16 USD)."""
UNDER_EQUITY = -(10**16)


@pytest.fixture(scope="module")
def underwater_trace() -> Trace:
    snapshot = with_users(UNDER)
    assert snapshot.equities()[snapshot.uids.index("under")] == UNDER_EQUITY
    return build(snapshot, honest=False)


def test_1_honest_builder_refuses_negative_equity() -> None:
    with pytest.raises(TraceError, match="'under' has negative net equity -10000000000000000"):
        build(with_users(UNDER))


def test_1_negative_equity_wrapped_into_limbs_is_rejected(
    srs: SRS, underwater_trace: Trace
) -> None:
    trace = underwater_trace
    _, summary = user_rows(trace, "under")
    assert get_limbs(trace, summary) == limbs_of(UNDER_EQUITY % (1 << 128))
    assert fr_get(trace.eq, summary) == UNDER_EQUITY % R
    assert local_violations(trace) == {"C12"}
    assert_rejected(srs, cheat(srs, trace))
    # the honest (strict) prover refuses to publish this witness
    with pytest.raises(ProverError, match="breaks a constraint"):
        prove(srs, None, SolvencyProver, trace)  # type: ignore[arg-type]


def test_1_negative_equity_with_summary_eq_matching_wrapped_limbs_is_rejected(
    srs: SRS, underwater_trace: Trace
) -> None:
    trace = replace(
        underwater_trace, cols=dict(underwater_trace.cols), eq=underwater_trace.eq.copy()
    )
    _, summary = user_rows(trace, "under")
    fr_set(trace.eq, summary, UNDER_EQUITY % (1 << 128))
    assert local_violations(trace) == {"C11"}
    assert_rejected(srs, cheat(srs, trace))


# ---------------------------------------------------------------------------
# 2. a balance of 2^127 or more
# ---------------------------------------------------------------------------


def test_2_snapshot_type_cannot_hold_2_pow_127() -> None:
    with pytest.raises(SnapshotError, match="outside"):
        Snapshot.from_users(SYMBOLS, PRICES, {"x": [("USDT", 1 << 127)]})


def test_2_balance_of_2_pow_127_or_more_is_rejected(srs: SRS) -> None:
    """An entry with W = 2^128 + 5, i.e. b = 2^127 + 5 (top limb 2^16), offset by -2^127.

    The user's net equity stays small and positive, so the summary limbs, the
    running equity, the fingerprint and the published USDT total are all consistent
    with b = 2^127 + 5: only the range check can object.
    """
    trace = build(with_users(WHALE))
    (_, big, _), summary = user_rows(trace, "whale")
    assert get_limbs(trace, big) == [LIMB_MASK] * LIMBS
    forged = [5, 0, 0, 0, 0, 0, 0, RANGE_SIZE]
    assert w_of(forged) - OFFSET == (1 << 127) + 5
    set_limbs(trace, big, forged)
    recount_m_r(trace)
    recompute_eq(trace)
    set_summary_to_eq(trace, summary)
    assert fr_get(trace.eq, summary) == PRICES[2] * 5 + PRICES[0] * COIN
    trace.totals = traced_totals(trace)
    assert local_violations(trace) == {"range"}
    assert_rejected(srs, cheat(srs, trace))


# ---------------------------------------------------------------------------
# 3. a limb outside 16 bits, W unchanged
# ---------------------------------------------------------------------------


def test_3_limb_of_2_pow_16_plus_5_is_rejected(srs: SRS) -> None:
    trace = build(with_users({"limby": [("USDT", 65_541)]}))  # W = 2^127 + 2^16 + 5
    ([row], _) = user_rows(trace, "limby")
    limbs = get_limbs(trace, row)
    assert limbs[:2] == [5, 1]
    set_limbs(trace, row, [RANGE_SIZE + 5, 0, *limbs[2:]])
    assert w_of(get_limbs(trace, row)) == w_of(limbs)
    recount_m_r(trace)
    assert local_violations(trace) == {"range"}
    assert_rejected(srs, cheat(srs, trace))


class NegativeLimbCheater(Cheater):
    """Commits l0 = r - 1 and l1 + 1 at one row (W unchanged: -1 + 2^16 = 65535).

    Trace.cols are uint64 and cannot hold r - 1, so this cheater keeps the trace's
    (honest) limbs for everything derived from W, and substitutes the field vector
    only where the limb columns themselves enter: their commitments (hence every
    evaluation and the quotient) and the range helper h_r1 = 1/(beta+l0) + 1/(beta+l1).
    """

    row = -1

    def _commit(self, name: str, values: np.ndarray) -> None:
        if name == "l0":
            values = fr_from_uint64(values)
            fr_set(values, self.row, R - 1)
        elif name == "l1":
            values = values.copy()
            values[self.row] += 1
        super()._commit(name, values)

    def _lookup_helpers(self, ch, rpow, fp, summary):  # noqa: ANN001, ANN202
        out = super()._lookup_helpers(ch, rpow, fp, summary)
        beta, l1 = ch["beta"], int(self.trace.cols["l1"][self.row]) + 1
        fr_set(out["h_r1"], self.row, pow(beta + R - 1, -1, R) + pow(beta + l1, -1, R))
        return out


def test_3_negative_limb_r_minus_1_is_rejected(srs: SRS) -> None:
    trace = build(with_users({"neg": [("USDT", 65_535)]}))  # l0 = 0xffff, l1 = 0
    ([row], _) = user_rows(trace, "neg")
    assert get_limbs(trace, row)[:2] == [LIMB_MASK, 0]
    assert (R - 1) + (1 << LIMB_BITS) * 1 - R == LIMB_MASK  # W unchanged in F_r
    m_r = trace.cols["m_r"]
    m_r[LIMB_MASK] -= 1  # the l0 cell now holds r - 1, which no table row counts
    m_r[0] -= 1
    m_r[1] += 1  # the l1 cell now holds 1
    cls = type("Neg", (NegativeLimbCheater,), {"row": row})
    assert_rejected(srs, cheat(srs, trace, cls))


# ---------------------------------------------------------------------------
# 4. totals
# ---------------------------------------------------------------------------


class OffByOneTotal(Cheater):
    def statement_totals(self) -> list[int]:
        totals = super().statement_totals()
        totals[2] += 1
        return totals


def test_4_total_off_by_one_unit_is_rejected(srs: SRS) -> None:
    trace = build(margin_snapshot())
    assert local_violations(trace, [*trace.totals[:2], trace.totals[2] + 1]) == {"totals"}
    bundle = cheat(srs, trace, OffByOneTotal)
    assert bundle.statement.assets[2].total == margin_snapshot().totals()[2] + 1
    assert_rejected(srs, bundle)


def _with_asset(bundle: ProofBundle, j: int, **changes: object) -> ProofBundle:
    assets = list(bundle.statement.assets)
    assets[j] = replace(assets[j], **changes)
    return replace(bundle, statement=replace(bundle.statement, assets=tuple(assets)))


def test_4_valid_proof_checked_against_another_statement_is_rejected(srs: SRS, honest) -> None:  # noqa: ANN001
    _, bundle = honest
    verify_bundle(srs, bundle)
    a0 = bundle.statement.assets[0]
    others = [
        _with_asset(bundle, 0, total=a0.total + 1),
        _with_asset(bundle, 2, total=bundle.statement.assets[2].total - 1),
        _with_asset(bundle, 0, price=a0.price + 1),
        _with_asset(bundle, 1, price=0),
        _with_asset(bundle, 0, symbol="WBTC"),
        replace(bundle, statement=replace(bundle.statement, snapshot_id="snap-other")),
        replace(bundle, statement=replace(bundle.statement, snapshot_time="2026-11-25T00:00:00Z")),
    ]
    # the assets in another order: same multiset of (symbol, price, total)
    st_ = bundle.statement
    others.append(replace(bundle, statement=replace(st_, assets=tuple(reversed(st_.assets)))))
    for other in others:
        with pytest.raises(VerificationError, match=CONSTRAINTS_FAIL):
            verify_bundle(srs, other)


# ---------------------------------------------------------------------------
# 5, 6. asset tuple lookup: wrong price, unlisted asset
# ---------------------------------------------------------------------------


def test_5_price_not_matching_the_asset_is_rejected(srs: SRS) -> None:
    """The underwater user's ETH debt valued at $2,999: net equity 0, summary consistent."""
    trace = build(with_users(UNDER), honest=False)
    (eth_row, _), summary = user_rows(trace, "under")
    assert trace.cols["a"][eth_row] == 1 and trace.cols["p"][eth_row] == PRICES[1]
    trace.cols["p"][eth_row] = 2_999 * COIN
    recompute_eq(trace)
    assert fr_get(trace.eq, summary) == 0
    set_summary_to_eq(trace, summary)
    recount_m_r(trace)
    assert local_violations(trace) == {"tuple"}
    assert_rejected(srs, cheat(srs, trace))


def test_6_entry_with_unlisted_asset_index_is_rejected(srs: SRS) -> None:
    """Hide the underwater user's ETH debt in asset index A = 3 (priced 0), offset by a
    padding row holding +1 of the same unlisted asset, so the rho^(A+1) terms of the
    grand sum cancel and the ETH total simply drops the debt: only the asset tuple
    lookup can object.
    """
    n_assets = len(SYMBOLS)
    trace = build(with_users(UNDER), honest=False)
    (eth_row, _), summary = user_rows(trace, "under")
    pad = trace.n - 2  # a padding entry row (b = 0) in the padding segment
    assert trace.cols["s"][pad] == 0 and w_of(get_limbs(trace, pad)) == OFFSET
    for row in (eth_row, pad):
        trace.cols["a"][row] = n_assets
        trace.cols["p"][row] = 0
    set_limbs(trace, pad, limbs_of(OFFSET + COIN))
    recount_m_t(trace)
    recompute_eq(trace)
    set_summary_to_eq(trace, summary)
    recount_m_r(trace)
    assert fr_get(trace.eq, summary) == 2_999 * COIN * PRICES[2]
    assert fr_get(trace.eq, trace.n - 1) == 0
    trace.totals = traced_totals(trace)
    assert trace.totals[1] == margin_snapshot().totals()[1]  # the debt is not in the ETH total
    assert local_violations(trace) == {"tuple"}
    assert_rejected(srs, cheat(srs, trace))


def test_6_snapshot_type_refuses_unlisted_asset_index() -> None:
    with pytest.raises(SnapshotError, match="out of range"):
        Snapshot.from_users(SYMBOLS, PRICES, {"x": [(len(SYMBOLS), 1)]})


# ---------------------------------------------------------------------------
# 7. user inclusion
# ---------------------------------------------------------------------------


def test_7_balance_changed_after_publication_fails_inclusion(srs: SRS, honest) -> None:  # noqa: ANN001
    snapshot, bundle = honest
    verified = verify_bundle(srs, bundle)
    levels = tree_levels(bundle.fingerprints)
    for u in range(snapshot.n_users):
        record = inclusion_record(bundle, snapshot, u, levels)
        assert check_inclusion(record, verified).equity == snapshot.equities()[u]
        if not record.balances:
            changed = (("USDT", 1),)
        else:
            (sym, amount), *rest = record.balances
            changed = ((sym, amount + 1), *rest)
        with pytest.raises(VerificationError, match="not in the published list"):
            check_inclusion(replace(record, balances=changed), verified)


def test_7_exchange_proving_a_different_balance_than_the_users_file_fails(
    srs: SRS,
    honest,  # noqa: ANN001
) -> None:
    """The proof covers alice with 2 BTC; her account (and her file) says 3 BTC."""
    proven, bundle = honest
    books = proven.to_users()
    books["alice"] = [(0, 3 * COIN), *books["alice"][1:]]
    real = Snapshot.from_users(SYMBOLS, PRICES, books)
    verified = verify_bundle(srs, bundle)
    levels = tree_levels(bundle.fingerprints)
    alice = proven.uids.index("alice")
    with pytest.raises(VerificationError, match="not in the published list"):
        check_inclusion(inclusion_record(bundle, real, alice, levels), verified)
    # her file pointing at another user's leaf fails too
    record = inclusion_record(bundle, real, alice, levels)
    for leaf in range(len(bundle.fingerprints)):
        with pytest.raises(VerificationError):
            check_inclusion(replace(record, leaf_index=leaf), verified)
    # the file with the proven balances checks, and shows her the understated balance
    shown = check_inclusion(inclusion_record(bundle, proven, alice, levels), verified)
    assert dict((s, b) for s, b, _ in shown.balances) != dict(user_balances(real, alice))
    # nobody else notices
    for u, uid in enumerate(real.uids):
        if uid != "alice":
            check_inclusion(inclusion_record(bundle, real, u, levels), verified)


# ---------------------------------------------------------------------------
# 8. the fingerprint list F
# ---------------------------------------------------------------------------


def _random_fp() -> int:
    return secrets.randbelow(R)


class ExtraFingerprint(Cheater):
    def published_count(self, summary_rows: int) -> int:
        return summary_rows + 1

    def published_fingerprints(self, fingerprints: list[int]) -> list[int]:
        return sorted([*fingerprints, _random_fp()])


class MissingFingerprint(Cheater):
    def published_count(self, summary_rows: int) -> int:
        return summary_rows - 1

    def published_fingerprints(self, fingerprints: list[int]) -> list[int]:
        return sorted(fingerprints)[1:]


class DuplicatedFingerprint(Cheater):
    def published_fingerprints(self, fingerprints: list[int]) -> list[int]:
        return sorted([*fingerprints, fingerprints[0]])


class ReplacedFingerprint(Cheater):
    def published_fingerprints(self, fingerprints: list[int]) -> list[int]:
        fps = sorted(fingerprints)
        fps[len(fps) // 2] = _random_fp()
        return sorted(fps)


@pytest.mark.parametrize(
    ("prover_cls", "delta"),
    [(ExtraFingerprint, 1), (MissingFingerprint, -1), (ReplacedFingerprint, 0)],
    ids=["extra", "missing", "replaced"],
)
def test_8_fingerprint_list_not_the_summary_rows_is_rejected(
    srs: SRS, prover_cls: type[SolvencyProver], delta: int
) -> None:
    trace = build(margin_snapshot())
    bundle = cheat(srs, trace, prover_cls)
    assert bundle.statement.n_u == trace.n_summary + delta
    assert sorted(set(bundle.fingerprints)) == bundle.fingerprints  # strictly ascending
    assert_rejected(srs, bundle)


def test_8_prover_refuses_a_list_longer_than_the_promised_count(srs: SRS) -> None:
    """n_u is absorbed in R0: publishing another count than promised cannot even be proved."""

    class UnannouncedExtra(ExtraFingerprint):
        def published_count(self, summary_rows: int) -> int:
            return summary_rows

    with pytest.raises(ProverError, match="promised"):
        cheat(srs, build(margin_snapshot()), UnannouncedExtra)


def test_8_duplicated_fingerprint_is_rejected(srs: SRS, honest) -> None:  # noqa: ANN001
    """F with one fingerprint twice (n_u and the root updated to match). The verifier
    rejects a list that is not strictly ascending before it reads the proof, so this
    uses the honest proof instead of spending one on the cheater's (same statement/F)."""
    _, bundle = honest
    fps = DuplicatedFingerprint.published_fingerprints(None, list(bundle.fingerprints))  # type: ignore[arg-type]
    assert len(fps) == len(set(fps)) + 1
    statement = replace(bundle.statement, n_u=len(fps), merkle_root=merkle_root(fps))
    cheat_bundle = replace(bundle, statement=statement, fingerprints=fps)
    assert_rejected(srs, cheat_bundle, "not strictly ascending")


# ---------------------------------------------------------------------------
# 9, 10. summary rows
# ---------------------------------------------------------------------------


def test_9_summary_equity_larger_than_its_entries_is_rejected(srs: SRS) -> None:
    trace = build(margin_snapshot())
    _, summary = user_rows(trace, "bob")
    inflated = fr_get(trace.eq, summary) + 10**20
    fr_set(trace.eq, summary, inflated)
    set_limbs(trace, summary, limbs_of(inflated))
    recount_m_r(trace)
    assert local_violations(trace) == {"C11"}
    assert_rejected(srs, cheat(srs, trace))


def test_10_last_row_not_a_summary_row_is_rejected(srs: SRS) -> None:
    """Row N-1 turned into a padding entry row (b = 0, mask 0): the padding segment sums
    to zero, so the cyclic wrap into row 0 keeps C11 and C13; F loses the padding
    fingerprint consistently. Only C2 objects."""
    trace = build(margin_snapshot())
    last = trace.n - 1
    trace.cols["s"][last] = 0
    set_limbs(trace, last, limbs_of(OFFSET))
    trace.cols["a"][last] = 0
    trace.cols["p"][last] = PRICES[0]
    fr_set(trace.mask, last, 0)
    recount_m_r(trace)
    recount_m_t(trace)
    recompute_eq(trace)
    assert fr_get(trace.eq, last) == 0
    assert local_violations(trace) == {"C2"}
    bundle = cheat(srs, trace)
    assert bundle.statement.n_u == margin_snapshot().n_users + 2
    assert_rejected(srs, bundle)


# ---------------------------------------------------------------------------
# 11. the SRS
# ---------------------------------------------------------------------------


def test_11_proof_made_with_another_srs_is_rejected(srs: SRS, dev_srs_dir, honest) -> None:  # noqa: ANN001
    """The prover commits with the SRS of dev seed "other" but names the original digest:
    transcript, challenges and the constraint identity are all consistent, so only the
    KZG pairing check can tell. Then the same proof in the other ways it can be presented."""
    other = SRS.load(dev_srs_dir(16, "other"))
    assert other.digest != srs.digest
    impostor = replace(other, vk=srs.vk)
    bundle = prove(impostor, margin_snapshot())
    assert bundle.statement.srs_digest == srs.digest
    assert_rejected(srs, bundle, "pairing check fails")
    fps = b"".join(f.to_bytes(32, "big") for f in bundle.fingerprints)
    # control: the proof is valid for the other SRS's points (key relabelled to the digest)
    verify(bundle.statement, fps, bundle.proof, replace(other.vk, digest=srs.digest))
    # published as what it is (naming the other SRS): digest mismatch against the original key
    theirs = replace(bundle.statement, srs_digest=other.digest)
    with pytest.raises(VerificationError, match="digest mismatch"):
        verify(theirs, fps, bundle.proof, srs.vk)
    # ... and against the other key the transcript no longer matches
    with pytest.raises(VerificationError, match=CONSTRAINTS_FAIL):
        verify(theirs, fps, bundle.proof, other.vk)
    # its proof against the original (honest) statement and F
    _, ours = honest
    ours_fps = b"".join(f.to_bytes(32, "big") for f in ours.fingerprints)
    with pytest.raises(VerificationError, match=CONSTRAINTS_FAIL):
        verify(ours.statement, ours_fps, bundle.proof, srs.vk)
    # the honest proof against the other key
    with pytest.raises(VerificationError, match="digest mismatch"):
        verify_bundle(other, ours)


# ---------------------------------------------------------------------------
# Completeness with hypothesis
# ---------------------------------------------------------------------------

H_SYMBOLS = ["BTC", "ETH", "USDT", "ZERO"]
H_PRICES = [*PRICES, 0]
"""ZERO has price 0, so balances up to the protocol bounds +-2^127 keep equity small."""
MAX_B = (1 << 127) - 1
MIN_B = -(1 << 127)


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[Snapshot, int]:
    amount = st.integers(-(10**12), 10**12)
    users: dict[str, list[tuple[int, int]]] = {}

    def add(entries: list[tuple[int, int]]) -> None:
        """Top up USDT so net equity is >= 0 (the honest exchange's users)."""
        equity = sum(H_PRICES[a] * b for a, b in entries)
        if equity < 0:
            entries.append((2, -equity // PRICES[2] + 1))
        users[f"u{len(users)}-{draw(st.integers(0, 10**6))}"] = entries

    # a negative single-asset balance (short ETH), covered by USDT
    add([(1, -draw(st.integers(1, 10**10)))])
    # empty users
    for _ in range(draw(st.integers(1, 3))):
        add([])
    # many entries, one asset held twice, extreme balances in the zero-priced asset
    many = [(draw(st.integers(0, 3)), draw(amount)) for _ in range(draw(st.integers(20, 120)))]
    add([*many, (0, draw(amount)), (0, draw(amount)), (3, MAX_B), (3, MIN_B)])
    # equity just below 2^128 and exactly 0
    add([(2, ((1 << 128) - 1) // PRICES[2])])
    add([(1, -COIN), (2, 3_000 * COIN)])
    for _ in range(draw(st.integers(0, 6))):
        entries = [(draw(st.integers(0, 3)), draw(amount)) for _ in range(draw(st.integers(0, 5)))]
        add(entries)
    uids = list(users)
    order = draw(st.permutations(uids))
    snapshot = Snapshot.from_users(H_SYMBOLS, H_PRICES, {u: users[u] for u in order})
    return snapshot, draw(st.integers(0, 3))


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=snapshots())
def test_random_honest_snapshots_verify_and_every_user_checks(srs: SRS, case) -> None:  # noqa: ANN001
    snapshot, dummies = case
    equities = snapshot.equities()
    assert min(equities) >= 0 and max(equities) < 1 << 128
    trace = build_trace(snapshot, SNAP, dummy_users=dummies, min_log_n=16)
    assert local_violations(trace) == set()
    bundle = prove(srs, snapshot, trace=trace)
    verified = verify_bundle(srs, bundle)
    st_ = verified.statement
    assert [a.total for a in st_.assets] == snapshot.totals()
    assert st_.n_u == snapshot.n_users + dummies + 1
    levels = tree_levels(bundle.fingerprints)
    for u in range(snapshot.n_users):
        result = check_inclusion(inclusion_record(bundle, snapshot, u, levels), verified)
        assert result.equity == equities[u]
