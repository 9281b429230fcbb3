"""`zkpor bench sweep`: proof-size and performance study over a grid of snapshot shapes.

Every grid point (users, entries per user, assets) is proved and verified in a fresh
subprocess (so the peak RSS is that point's own), and the classic Merkle sum tree
baseline is built on the same synthetic snapshot in another subprocess. Results are
merged by point key into ``results.json`` (a long sweep can be resumed; a quick rerun
keeps the big points), and ``results.md``, the PNG plots and the tables section of
``README.md`` are regenerated from the merged results.

Worker entry (used by the sweep): ``python -m benches.sweep KIND U E A``
with KIND one of ``srs``, ``prove``, ``mst``; it prints one JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

REPO = Path(__file__).resolve().parents[1]
RESULTS = "results.json"
TABLES = "results.md"
README = "README.md"
PLOTS = ("time_memory.png", "sizes.png", "breakdown.png")
SCHEMA = 1
MARK_START = "<!-- sweep:tables:start -->"
MARK_END = "<!-- sweep:tables:end -->"
BREAKDOWN = ("msm_s", "ntt_s", "quotient_s", "trace_s", "open_s")
DEFAULT_TIMEOUT_S = 1800
REPEAT_MAX_LOG_N = 19  # points with at least 2^19 rows are proved once


@dataclass(frozen=True, order=True)
class GridPoint:
    """One snapshot shape of the sweep."""

    users: int
    entries_per_user: int
    assets: int

    @property
    def key(self) -> str:
        return f"u{self.users}-e{self.entries_per_user}-a{self.assets}"

    @property
    def rows(self) -> int:
        return self.users * (self.entries_per_user + 1)


def full_grid() -> list[GridPoint]:
    """Users axis 10^3..10^6 at (2 entries, 50 assets); entries and assets varied at 10^4, 10^5."""
    points = {GridPoint(u, 2, 50) for u in (10**3, 10**4, 10**5, 10**6)}
    for u in (10**4, 10**5):
        points |= {GridPoint(u, e, 50) for e in (1, 2, 5)}
        points |= {GridPoint(u, 2, a) for a in (5, 50, 200)}
    return sorted(points, key=lambda p: (p.users, p.rows, p.assets))


def quick_grid() -> list[GridPoint]:
    """A few minutes: the smallest domain (N = 2^16) at 10^3 and 10^4 users."""
    return [GridPoint(10**3, 2, 50), GridPoint(10**4, 2, 50), GridPoint(10**4, 5, 50),
            GridPoint(10**4, 2, 200)]  # fmt: skip


# -- measuring (run inside the worker process) ---------------------------------------
def _domain(point: GridPoint) -> int:
    from zkpor.prover.argument.trace import domain_size

    return domain_size(point.rows)


def srs_dir_for(point: GridPoint) -> Path:
    """The cached dev SRS directory `run_prove_bench` uses for this point's domain."""
    import tempfile

    return Path(tempfile.gettempdir()) / f"zkpor-dev-srs-{_domain(point).bit_length() - 1}"


def ensure_srs(point: GridPoint) -> dict[str, Any]:
    """Create the point's dev SRS if missing (kept out of the prove process's memory peak)."""
    from zkpor.prover.setup.srs import dev_srs

    path = srs_dir_for(point)
    start = time.perf_counter()
    created = not (path / "vk.json").exists()
    if created:
        dev_srs(_domain(point).bit_length() - 1, path, seed="bench")
    return {
        "srs_dir": str(path),
        "created": created,
        "srs_s": round(time.perf_counter() - start, 3),
    }


def run_prove(point: GridPoint) -> dict[str, Any]:
    """Prove and verify the point (benches.prove), in this process."""
    import resource

    from benches.prove import run_prove_bench

    result = run_prove_bench(point.users, point.entries_per_user, point.assets, srs_dir_for(point))
    result["users_per_s"] = round(point.users / result["prove_s"], 1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["process_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)  # synth+prove+verify
    return result


def run_mst(point: GridPoint, seed: int = 1) -> dict[str, Any]:
    """Build the classic Merkle sum tree on the same synthetic snapshot; one user's proof."""
    from benches.merkle_sum_tree import SUM_BYTES, MerkleSumTree, verify_inclusion
    from benches.prove import machine_info, peak_rss_mb
    from zkpor.prover.exchange.synth import synth_snapshot

    snapshot = synth_snapshot(point.users, point.assets, point.entries_per_user, seed)
    start = time.perf_counter()
    tree = MerkleSumTree.build(snapshot)
    build_s = time.perf_counter() - start
    proof = tree.proof(0)
    root_hash, root_sums = tree.root
    start = time.perf_counter()
    ok = verify_inclusion(root_hash, root_sums, proof)
    verify_s = time.perf_counter() - start
    if not ok:
        raise RuntimeError("Merkle sum tree inclusion proof did not verify")
    return {
        "n_users": point.users,
        "entries_per_user": point.entries_per_user,
        "assets": point.assets,
        "depth": tree.depth,
        "build_s": round(build_s, 3),
        "verify_inclusion_s": round(verify_s, 6),
        "inclusion_bytes": proof.size_bytes(),
        "root_bytes": 32 + snapshot.n_assets * SUM_BYTES,
        "sibling_sums_revealed": tree.depth * snapshot.n_assets,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": machine_info(),
    }


def warmup(point: GridPoint) -> dict[str, Any]:
    """Fill the numba cache of a freshly exported source tree (a tiny proof)."""
    start = time.perf_counter()
    ensure_srs(point)
    run_prove(point)
    return {"warmup_s": round(time.perf_counter() - start, 3)}


WORKERS: dict[str, Callable[[GridPoint], dict[str, Any]]] = {
    "srs": ensure_srs,
    "prove": run_prove,
    "mst": run_mst,
    "warmup": warmup,
}
WARMUP_POINT = GridPoint(100, 1, 5)


# -- source under measurement ---------------------------------------------------------
def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""


def tree_state() -> dict[str, Any]:
    """Git commit and the uncommitted changes to measured code (other engineers' edits)."""
    dirty = [line[3:] for line in _git("status", "--porcelain", "--untracked-files=no", "--",
                                       "prover", "verifier", "circuits").splitlines()]  # fmt: skip
    return {"commit": _git("rev-parse", "--short", "HEAD").strip() or "unknown", "dirty": dirty}


def export_head(base: Path | None = None) -> tuple[Path, str, bool]:
    """A clean copy of the committed HEAD laid out as the `zkpor` package (for PYTHONPATH).

    Measures committed code only, whatever other engineers have uncommitted in the tree.
    ``zkpor`` is a namespace package, so the export's ``zkpor/prover`` (first on
    PYTHONPATH) is what the workers import; the harness in benches/ runs from the tree.
    Returns (PYTHONPATH entry, short commit, whether it was newly created).
    """
    return export_commit("HEAD", base)


def export_commit(rev: str, base: Path | None = None) -> tuple[Path, str, bool]:
    """As :func:`export_head` for any commit ``rev`` (a hash, tag or branch)."""
    import io
    import shutil
    import tarfile
    import tempfile

    commit = _git("rev-parse", "--short", f"{rev}^{{commit}}").strip()
    if not commit:
        raise click.ClickException(f"{rev!r} is not a commit of this checkout")
    root = (base or Path(tempfile.gettempdir())) / f"zkpor-bench-src-{commit}"
    created = not (root / "zkpor" / "prover" / "__init__.py").exists()
    if created:
        tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", commit,
             "prover", "verifier", "circuits"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp / "zkpor", filter="data")
        shutil.rmtree(root, ignore_errors=True)
        os.replace(tmp, root)
    return root, commit, created


# -- running points -------------------------------------------------------------------
Runner = Callable[[str, GridPoint, float, "Path | None"], dict[str, Any]]


def run_in_subprocess(
    kind: str, point: GridPoint, timeout_s: float, pythonpath: Path | None = None
) -> dict[str, Any]:
    """Run one worker in a fresh Python process; failures and timeouts become records."""
    cmd = [sys.executable, "-m", "benches.sweep", kind,
           str(point.users), str(point.entries_per_user), str(point.assets)]  # fmt: skip
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "timeout_s": timeout_s}
    wall_s = round(time.perf_counter() - start, 3)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"status": "failed", "returncode": proc.returncode, "wall_s": wall_s,
                "stderr_tail": proc.stderr.strip().splitlines()[-8:]}  # fmt: skip
    result = json.loads(lines[-1])
    result.update(status="ok", wall_s=wall_s)
    return result


def run_in_process(
    kind: str, point: GridPoint, timeout_s: float, pythonpath: Path | None = None
) -> dict[str, Any]:
    """Same records as `run_in_subprocess`, in this process (tests; RSS is shared)."""
    start = time.perf_counter()
    result = WORKERS[kind](point)
    result.update(status="ok", wall_s=round(time.perf_counter() - start, 3))
    return result


def _env() -> dict[str, Any]:
    mem = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, value = line.split(":", 1)
            if name in ("MemTotal", "MemAvailable"):
                mem[name] = int(value.split()[0]) // 1024
    except (OSError, ValueError):
        pass
    return {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "mem_total_mb": mem.get("MemTotal"),
        "mem_available_mb": mem.get("MemAvailable"),
    }


# -- results file ---------------------------------------------------------------------
def _write_atomic(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(data, str):
        tmp.write_text(data)
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)


def load_results(out: Path) -> dict[str, Any]:
    path = out / RESULTS
    if path.exists():
        data = json.loads(path.read_text())
        if data.get("schema") == SCHEMA:
            return data
    return {"schema": SCHEMA, "points": {}}


def merge_point(out: Path, point: GridPoint, record: dict[str, Any]) -> dict[str, Any]:
    """Merge one point's record into results.json by key (re-read first; atomic write)."""
    data = load_results(out)
    data["points"][point.key] = record
    data["points"] = dict(sorted(data["points"].items(), key=lambda kv: _order(kv[1])))
    _write_atomic(out / RESULTS, json.dumps(data, indent=1) + "\n")
    return data


def _order(record: dict[str, Any]) -> tuple[int, int, int]:
    p = record["point"]
    return p["users"], p["users"] * (p["entries_per_user"] + 1), p["assets"]


def _done(record: dict[str, Any] | None) -> bool:
    if not record:
        return False
    return all(record.get(k, {}).get("status") == "ok" for k in ("prove", "mst"))


def sweep(
    points: Iterable[GridPoint],
    out: Path,
    runner: Runner = run_in_subprocess,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    rerun: bool = False,
    log: Callable[[str], None] = lambda _: None,
    plots: bool = True,
    source: str = "tree",
    warm: bool = True,
    repeats: int = 1,
) -> dict[str, Any]:
    """Run the points not yet done (all with `rerun`), merging each result as it comes.

    source "head": every point runs on one clean export of the commit at HEAD when the
    sweep starts (its numba cache warmed first), so one sweep measures one commit even
    while others commit prover changes; "tree": on the working tree as it is.
    Points below 2^REPEAT_MAX_LOG_N rows are proved `repeats` times (the machine is shared).
    """
    out.mkdir(parents=True, exist_ok=True)
    data = load_results(out)
    warmed: set[str] = set()
    pythonpath: Path | None = None
    if source == "head":
        pythonpath, head_commit, _ = export_head()
        log(f"measuring a clean export of {head_commit}: {pythonpath}")
    for point in points:
        if not rerun and _done(data["points"].get(point.key)):
            log(f"{point.key}: already in {RESULTS}, skipped")
            continue
        env = _env()
        if source == "head":
            env.update(commit=head_commit, dirty=[], source="head (clean export)")
        else:
            env.update(tree_state(), source="working tree")
        if warm and env["commit"] not in warmed:
            log(f"warming the numba cache for {env['commit']}")
            env["warmup"] = runner("warmup", WARMUP_POINT, timeout_s, pythonpath)
            warmed.add(env["commit"])
        record: dict[str, Any] = {"point": {"users": point.users,
                                            "entries_per_user": point.entries_per_user,
                                            "assets": point.assets}, "env": env}  # fmt: skip
        log(f"{point.key}: SRS (commit {env['commit']})")
        srs = runner("srs", point, timeout_s, pythonpath)
        record["srs"] = srs
        if srs.get("status") != "ok":
            record["prove"] = {"status": "skipped", "reason": "SRS generation failed"}
        else:
            log(f"{point.key}: prove + verify (rows {point.rows})")
            n = repeats if point.rows < 1 << REPEAT_MAX_LOG_N else 1
            record["prove"] = best_of(runner, "prove", point, n, timeout_s, pythonpath)
        log(f"{point.key}: prove {_status(record['prove'])}; Merkle sum tree")
        record["mst"] = best_of(runner, "mst", point, repeats, timeout_s, pythonpath)
        log(f"{point.key}: mst {_status(record['mst'])}")
        for kind in ("prove", "mst"):  # the workers' git sees the tree, not the export
            if "machine" in record[kind]:
                record[kind]["machine"]["commit"] = env["commit"]
        data = merge_point(out, point, record)
        write_reports(out, data, plots=plots)
    write_reports(out, data, plots=plots)
    return data


def best_of(
    runner: Runner,
    kind: str,
    point: GridPoint,
    n: int,
    timeout_s: float,
    pythonpath: Path | None,
) -> dict[str, Any]:
    """Run a worker n times (fresh processes); keep the fastest, with every run's summary.

    The minimum is the least disturbed by other jobs; verify time is the minimum of its
    own, peak RSS the maximum over the runs.
    """
    key = "prove_s" if kind == "prove" else "build_s"
    runs = []
    for _ in range(max(n, 1)):
        load = round(os.getloadavg()[0], 2)
        result = runner(kind, point, timeout_s, pythonpath)
        result["load_avg_1m"] = load
        runs.append(result)
        if result.get("status") != "ok":
            return result
    best = dict(min(runs, key=lambda r: r[key]))
    if kind == "prove":
        best["verify_s"] = min(r["verify_s"] for r in runs)
    else:
        best["verify_inclusion_s"] = min(r["verify_inclusion_s"] for r in runs)
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    fields = (key, "verify_s", "peak_rss_mb", "process_cpu_s", "load_avg_1m")
    best["runs"] = [{f: r[f] for f in fields if f in r} for r in runs]
    return best


def _status(r: dict[str, Any]) -> str:
    if r.get("status") != "ok":
        return str(r.get("status"))
    return f"ok in {r.get('prove_s', r.get('build_s'))} s"


# -- reports --------------------------------------------------------------------------
def _fmt_bytes(n: int) -> str:
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _runs(result: dict[str, Any], key: str) -> str:
    runs = result.get("runs", [])
    return ", ".join(f"{r[key]:.1f} ({r['load_avg_1m']:.1f})" for r in runs)


def _commit(record: dict[str, Any]) -> str:
    env = record.get("env", {})
    return env.get("commit", "?") + ("+dirty" if env.get("dirty") else "")


def markdown_tables(data: dict[str, Any]) -> str:
    """The three results tables (ZK argument, prover time breakdown, Merkle sum tree)."""
    recs = list(data["points"].values())
    zk = ["| users | entries/user | assets | rows | N | prove s | verify s | peak RSS MB "
          "| proof | statement | fingerprints | inclusion file | users/s | commit "
          "| prove s, all runs (load) |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]  # fmt: skip
    br = [
        "| users | entries/user | assets | N | "
        + " | ".join(k[:-2] for k in BREAKDOWN)
        + " | other | prove s |",
        "|---:|---:|---:|---:|" + "---:|" * (len(BREAKDOWN) + 2),
    ]
    mst = ["| users | entries/user | assets | depth | build s | inclusion proof "
           "| sibling sums revealed | verify ms | peak RSS MB | ZK inclusion file |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for rec in recs:
        p, pr, m = rec["point"], rec.get("prove", {}), rec.get("mst", {})
        head = f"| {p['users']:,} | {p['entries_per_user']} | {p['assets']} |"
        rows = p["users"] * (p["entries_per_user"] + 1)
        if pr.get("status") == "ok":
            n_log = pr["N"].bit_length() - 1
            zk.append(
                f"{head} {rows:,} | 2^{n_log} | {pr['prove_s']:.1f} | {pr['verify_s']:.2f} "
                f"| {pr['peak_rss_mb']:,.0f} | {_fmt_bytes(pr['proof_bytes'])} "
                f"| {_fmt_bytes(pr['statement_bytes'])} | {_fmt_bytes(pr['fingerprints_bytes'])} "
                f"| {_fmt_bytes(pr['inclusion_bytes'])} | {pr['users_per_s']:,.0f} "
                f"| {_commit(rec)} | {_runs(pr, 'prove_s')} |"
            )
            parts = pr["prover_breakdown_s"]
            other = pr["prove_s"] - sum(parts.get(k, 0.0) for k in BREAKDOWN)
            br.append(f"| {p['users']:,} | {p['entries_per_user']} | {p['assets']} | 2^{n_log} | "
                      + " | ".join(f"{parts.get(k, 0.0):.1f}" for k in BREAKDOWN)
                      + f" | {other:.1f} | {pr['prove_s']:.1f} |")  # fmt: skip
        else:
            why = pr.get("reason") or (
                f"no result within {pr['timeout_s'] / 60:.0f} min" if pr.get("status") == "timeout"
                else f"exit {pr.get('returncode')}: {' '.join(pr.get('stderr_tail', [])[-1:])}"
            )  # fmt: skip
            zk.append(f"{head} {rows:,} | | **{pr.get('status')}**: {why} "
                      f"| | | | | | | | | {_commit(rec)} | |")  # fmt: skip
        if m.get("status") == "ok":
            zk_incl = _fmt_bytes(pr["inclusion_bytes"]) if pr.get("status") == "ok" else ""
            mst.append(f"{head} {m['depth']} | {m['build_s']:.2f} | {_fmt_bytes(m['inclusion_bytes'])} "
                       f"| {m['sibling_sums_revealed']:,} | {m['verify_inclusion_s'] * 1e3:.2f} "
                       f"| {m['peak_rss_mb']:,.0f} | {zk_incl} |")  # fmt: skip
        else:
            mst.append(f"{head} | **{m.get('status')}** | | | | | |")
    machines = sorted({f"{r['prove']['machine']['cores']} cores, {r['prove']['machine']['cpu']}"
                       for r in recs if r.get("prove", {}).get("status") == "ok"})  # fmt: skip
    commits = sorted({_commit(r) for r in recs})
    dirty = any(c.endswith("+dirty") for c in commits)
    return "\n".join([
        f"Machine: {'; '.join(machines) or 'n/a'}. Commits: {', '.join(commits)}"
        + (" (`+dirty`: uncommitted prover changes in the tree)." if dirty else "."),
        "", "### Zero-knowledge argument (prove, verify, sizes)", "", *zk,
        "", "### Where the prover's time goes (seconds)", "", *br,
        "", "### Classic Merkle sum tree baseline (same snapshots)", "", *mst, "",
    ])  # fmt: skip


def write_reports(out: Path, data: dict[str, Any], plots: bool = True) -> None:
    """results.md, the plots and README.md's tables section, from the merged results."""
    tables = markdown_tables(data)
    _write_atomic(out / TABLES, "# zkpor benchmark sweep: results\n\n" + tables)
    readme = out / README
    body = f"{MARK_START}\n{tables}{MARK_END}\n\n"
    if readme.exists():
        text = readme.read_text()
        if MARK_START in text and MARK_END in text:
            head, rest = text.split(MARK_START, 1)
            _write_atomic(readme, head + body + rest.split(MARK_END, 1)[1].lstrip("\n"))
    else:
        _write_atomic(readme, "# zkpor benchmarks\n\n" + body)
    if plots:
        write_plots(out, data)


def _series(data: dict[str, Any], kind: str) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Successful records grouped by (entries per user, assets), ordered by users."""
    groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for rec in data["points"].values():
        if rec.get(kind, {}).get("status") == "ok":
            p = rec["point"]
            groups.setdefault((p["entries_per_user"], p["assets"]), []).append(rec)
    for recs in groups.values():
        recs.sort(key=lambda r: r["point"]["users"])
    return dict(sorted(groups.items()))


def _users_label(users: int) -> str:
    text = str(users)
    return f"10^{len(text) - 1}" if text.strip("0") == "1" else f"{users:,}"


def write_plots(out: Path, data: dict[str, Any]) -> None:
    """time_memory.png, sizes.png (against users, one line per shape) and breakdown.png."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    zk, mst = _series(data, "prove"), _series(data, "mst")
    configs = sorted({*zk, *mst})  # one colour per (entries, assets); ZK solid, MST dashed
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def save(fig: Any, name: str) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        _write_atomic(out / name, buf.getvalue())

    def lines(ax: Any, groups: dict, kind: str, field: str, scale: float = 1.0,
              style: str = "-o", label: str = "") -> None:  # fmt: skip
        for (e, a), recs in groups.items():
            xs = [r["point"]["users"] for r in recs]
            ys = [r[kind][field] * scale for r in recs]
            color = colors[configs.index((e, a)) % len(colors)]
            ax.plot(xs, ys, style, color=color, label=f"{label}e={e}, a={a}", markersize=4)

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), layout="constrained")
    specs = [("prove_s", "build_s", "seconds", "prove (ZK) / build (Merkle sum tree)"),
             ("verify_s", "verify_inclusion_s", "seconds", "verify (ZK) / one inclusion (MST)"),
             ("peak_rss_mb", "peak_rss_mb", "MB", "peak RSS")]  # fmt: skip
    for ax, (zf, mf, unit, title) in zip(axes, specs, strict=True):
        lines(ax, zk, "prove", zf, label="ZK ")
        lines(ax, mst, "mst", mf, style="--x", label="MST ")
        ax.set(xscale="log", yscale="log", xlabel="users", ylabel=unit, title=title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7, ncol=2)
    save(fig, PLOTS[0])

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.4), layout="constrained")
    specs2 = [
        ("proof_bytes", "proof"),
        ("statement_bytes", "statement"),
        ("fingerprints_bytes", "fingerprint list"),
        ("inclusion_bytes", "one user's inclusion"),
    ]
    for ax, (field, title) in zip(axes, specs2, strict=True):
        lines(ax, zk, "prove", field, label="ZK ")
        if field == "inclusion_bytes":
            lines(ax, mst, "mst", field, style="--x", label="MST ")
        ax.set(xscale="log", yscale="log", xlabel="users", ylabel="bytes", title=title)
        ax.grid(True, which="both", alpha=0.3)
    axes[3].legend(fontsize=7, ncol=2)
    save(fig, PLOTS[1])

    recs = [r for g in zk.values() for r in g]
    recs.sort(key=lambda r: _order(r))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(recs) + 2), 4.6))
    labels = [f"{_users_label(r['point']['users'])}\ne{r['point']['entries_per_user']} "
              f"a{r['point']['assets']}" for r in recs]  # fmt: skip
    bottom = [0.0] * len(recs)
    for k in (*BREAKDOWN, "other"):
        vals = []
        for r in recs:
            parts = r["prove"]["prover_breakdown_s"]
            vals.append(r["prove"]["prove_s"] - sum(parts.get(b, 0.0) for b in BREAKDOWN)
                        if k == "other" else parts.get(k, 0.0))  # fmt: skip
        shares = [v / r["prove"]["prove_s"] * 100 for v, r in zip(vals, recs, strict=True)]
        ax.bar(range(len(recs)), shares, bottom=bottom, label=k.removesuffix("_s"))
        bottom = [b + s for b, s in zip(bottom, shares, strict=True)]
    ax.set_xticks(range(len(recs)), labels, fontsize=7)
    ax.set(ylabel="% of prove time", title="Where the prover's time goes", ylim=(0, 100))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    save(fig, PLOTS[2])


# -- command line ---------------------------------------------------------------------
@click.command("sweep")
@click.option("--out", type=click.Path(path_type=Path), default=Path("docs/benchmarks"),
              show_default=True, help="Folder for results.json, results.md, plots, README.md.")  # fmt: skip
@click.option("--quick", is_flag=True, help="The few-minute grid (10^3 and 10^4 users).")
@click.option("--max-users", type=click.IntRange(1), help="Leave out points above this.")
@click.option("--timeout", "timeout_s", default=DEFAULT_TIMEOUT_S, show_default=True,
              type=click.IntRange(1), help="Seconds per subprocess before it counts as failed.")  # fmt: skip
@click.option("--repeats", type=click.IntRange(1),
              help="Runs per point below 2^19 rows, fastest kept [default: 3; 2 with --quick].")  # fmt: skip
@click.option("--rerun", is_flag=True, help="Measure points again even if already in the results.")
@click.option("--only", multiple=True, help="Run only these point keys (e.g. u10000-e5-a50).")
@click.option("--reports-only", is_flag=True, help="Only regenerate tables and plots.")
@click.option("--source", type=click.Choice(["head", "tree"]), default="head", show_default=True,
              help="Measure a clean export of the commit at HEAD, or the working tree as is.")  # fmt: skip
def bench_sweep(
    out: Path,
    quick: bool,
    max_users: int | None,
    timeout_s: int,
    repeats: int | None,
    rerun: bool,
    only: tuple[str, ...],
    reports_only: bool,
    source: str,
) -> None:
    """Prove/verify a grid of synthetic snapshots and the Merkle-sum-tree baseline."""
    if reports_only:
        write_reports(out, load_results(out))
        return
    points = quick_grid() if quick else full_grid()
    repeats = repeats or (2 if quick else 3)
    points = [p for p in points if max_users is None or p.users <= max_users]
    if only:
        points = [p for p in points if p.key in only]

    def log(msg: str) -> None:
        click.echo(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", err=True)

    log(f"{len(points)} points: {', '.join(p.key for p in points)}")
    sweep(points, out, timeout_s=timeout_s, rerun=rerun, log=log, source=source, repeats=repeats)
    log(f"wrote {out / RESULTS}, {out / TABLES}, {', '.join(PLOTS)}")


def _worker(argv: list[str]) -> None:
    kind, users, entries, assets = argv
    point = GridPoint(int(users), int(entries), int(assets))
    print(json.dumps(WORKERS[kind](point)))


if __name__ == "__main__":
    _worker(sys.argv[1:])
