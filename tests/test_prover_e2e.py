"""Completeness: honest snapshots prove and verify; users' inclusion files check out."""

from __future__ import annotations

import pytest
from solvency_helpers import (
    COIN,
    PRICES,
    SYMBOLS,
    keyed_commitments,
    margin_snapshot,
    prove,
    user_rows,
    verify_bundle,
)

from zkpor.circuits.solvency import OPENED_AT_ZETA, RANGE_SIZE
from zkpor.prover.argument.publish import inclusion_record
from zkpor.prover.argument.trace import TraceError, build_trace
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.prover.setup.kzg import SRS
from zkpor.verifier.inclusion import check_inclusion
from zkpor.verifier.merkle import tree_levels
from zkpor.verifier.proof import PROOF_BYTES, Proof


@pytest.fixture(scope="module")
def srs(dev_srs_dir) -> SRS:  # noqa: ANN001
    return SRS.load(dev_srs_dir(16))


@pytest.fixture(scope="module")
def honest(srs: SRS):  # noqa: ANN201
    snapshot = margin_snapshot()
    return snapshot, prove(srs, snapshot)


def test_honest_proof_verifies(srs: SRS, honest) -> None:  # noqa: ANN001
    snapshot, bundle = honest
    verified = verify_bundle(srs, bundle)
    st = verified.statement
    assert [a.total for a in st.assets] == snapshot.totals()
    assert st.n == 1 << 16
    assert st.n_u == snapshot.n_users + 2 + 1  # users, dummies, padding row
    assert len(bundle.proof.to_bytes()) == PROOF_BYTES <= 4096
    assert Proof.from_bytes(bundle.proof.to_bytes()) == bundle.proof


def test_every_user_checks_inclusion(srs: SRS, honest) -> None:  # noqa: ANN001
    snapshot, bundle = honest
    verified = verify_bundle(srs, bundle)
    levels = tree_levels(bundle.fingerprints)
    for u, uid in enumerate(snapshot.uids):
        result = check_inclusion(inclusion_record(bundle, snapshot, u, levels), verified)
        assert result.uid == uid
        assert result.equity == snapshot.equities()[u]
    bob = check_inclusion(inclusion_record(bundle, snapshot, 1, levels), verified)
    assert dict((s, b) for s, b, _ in bob.balances) == {"ETH": -3 * COIN, "USDT": 12_300 * COIN}


def test_proofs_are_randomised(srs: SRS, honest) -> None:  # noqa: ANN001
    snapshot, bundle = honest
    again = prove(srs, snapshot)
    verify_bundle(srs, again)
    assert set(again.fingerprints).isdisjoint(bundle.fingerprints)
    for name in OPENED_AT_ZETA:
        assert again.proof.commitments[name] != bundle.proof.commitments[name], name


def test_honest_builder_refuses_negative_equity() -> None:
    snapshot = Snapshot.from_users(
        SYMBOLS, PRICES, {"ok": [("USDT", COIN)], "under": [("ETH", -COIN), ("USDT", 2_999 * COIN)]}
    )
    with pytest.raises(TraceError, match="'under' has negative net equity"):
        build_trace(snapshot, "snap")


def test_user_file_with_changed_balance_fails(srs: SRS, honest) -> None:  # noqa: ANN001
    from dataclasses import replace

    from zkpor.verifier.errors import VerificationError

    snapshot, bundle = honest
    verified = verify_bundle(srs, bundle)
    record = inclusion_record(bundle, snapshot, 0, tree_levels(bundle.fingerprints))
    (sym, amount), *rest = record.balances
    for balances in (((sym, amount + 1), *rest), tuple(rest), (*record.balances, ("ETH", 1))):
        with pytest.raises(VerificationError):
            check_inclusion(replace(record, balances=balances), verified)
    with pytest.raises(VerificationError):
        check_inclusion(replace(record, uid=record.uid + "x"), verified)
    with pytest.raises(VerificationError):
        check_inclusion(replace(record, salt=bytes(32)), verified)


V1_KEYED = {
    *(f"l{k}" for k in range(8)),
    "a",
    "p",
    "rpow",
    *(f"h_r{k}" for k in range(1, 5)),
    "h_t",
}


def test_columns_of_small_keys_commit_through_buckets(
    srs: SRS, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = build_trace(margin_snapshot(), "snap-test", dummy_users=2, min_log_n=16)
    assert keyed_commitments(srs, trace, monkeypatch) == V1_KEYED


def test_off_range_limb_commits_row_by_row(srs: SRS, monkeypatch: pytest.MonkeyPatch) -> None:
    """A limb of 2^16 + 5 (test_soundness case 3): l0 and h_r1 are committed plainly."""
    trace = build_trace(margin_snapshot(), "snap-test", dummy_users=2, min_log_n=16)
    row = user_rows(trace, "bob")[0][0]
    trace.cols["l0"][row] += RANGE_SIZE
    trace.cols["l1"][row] -= 1
    assert keyed_commitments(srs, trace, monkeypatch) == V1_KEYED - {"l0", "h_r1"}


def test_prover_inverse_sum_is_the_verifiers(honest) -> None:  # noqa: ANN001
    """sigma / N from the prover's batched sum of 1/(beta + f) equals the verifier's."""
    import random

    from zkpor.prover.argument.prove import ProverError, SolvencyProver
    from zkpor.verifier.field import R
    from zkpor.verifier.public_inputs import sigma_over_n, sigma_over_n_from

    _, bundle = honest
    rng = random.Random(5)
    ch = {k: rng.randrange(R) for k in ("rho", "beta", "gamma")}
    fps = bundle.fingerprints + [R - 1, 0, 1]
    inverse_sum = SolvencyProver._inverse_sum(fps, ch["beta"])
    assert sigma_over_n_from(bundle.statement, inverse_sum, ch) == sigma_over_n(
        bundle.statement, fps, ch
    )
    assert SolvencyProver._inverse_sum([], ch["beta"]) == 0
    with pytest.raises(ProverError):
        SolvencyProver._inverse_sum([5, (R - ch["beta"]) % R], ch["beta"])


def test_prover_public_evaluations_are_the_verifiers(honest) -> None:  # noqa: ANN001
    """The prover's batched Lagrange values give the verifier's tab, tT and L_{N-1}."""
    import random

    from zkpor.prover.argument.prove import SolvencyProver
    from zkpor.verifier.errors import VerificationError
    from zkpor.verifier.field import R
    from zkpor.verifier.public_inputs import public_evaluations

    _, bundle = honest
    rng = random.Random(7)
    for zeta in (rng.randrange(R), R - 2, 2):
        ch = {"zeta": zeta, "rho": rng.randrange(R), "eta": rng.randrange(R)}
        want = public_evaluations(bundle.statement, ch)
        assert SolvencyProver._public_evaluations(bundle.statement, ch) == want
    for check in (public_evaluations, SolvencyProver._public_evaluations):
        with pytest.raises(VerificationError):
            check(bundle.statement, {"zeta": 1, "rho": 3, "eta": 5})
