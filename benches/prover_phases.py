"""`zkpor bench phases`: the prover's time and peak memory per round, before and after.

Each point runs in a fresh subprocess with the code of one commit (a clean export on
PYTHONPATH, as the sweep does), the commits alternating point by point so that both
see the same load. The same run measures a 2^20 MSM with full scalars, the
machine-independent yardstick of issue 14 (prove time at 2^20 <= 16 x msm_full_s).
A sampler thread records the resident set every 10 ms, attributed to the round the
prover reports, so each round's own peak is known (ru_maxrss only gives the maximum).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import click

from benches.prove import cached_dev_srs, machine_info
from benches.sweep import REPO, export_commit

PHASES = ("trace", "round 1", "round 2", "round 3", "round 4", "round 5", "round 6", "outputs")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PhaseClock:
    """Wall time and peak RSS per phase; ``enter(label)`` starts the next phase."""

    def __init__(self) -> None:
        self.label = "setup"
        self.start = time.perf_counter()
        self.seconds: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak[self.label] = max(self.peak.get(self.label, 0.0), _rss_mb())
            time.sleep(0.01)

    def enter(self, label: str) -> None:
        now = time.perf_counter()
        self.seconds[self.label] = self.seconds.get(self.label, 0.0) + now - self.start
        self.peak[self.label] = max(self.peak.get(self.label, 0.0), _rss_mb())
        self.label, self.start = label, now

    def close(self) -> None:
        self.enter("done")
        self._stop.set()
        self._thread.join()


def prove_point(users: int, entries_per_user: int = 2, assets: int = 20) -> dict[str, Any]:
    """Worker: synthesise, build the trace, prove (per round), write and verify."""
    from zkpor.prover.argument.prove import SolvencyProver
    from zkpor.prover.argument.publish import write_outputs
    from zkpor.prover.argument.trace import build_trace, domain_size
    from zkpor.prover.exchange.synth import synth_snapshot
    from zkpor.prover.setup.srs import SRS
    from zkpor.verifier.public import PROOF, load_public

    load_start = os.getloadavg()
    snapshot = synth_snapshot(users, assets, entries_per_user, 1)
    n = domain_size(snapshot.n_entries + snapshot.n_users + max(1000, users // 100))
    srs_dir = cached_dev_srs(n.bit_length() - 1)
    srs = SRS.load(srs_dir)
    clock = PhaseClock()
    clock.enter("trace")
    trace = build_trace(snapshot, "bench", None, min_log_n=srs.log_n)
    prover = SolvencyProver(srs, trace, "bench", "2026-01-01T00:00:00Z",
                            progress=lambda msg: clock.enter(msg.split(":")[0]))  # fmt: skip
    bundle = prover.prove()
    with tempfile.TemporaryDirectory(prefix="zkpor-phases-") as tmp:
        clock.enter("outputs")
        write_outputs(Path(tmp), bundle, snapshot, srs_dir / "vk.json")
        clock.close()
        start = time.perf_counter()
        load_public(Path(tmp) / "public").check(allow_insecure=True)
        verify_s = time.perf_counter() - start
        proof_bytes = (Path(tmp) / "public" / PROOF).stat().st_size
    phases = {p: {"s": round(clock.seconds.get(p, 0.0), 2), "peak_rss_mb": round(clock.peak.get(p, 0.0))}
              for p in PHASES}  # fmt: skip
    return {
        "users": users, "N": trace.n, "log_n": trace.n.bit_length() - 1,
        "prove_s": round(sum(v["s"] for k, v in phases.items() if k != "outputs"), 2),
        "phases": phases, "timings": {k: round(v, 2) for k, v in bundle.timings.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "verify_s": round(verify_s, 2), "proof_bytes": proof_bytes,
        "load_avg": [load_start[0], os.getloadavg()[0]],
    }  # fmt: skip


def msm_point(log_n: int = 20, repeat: int = 3) -> dict[str, Any]:
    """Worker: best-of-``repeat`` MSM of 2^log_n points with random full-width scalars."""
    import numpy as np

    from benches.arith import random_scalars
    from zkpor.prover.arith import g1 as G
    from zkpor.prover.arith.msm import msm

    rng = np.random.default_rng(20240601)
    n = 1 << log_n
    points = G.g1_fixed_base_mul(G.G1_GEN, random_scalars(n, rng))
    scalars = random_scalars(n, rng)
    msm(points[:1024], scalars[:1024])  # compile outside the timing
    best = min(_timed(lambda: msm(points, scalars)) for _ in range(repeat))
    return {"log_n": log_n, "msm_full_s": round(best, 3), "load_avg": os.getloadavg()[0]}


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_worker(kind: str, arg: int, pythonpath: Path, timeout_s: float) -> dict[str, Any]:
    """Run a worker in a fresh process importing the code at ``pythonpath``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(pythonpath), str(REPO)])))
    cmd = [sys.executable, "-m", "benches.prover_phases", kind, str(arg)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise click.ClickException(f"{kind} {arg} failed: {proc.stderr.strip()[-400:]}")
    return json.loads(lines[-1])


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median prove time (the lower middle one of an even count), with
    every run's prove time and peak RSS in ``samples``: its rounds stay one run's."""
    ordered = sorted(runs, key=lambda run: run["prove_s"])
    pick = dict(ordered[(len(ordered) - 1) // 2])
    pick["samples"] = [{"prove_s": r["prove_s"], "peak_rss_mb": r["peak_rss_mb"],
                        "load_avg": r["load_avg"]} for r in runs]  # fmt: skip
    return pick


def _samples(run: dict[str, Any]) -> str:
    return ", ".join(f"{s['prove_s']:.2f}" for s in run.get("samples", [run]))


def _ratio(before: float, after: float) -> str:
    return f"{before / after:.2f}x" if after else "-"


def markdown(result: dict[str, Any]) -> str:
    """Tables: per N, each phase's seconds and peak RSS before and after."""
    b, a = result["before"]["commit"], result["after"]["commit"]
    msm_s = result["msm_full_s"]
    lines = [f"Commits: before `{b}`, after `{a}`. MSM 2^20 full scalars in the same run: "
             f"{msm_s} s (load {result['msm_load']:.1f}).", ""]  # fmt: skip
    for point in result["points"]:
        pb, pa = point["before"], point["after"]
        lines += [
            f"### N = 2^{pa['log_n']} ({pa['users']:,} users x 2 entries)", "",
            "| phase | before s | after s | speed-up | before peak RSS MB | after peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|",
        ]  # fmt: skip
        for phase in PHASES:
            x, y = pb["phases"][phase], pa["phases"][phase]
            lines.append(f"| {phase} | {x['s']:.2f} | {y['s']:.2f} | {_ratio(x['s'], y['s'])} "
                         f"| {x['peak_rss_mb']:,} | {y['peak_rss_mb']:,} |")  # fmt: skip
        lines += [
            f"| **prove** | **{pb['prove_s']:.2f}** | **{pa['prove_s']:.2f}** | "
            f"**{_ratio(pb['prove_s'], pa['prove_s'])}** | **{pb['peak_rss_mb']:,}** | "
            f"**{pa['peak_rss_mb']:,}** |",
            "", f"Verify {pb['verify_s']} s -> {pa['verify_s']} s; proof {pb['proof_bytes']:,} -> "
            f"{pa['proof_bytes']:,} B; prove / msm_full_s {pb['prove_s'] / msm_s:.1f} -> "
            f"{pa['prove_s'] / msm_s:.1f}; load average at start/end: before "
            f"{pb['load_avg'][0]:.1f}/{pb['load_avg'][1]:.1f}, after "
            f"{pa['load_avg'][0]:.1f}/{pa['load_avg'][1]:.1f}.", "",
        ]  # fmt: skip
        if len(pa.get("samples", [])) > 1:
            lines += [f"Each side's median of {len(pa['samples'])} runs, alternating; prove s, "
                      f"before: {_samples(pb)}; after: {_samples(pa)}.", ""]  # fmt: skip
    return "\n".join(lines)


@click.command("phases")
@click.option("--before", required=True, help="Commit to compare against (e.g. a tag or hash).")
@click.option("--users", "users_list", multiple=True, type=click.IntRange(1), required=True,
              help="Users per point (2 entries each); repeat the option for several points.")  # fmt: skip
@click.option("--json", "json_out", type=click.Path(path_type=Path), required=True)
@click.option("--markdown", "md_out", type=click.Path(path_type=Path))
@click.option("--timeout", default=3600.0, show_default=True, help="Seconds per point.")
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1),
              help="Runs per point and side, alternating; the tables show each side's median run.")  # fmt: skip
def bench_phases(
    before: str,
    users_list: tuple[int, ...],
    json_out: Path,
    md_out: Path | None,
    timeout: float,
    repeat: int,
) -> None:
    """Prove synthetic snapshots with the code of BEFORE and of HEAD, round by round."""
    roots = {"before": export_commit(before), "after": export_commit("HEAD")}
    for side in roots:  # fill each export's numba cache outside the measurements
        click.echo(f"{side}: compiling ({roots[side][1]}) ...", err=True)
        run_worker("prove", 100, roots[side][0], timeout)
    msm = run_worker("msm", 20, roots["after"][0], timeout)
    result: dict[str, Any] = {
        "before": {"commit": roots["before"][1]}, "after": {"commit": roots["after"][1]},
        "msm_full_s": msm["msm_full_s"], "msm_load": msm["load_avg"],
        "machine": machine_info(), "points": [],
    }  # fmt: skip
    for users in users_list:
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for r in range(repeat):
            for side in ("before", "after"):
                click.echo(f"{side}: {users:,} users (run {r + 1} of {repeat}) ...", err=True)
                run = run_worker("prove", users, roots[side][0], timeout)
                runs[side].append(run)
                click.echo(f"  prove {run['prove_s']} s, peak {run['peak_rss_mb']} MB", err=True)
        result["points"].append({side: median_run(runs[side]) for side in runs})
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2) + "\n")
    if md_out:
        md_out.write_text(markdown(result) + "\n")
    click.echo(markdown(result))


if __name__ == "__main__":
    kind, arg = sys.argv[1], int(sys.argv[2])
    out = prove_point(arg) if kind == "prove" else msm_point(arg)
    print(json.dumps(out))
