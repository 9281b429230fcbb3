"""`zkpor bench phases`: the per-round clock, the commit export and the report tables."""

from __future__ import annotations

import time

import numpy as np

from benches.prover_phases import PHASES, PhaseClock, markdown, median_run, prove_point
from benches.sweep import export_commit


def test_phase_clock_splits_time_and_tracks_each_phase_peak() -> None:
    clock = PhaseClock()
    clock.enter("round 1")
    time.sleep(0.05)
    clock.enter("round 2")
    ballast = np.ones(64 << 20, dtype=np.uint8)  # 64 MiB resident in round 2 only
    time.sleep(0.05)
    del ballast
    clock.enter("round 3")
    clock.close()
    assert clock.seconds["round 1"] >= 0.04 and clock.seconds["round 2"] >= 0.04
    assert clock.peak["round 2"] >= clock.peak["round 1"] + 50


def test_export_commit_and_report(tmp_path) -> None:  # noqa: ANN001
    root, commit, created = export_commit("HEAD", tmp_path)
    assert (root / "zkpor" / "prover" / "argument" / "prove.py").exists() and created
    assert export_commit(commit, tmp_path) == (root, commit, False)
    point = prove_point(50)
    assert point["log_n"] == 16 and point["proof_bytes"] == 3048
    assert set(point["phases"]) == set(PHASES)
    assert (
        point["prove_s"] > 0 and point["peak_rss_mb"] >= point["phases"]["round 5"]["peak_rss_mb"]
    )
    result = {"before": {"commit": "aaa"}, "after": {"commit": commit}, "msm_full_s": 2.0,
              "msm_load": 0.5, "points": [{"before": point, "after": point}]}  # fmt: skip
    text = markdown(result)
    assert "### N = 2^16 (50 users x 2 entries)" in text
    assert "| round 5 |" in text and "1.00x" in text


def test_median_run_keeps_one_runs_rounds_and_every_sample() -> None:
    runs = [{"prove_s": t, "peak_rss_mb": 100 + i, "load_avg": [1.0, 1.0], "tag": i}
            for i, t in enumerate([3.0, 1.0, 2.0, 9.0])]  # fmt: skip
    pick = median_run(runs)
    assert pick["tag"] == 2 and pick["prove_s"] == 2.0  # lower middle of 1, 2, 3, 9
    assert [s["prove_s"] for s in pick["samples"]] == [3.0, 1.0, 2.0, 9.0]
    assert median_run(runs[:3])["tag"] == 2
    point = {"before": pick, "after": median_run(runs[:3])}
    for side in point.values():
        side.update(log_n=16, users=50, verify_s=0.5, proof_bytes=3048,
                    phases={p: {"s": 0.1, "peak_rss_mb": 100} for p in PHASES})  # fmt: skip
    text = markdown({"before": {"commit": "a"}, "after": {"commit": "b"}, "msm_full_s": 1.0,
                     "msm_load": 0.5, "points": [point]})  # fmt: skip
    assert "median of 3 runs" in text and "before: 3.00, 1.00, 2.00, 9.00" in text
