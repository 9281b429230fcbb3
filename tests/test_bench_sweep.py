"""The sweep machinery on a one-point grid: results JSON, markdown tables, plots (no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benches.sweep import (
    MARK_END,
    MARK_START,
    PLOTS,
    GridPoint,
    full_grid,
    quick_grid,
    run_in_process,
    sweep,
)
from zkpor.prover.exchange.synth import synth_snapshot

POINT = GridPoint(100, 1, 5)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep")
    sweep([POINT], out, runner=run_in_process, warm=False)
    return out


def test_results_json_keys(swept: Path) -> None:
    data = json.loads((swept / "results.json").read_text())
    rec = data["points"][POINT.key]
    assert rec["point"] == {"users": 100, "entries_per_user": 1, "assets": 5}
    assert {"commit", "dirty", "load_avg_1m", "mem_available_mb"} <= rec["env"].keys()
    prove = rec["prove"]
    assert prove["status"] == "ok" and prove["n_users"] == 100 and prove["rows"] == 200
    for key in ("prove_s", "verify_s", "peak_rss_mb", "proof_bytes", "statement_bytes",
                "fingerprints_bytes", "inclusion_bytes", "users_per_s"):  # fmt: skip
        assert key in prove
    assert {"msm_s", "ntt_s", "quotient_s", "open_s", "trace_s"} <= prove[
        "prover_breakdown_s"
    ].keys()
    assert {"cores", "cpu", "commit"} <= prove["machine"].keys()
    assert len(prove["runs"]) == 1 and prove["runs"][0]["prove_s"] == prove["prove_s"]
    mst = rec["mst"]
    assert mst["status"] == "ok" and mst["depth"] == 7  # 100 leaves padded to 128
    assert mst["sibling_sums_revealed"] == 7 * 5
    uid = synth_snapshot(100, 5, 1, 1).uids[0].encode()
    # nonce, uid (length + bytes), balances, index, 7 siblings (hash + 5 sums)
    assert mst["inclusion_bytes"] == 32 + 4 + len(uid) + 5 * 32 + 8 + 7 * (32 + 5 * 32)


def test_markdown_and_readme(swept: Path) -> None:
    md = (swept / "results.md").read_text()
    assert "| users | entries/user | assets |" in md and "| 100 | 1 | 5 |" in md
    assert "Merkle sum tree" in md and "Where the prover's time goes" in md
    readme = (swept / "README.md").read_text()
    assert MARK_START in readme and MARK_END in readme and "| 100 | 1 | 5 |" in readme


def test_plots_written(swept: Path) -> None:
    for name in PLOTS:
        assert (swept / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_merge_keeps_points_and_readme_text(swept: Path) -> None:
    data = json.loads((swept / "results.json").read_text())
    big = json.loads(json.dumps(data["points"][POINT.key]))
    big["point"]["users"] = 10**6
    data["points"]["u1000000-e1-a5"] = big
    (swept / "results.json").write_text(json.dumps(data))
    readme = swept / "README.md"
    readme.write_text(
        "# Study\n\nreading above\n\n" + readme.read_text().split("\n", 2)[2] + "\nend"
    )
    sweep([POINT], swept, runner=run_in_process, plots=False, warm=False)  # already done: skipped
    merged = json.loads((swept / "results.json").read_text())["points"]
    assert set(merged) == {POINT.key, "u1000000-e1-a5"}
    text = readme.read_text()
    assert text.startswith("# Study\n\nreading above") and text.rstrip().endswith("end")
    assert "| 1,000,000 | 1 | 5 |" in text


def test_grids() -> None:
    full = full_grid()
    assert len(full) == len(set(full)) == 12
    assert {p.users for p in full} == {10**3, 10**4, 10**5, 10**6}
    assert GridPoint(10**6, 2, 50) in full and GridPoint(10**5, 5, 50) in full
    assert all(p.users <= 10**4 for p in quick_grid())
