"""`zkpor bench haircuts`: the cost of collateral haircuts (issue 15).

Three variants per domain size, each in a fresh subprocess, one after another on the same
machine: *before* (a checkout of the branch point, with its own venv, given by
``--baseline``), *after without tiers* (this checkout, no tier table: the V1 circuit)
and *after with tiers* (this checkout, docs/haircuts-example.csv: the tiered circuit).
Every run proves ``synth_snapshot(users, 20 assets, 2 entries, seed 1)`` (users whose
collateral after haircuts misses their debt are left out in every variant, so all three
prove the same users; written once as CSV and read by each run), after an untimed
warm-up proof at N = 2^16 that loads the numba caches. The 1-minute load average is recorded before each run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from benches.prove import machine_info

CHECKOUT = Path(__file__).resolve().parents[1]
EXAMPLE = CHECKOUT / "docs" / "haircuts-example.csv"

RUNNER = r"""
import json, sys, tempfile, time
from pathlib import Path
from zkpor.prover.cli.prove import prove_snapshot
from zkpor.prover.exchange.ingest import load_prices, load_snapshot

snapshot_csv, warm_csv, prices_csv, srs_dir, warm_srs, tiers_csv = sys.argv[1:7]
prices = load_prices(prices_csv)
kw = {}
if tiers_csv:
    from zkpor.prover.exchange.haircuts import load_haircuts
    kw["tiers"] = load_haircuts(tiers_csv, list(prices), ignore_unknown=True)
snap = load_snapshot(snapshot_csv, prices)
with tempfile.TemporaryDirectory() as tmp:
    small = load_snapshot(warm_csv, prices)
    prove_snapshot(small, Path(warm_srs), Path(tmp) / "warm", "warm", 0, quiet=True, **kw)
    start = time.perf_counter()
    bundle = prove_snapshot(snap, Path(srs_dir), Path(tmp) / "out", "bench", 0, quiet=True, **kw)
    prove_s = time.perf_counter() - start
    proof = (Path(tmp) / "out" / "public" / "proof.bin").stat().st_size
print(json.dumps({
    "users": snap.n_users, "entries": snap.n_entries, "rows": snap.n_entries + snap.n_users,
    "N": bundle.statement.n, "prove_s": round(prove_s, 3), "proof_bytes": proof,
    "breakdown_s": {k: round(v, 3) for k, v in bundle.timings.items()},
}))
"""


def solvent_snapshot(users: int, seed: int, path: Path, prices_path: Path) -> None:
    """synth_snapshot(users, 20, 2, seed) without the users failing the example haircuts,
    written as CSV so that every variant (the baseline too) proves the same users."""
    from zkpor.circuits.haircuts import haircut_summary
    from zkpor.prover.exchange.haircuts import load_haircuts
    from zkpor.prover.exchange.ingest import write_prices_csv, write_snapshot_csv
    from zkpor.prover.exchange.snapshot import Snapshot
    from zkpor.prover.exchange.synth import synth_snapshot

    snap = synth_snapshot(users, 20, 2, seed)
    tiers = load_haircuts(EXAMPLE, snap.symbols, ignore_unknown=True)
    keep = {}
    for u, uid in enumerate(snap.uids):
        entries = snap.user_balances(u)
        if haircut_summary(entries, snap.prices, tiers).equity >= 0:
            keep[uid] = entries
    if len(keep) != snap.n_users:
        snap = Snapshot.from_users(snap.symbols, snap.prices, keep)
    write_snapshot_csv(snap, path)
    write_prices_csv(snap.symbols, snap.prices, prices_path)


def dev_srs_dir(log_n: int) -> Path:
    from benches.prove import cached_dev_srs

    return cached_dev_srs(log_n)


def run_variant(python: str, cwd: Path, data: Path, log_n: int, tiers: bool) -> dict[str, Any]:
    load = os.getloadavg()[0]
    args = [python, "-c", RUNNER, str(data / f"snap{log_n}.csv"), str(data / "warm.csv")]
    args += [str(data / "prices.csv"), str(dev_srs_dir(log_n)), str(dev_srs_dir(16))]
    args += [str(EXAMPLE) if tiers else ""]
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if out.returncode:
        raise click.ClickException(f"benchmark run failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_1min"] = round(load, 2)
    result["us_per_row"] = round(1e6 * result["prove_s"] / result["rows"], 2)
    return result


USERS = {16: 20_000, 20: 300_000}
"""Users per domain size: 2 entries each plus a summary row, N = 2^16 and 2^20."""


@click.command("haircuts")
@click.option(
    "--baseline",
    required=True,
    type=click.Path(path_type=Path),
    help="A checkout of the commit before haircuts, with its own .venv (pip install -e '.[prover]').",
)
@click.option("--log-n", "log_ns", multiple=True, type=click.Choice(["16", "20"]), default=["16"])
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1, 5))
@click.option("--json", "json_out", type=click.Path(path_type=Path))
def bench_haircuts(
    baseline: Path, log_ns: tuple[str, ...], repeat: int, json_out: Path | None
) -> None:
    """Prove time with and without tiers, before and after issue 15 (same machine, same run)."""
    base_python = str(baseline.resolve() / ".venv" / "bin" / "python")
    points = []
    data = Path(tempfile.mkdtemp(prefix="zkpor-bench-haircuts-"))
    solvent_snapshot(200, 2, data / "warm.csv", data / "prices.csv")
    for log_n in (int(x) for x in log_ns):
        solvent_snapshot(USERS[log_n], 1, data / f"snap{log_n}.csv", data / "prices.csv")
        for r in range(repeat):
            for name, python, cwd, tiers in [
                ("before", base_python, baseline, False),
                ("after, no tiers", sys.executable, CHECKOUT, False),
                ("after, tiers", sys.executable, CHECKOUT, True),
            ]:
                click.echo(f"2^{log_n} {name} (run {r + 1})", err=True)
                point = run_variant(python, cwd, data, log_n, tiers)
                point |= {"variant": name, "log_n": log_n, "run": r + 1}
                click.echo(json.dumps(point), err=True)
                points.append(point)
    result = {
        "points": points,
        "machine": machine_info(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    text = json.dumps(result, indent=2)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n")
    click.echo(text)
