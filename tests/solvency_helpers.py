"""Shared helpers for prover/verifier tests: small snapshots, proving and verifying in memory."""

from __future__ import annotations

import numpy as np
import pytest

from zkpor.prover.argument.prove import ProofBundle, SolvencyProver
from zkpor.prover.argument.trace import Trace, build_trace
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.prover.setup import kzg
from zkpor.prover.setup.kzg import SRS, Point, commit_evals, commit_evals_small
from zkpor.verifier.verify import Verified, verify

SYMBOLS = ["BTC", "ETH", "USDT"]
PRICES = [9_000_000_000_000, 300_000_000_000, 100_000_000]
"""$90,000 per BTC, $3,000 per ETH, $1 per USDT, in 1e-8 USD."""
COIN = 10**8


def margin_snapshot() -> Snapshot:
    """Margin short, a loan, an empty user, one asset held twice, dust."""
    return Snapshot.from_users(
        SYMBOLS,
        PRICES,
        {
            "alice": [("BTC", 2 * COIN), ("USDT", 1_000 * COIN)],
            "bob": [("ETH", -3 * COIN), ("USDT", 12_300 * COIN)],
            "carol": [("BTC", 0), ("USDT", 5_000 * COIN)],
            "dave": [],
            "erin": [("ETH", COIN), ("ETH", 2 * COIN), ("USDT", 1)],
        },
    )


def prove(
    srs: SRS,
    snapshot: Snapshot,
    prover_cls: type[SolvencyProver] = SolvencyProver,
    trace: Trace | None = None,
) -> ProofBundle:
    trace = trace or build_trace(snapshot, "snap-test", dummy_users=2, min_log_n=srs.log_n)
    return prover_cls(srs, trace, "snap-test", "2026-11-24T00:00:00Z").prove()


def user_rows(trace: Trace, uid: str) -> tuple[list[int], int]:
    """(entry rows in row order, summary row) of a real user."""
    summary = int(trace.summary_row[trace.uids.index(uid)])
    start = summary
    while start > 0 and trace.cols["s"][start - 1] == 0:
        start -= 1
    return list(range(start, summary)), summary


def verify_bundle(srs: SRS, bundle: ProofBundle) -> Verified:
    fps = b"".join(f.to_bytes(32, "big") for f in bundle.fingerprints)
    return verify(bundle.statement, fps, bundle.proof, srs.vk)


_HONEST: dict[str, tuple[Snapshot, ProofBundle]] = {}


def honest_margin_bundle(srs: SRS) -> tuple[Snapshot, ProofBundle]:
    """One honest proof of :func:`margin_snapshot` per SRS directory, shared across modules.

    Callers must not mutate the bundle (copy with dataclasses.replace instead).
    """
    key = str(srs.path)
    if key not in _HONEST:
        snapshot = margin_snapshot()
        _HONEST[key] = (snapshot, prove(srs, snapshot))
    return _HONEST[key]


class _Stop(Exception):
    pass


def keyed_commitments(srs: SRS, trace: Trace, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Rounds 1-3 of the prover on ``trace``: the columns committed through key buckets.

    Every column's commitment is checked against ``commit_evals`` on the way.
    """
    found: list[bool] = []
    real = kzg.keyed_table

    def spy(*args: object, **kwargs: object) -> np.ndarray | None:
        table = real(*args, **kwargs)  # type: ignore[arg-type]
        found.append(table is not None)
        return table

    monkeypatch.setattr(kzg, "keyed_table", spy)
    keyed: set[str] = set()

    class Recorder(SolvencyProver):
        strict = False

        def _commitment(self, name: str, values: np.ndarray) -> Point:
            if name == "g":
                raise _Stop
            found.clear()
            point = super()._commitment(name, values)
            plain = commit_evals_small if values.ndim == 1 else commit_evals
            assert point == plain(self.srs, values), name
            if found == [True]:
                keyed.add(name)
            return point

    with pytest.raises(_Stop):
        Recorder(srs, trace, "snap-test", "2026-11-24T00:00:00Z").prove()
    return keyed
