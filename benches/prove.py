"""`zkpor bench prove`: prove and verify a synthetic snapshot; sizes, times and memory."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from zkpor.prover.argument.publish import PrivateFolder
from zkpor.prover.argument.trace import domain_size
from zkpor.prover.cli.prove import prove_snapshot
from zkpor.prover.exchange.synth import synth_snapshot
from zkpor.prover.setup.srs import dev_srs
from zkpor.verifier.public import FINGERPRINTS, PROOF, STATEMENT, load_public


def machine_info() -> dict[str, Any]:
    """Cores, CPU model and the git commit, recorded with every benchmark result."""
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"cores": os.cpu_count(), "cpu": model, "commit": commit}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cached_dev_srs(log_n: int) -> Path:
    """A development SRS for N = 2^log_n, made once per machine in the temp folder (every
    benchmark shares it)."""
    srs_dir = Path(tempfile.gettempdir()) / f"zkpor-dev-srs-{log_n}"
    if not (srs_dir / "vk.json").exists():
        dev_srs(log_n, srs_dir, seed="bench")
    return srs_dir


def run_prove_bench(
    users: int, entries_per_user: int, assets: int, srs_dir: Path | None, seed: int = 1
) -> dict[str, Any]:
    """One benchmark point: synthesise, prove, verify, measure."""
    snapshot = synth_snapshot(users, assets, entries_per_user, seed)
    rows = snapshot.n_entries + snapshot.n_users
    n = domain_size(rows)
    with tempfile.TemporaryDirectory(prefix="zkpor-bench-") as tmp:
        work = Path(tmp)
        srs_dir = srs_dir or cached_dev_srs(n.bit_length() - 1)
        start = time.perf_counter()
        bundle = prove_snapshot(snapshot, srs_dir, work / "out", "bench", quiet=True)
        prove_s = time.perf_counter() - start
        start = time.perf_counter()
        load_public(work / "out" / "public").verify()
        verify_s = time.perf_counter() - start
        public = work / "out" / "public"
        inclusion = PrivateFolder(work / "out" / "private").record(snapshot.uids[0]).dumps()
        return {
            "n_users": users,
            "entries_per_user": entries_per_user,
            "assets": assets,
            "rows": rows,
            "N": n,
            "prove_s": round(prove_s, 3),
            "verify_s": round(verify_s, 3),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "proof_bytes": (public / PROOF).stat().st_size,
            "statement_bytes": (public / STATEMENT).stat().st_size,
            "fingerprints_bytes": (public / FINGERPRINTS).stat().st_size,
            "inclusion_bytes": len(inclusion.encode()),
            "prover_breakdown_s": {k: round(v, 3) for k, v in bundle.timings.items()},
            "machine": machine_info(),
        }


def run_sharded_bench(
    users: int, entries_per_user: int, assets: int, shard_users: int, workers: int,
    scheduler: str | None, srs_dir: Path | None, seed: int = 1,
) -> dict[str, Any]:  # fmt: skip
    """One sharded point: synthesise, plan, prove every shard where asked, assemble, verify."""
    from zkpor.prover.argument.shards import assemble, plan_shards
    from zkpor.prover.cluster.executor import run_shards

    snapshot = synth_snapshot(users, assets, entries_per_user, seed)
    per_shard = -(-users // -(-users // shard_users))
    n = domain_size(per_shard * (entries_per_user + 1) + max(1000, per_shard // 100))  # + dummies
    with tempfile.TemporaryDirectory(prefix="zkpor-bench-") as tmp:
        work = Path(tmp)
        srs_dir = srs_dir or cached_dev_srs(n.bit_length() - 1)
        start = time.perf_counter()
        specs = plan_shards(snapshot, shard_users, work / "out", srs_dir, "bench", "2026-01-01T00:00:00Z")
        plan_s = time.perf_counter() - start
        del snapshot
        start = time.perf_counter()
        results = run_shards(specs, scheduler, workers)
        shards_s = time.perf_counter() - start
        start = time.perf_counter()
        assemble(work / "out", specs)
        assemble_s = time.perf_counter() - start
        start = time.perf_counter()
        load_public(work / "out" / "public").check(allow_insecure=True)
        verify_s = time.perf_counter() - start
        prove_s = plan_s + shards_s + assemble_s
        return {
            "n_users": users, "entries_per_user": entries_per_user, "assets": assets,
            "shard_users": shard_users, "shards": len(specs), "workers": workers,
            "scheduler": scheduler, "N": n,
            "plan_s": round(plan_s, 3), "shards_s": round(shards_s, 3),
            "assemble_s": round(assemble_s, 3), "prove_s": round(prove_s, 3),
            "prove_us_per_user": round(prove_s / users * 1e6, 2),
            "verify_s": round(verify_s, 3),
            "per_shard": [
                {"index": r.index, "seconds": round(r.seconds, 3), "peak_rss_mb": round(r.peak_rss_mb, 1),
                 "worker": r.worker, "breakdown_s": {k: round(v, 3) for k, v in r.timings.items()}}
                for r in sorted(results, key=lambda r: r.index)
            ],
            "client_peak_rss_mb": round(peak_rss_mb(), 1),
            "machine": machine_info(),
            "load_avg": os.getloadavg(),
        }  # fmt: skip


@click.command("prove")
@click.option("--users", required=True, type=click.IntRange(1))
@click.option("--entries-per-user", default=2, show_default=True, type=click.IntRange(0))
@click.option("--assets", default=20, show_default=True, type=click.IntRange(1, 1 << 16))
@click.option(
    "--srs",
    "srs_dir",
    type=click.Path(path_type=Path),
    help="SRS for the domain (default: a cached dev SRS).",
)
@click.option("--shard-users", type=click.IntRange(1), help="Prove in shards of this many users.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1))
@click.option("--scheduler", help="A Dask scheduler for the shards (tcp://HOST:PORT).")
@click.option("--json", "json_out", type=click.Path(path_type=Path))
def bench_prove(
    users: int, entries_per_user: int, assets: int, srs_dir: Path | None,
    shard_users: int | None, workers: int, scheduler: str | None, json_out: Path | None,
) -> None:  # fmt: skip
    """Prove and verify a synthetic snapshot and report times, memory and sizes."""
    if shard_users is None:
        result = run_prove_bench(users, entries_per_user, assets, srs_dir)
    else:
        result = run_sharded_bench(users, entries_per_user, assets, shard_users, workers,
                                   scheduler, srs_dir)  # fmt: skip
    text = json.dumps(result, indent=2)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n")
    click.echo(text)
