"""`zkpor prove` and `zkpor inclusion export`: the exchange's commands."""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import click
from rich.console import Console

from zkpor.prover.argument.prove import ProofBundle, ProverError, SolvencyProver
from zkpor.prover.argument.publish import PrivateDataError, PrivateFolder, write_outputs
from zkpor.prover.argument.shards import (
    SMALL_SHARD,
    assemble,
    load_plan,
    plan_shards,
    work_folder,
)
from zkpor.prover.argument.trace import TraceError, build_trace
from zkpor.prover.atomic import atomic_dir, atomic_write
from zkpor.prover.cli.snapshot import haircuts_option, round_option
from zkpor.prover.cluster.executor import run_shards
from zkpor.prover.exchange.haircuts import load_haircuts
from zkpor.prover.exchange.ingest import load_prices, load_snapshot
from zkpor.prover.exchange.snapshot import Snapshot, SnapshotError
from zkpor.prover.setup.kzg import SRS, SetupError
from zkpor.verifier.public import VK
from zkpor.verifier.sharded import TopStatement
from zkpor.verifier.text import echo

EXIT_UNUSABLE = 2
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def _error(message: str) -> None:
    echo(f"error: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)


def _snapshot_id(snapshot_file: Path, given: str | None) -> str:
    sid = given or f"{snapshot_file.stem}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    try:
        sid.encode("utf-8")
    except UnicodeEncodeError:
        raise SnapshotError(f"snapshot id {sid!r} is not valid UTF-8") from None
    return sid


def prove_sharded(
    snapshot_file: Path, prices_file: Path, srs_dir: Path, out: Path, snapshot_id: str | None,
    dummy_users: int | None, shard_users: int, scheduler: str | None, workers: int,
    resume: bool, round_up: bool, haircuts: Path | None = None,
) -> TopStatement:  # fmt: skip
    """Plan (or resume) the shards, prove them where asked, assemble OUT atomically."""
    console = Console(stderr=True)
    work = work_folder(out)
    if resume and work.exists():
        specs = load_plan(out)
        console.print(f"resuming {len(specs)} shards from {work}", markup=False)
    else:
        if work.exists():
            raise ValueError(f"{work} exists (an interrupted run): pass --resume or remove it")
        if out.exists():
            raise ValueError(f"{out} exists: remove it or choose another --out")
        srs = SRS.load(srs_dir)
        if srs.insecure:
            console.print(
                "[bold red]INSECURE[/] development SRS (known tau): for tests and demos only"
            )
        snapshot = load_snapshot(
            snapshot_file, load_prices(prices_file), round_up=round_up, progress=True
        )
        stime = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if haircuts is not None:
            load_haircuts(haircuts, snapshot.symbols)  # a bad file fails here, not on a worker
        specs = plan_shards(snapshot, shard_users, out, srs_dir, _snapshot_id(snapshot_file, snapshot_id),
                            stime, dummy_users, haircuts=haircuts)  # fmt: skip
        smallest = min(s.users for s in specs)
        if smallest < SMALL_SHARD:
            console.print(f"WARNING: shards of {smallest} users: shard totals over fewer than "
                          f"{SMALL_SHARD} users say more about single balances", markup=False)  # fmt: skip
    where = scheduler or (f"{workers} local workers" if workers > 1 else "this process")
    console.print(f"{len(specs)} shards on {where}", markup=False)
    with console.status("shards") as status:
        results = run_shards(specs, scheduler, workers, lambda p: status.update(p.line()))
    for r in sorted(results, key=lambda r: r.index):
        console.print(f"  shard {r.index}: {r.seconds:.1f} s, peak {r.peak_rss_mb:,.0f} MB on {r.worker}",
                      markup=False)  # fmt: skip
    top = assemble(out, specs)
    echo(f"proved {sum(s.users for s in specs)} users in {len(specs)} shards, "
         f"{top.n_u} fingerprints, {len(top.assets)} assets")  # fmt: skip
    return top


def _dummy_users(ctx: click.Context, param: click.Parameter, value: str) -> int | None:
    if value == "random":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise click.BadParameter("a non-negative integer or 'random'")
    return int(value)


def prove_snapshot(
    snapshot: Snapshot,
    srs_dir: Path,
    out: Path,
    snapshot_id: str,
    dummy_users: int | None = None,
    quiet: bool = False,
    tiers: list | None = None,
) -> ProofBundle:
    """Build the trace, prove, and write OUT/public and OUT/private (with progress).

    ``tiers`` (per asset a tier table or None) proves haircut equity (statement version 2).
    """
    console = Console(stderr=True, quiet=quiet)
    srs = SRS.load(srs_dir)
    if srs.insecure:
        console.print("[bold red]INSECURE[/] development SRS (known tau): for tests and demos only")
    snapshot_time = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with console.status("building the trace") as status:
        start = time.perf_counter()
        trace = build_trace(snapshot, snapshot_id, dummy_users, min_log_n=srs.log_n, tiers=tiers)
        trace_s = time.perf_counter() - start
        prover = SolvencyProver(srs, trace, snapshot_id, snapshot_time, progress=status.update)
        bundle = prover.prove()
        status.update("writing outputs")
        write_outputs(out, bundle, snapshot, Path(srs_dir) / VK)
    bundle.timings["trace_s"] = bundle.timings.get("trace_s", 0.0) + trace_s
    return bundle


@click.command("prove")
@click.argument("snapshot_file", type=click.Path(path_type=Path))
@click.option("--prices", "prices_file", required=True, type=click.Path(path_type=Path))
@click.option("--srs", "srs_dir", required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path))
@click.option(
    "--snapshot-id", default=None, help="Published id users see (default: file name + time)."
)
@click.option(
    "--dummy-users",
    default="random",
    show_default=True,
    callback=_dummy_users,
    help="Zero-balance users added to hide the user count: a number, or 'random' "
    "(uniform in [0, max(1000, users/100)], never growing N).",
)
@click.option(
    "--shard-users",
    type=click.IntRange(1),
    help="Prove in shards of about this many users (random assignment); see --workers.",
)
@click.option(
    "--scheduler", help="Send the shards to this Dask scheduler (tcp://HOST:PORT; shared storage)."
)
@click.option(
    "--workers", type=click.IntRange(1), default=1, show_default=True,
    help="Without --scheduler: shards run in W local Dask worker processes (1: in this process).",
)  # fmt: skip
@click.option("--resume", is_flag=True, help="Keep the shards an interrupted run finished.")
@round_option
@haircuts_option
def prove_command(
    snapshot_file: Path,
    prices_file: Path,
    srs_dir: Path,
    out: Path,
    snapshot_id: str | None,
    dummy_users: int | None,
    shard_users: int | None,
    scheduler: str | None,
    workers: int,
    resume: bool,
    round_up: bool,
    haircuts: Path | None,
) -> None:
    """Prove a snapshot: writes OUT/public (for everyone) and OUT/private (for users' files)."""

    start = time.perf_counter()
    if shard_users is None and (scheduler or workers != 1 or resume):
        _error("--scheduler, --workers and --resume need --shard-users")
    try:
        if shard_users is not None:
            prove_sharded(snapshot_file, prices_file, srs_dir, out, snapshot_id, dummy_users,
                          shard_users, scheduler, workers, resume, round_up, haircuts)  # fmt: skip
            echo(f"done in {time.perf_counter() - start:.1f} s -> {out}/public, {out}/private")
            return
        prices = load_prices(prices_file)
        tiers = load_haircuts(haircuts, list(prices)) if haircuts else None
        snapshot = load_snapshot(snapshot_file, prices, round_up=round_up, progress=True)
        sid = _snapshot_id(snapshot_file, snapshot_id)
        bundle = prove_snapshot(snapshot, srs_dir, out, sid, dummy_users, tiers=tiers)
    except (SnapshotError, TraceError, SetupError, ProverError, ValueError) as exc:
        _error(str(exc))
    st = bundle.statement
    echo(
        f"proved {snapshot.n_users} users, {snapshot.n_entries} entries, {len(st.assets)} assets "
        f"(N = 2^{st.log_n}) in {time.perf_counter() - start:.1f} s -> {out}/public, {out}/private"
    )


@click.command("export")
@click.argument("private", type=click.Path(path_type=Path))
@click.option("--uid", help="Export one user's file.")
@click.option("--all", "export_all", is_flag=True, help="Export every user's file into a folder.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
def export_command(private: Path, uid: str | None, export_all: bool, output: Path) -> None:
    """Export users' inclusion files from OUT/private."""
    if (uid is None) == (not export_all):
        _error("give exactly one of --uid UID and --all")
    try:
        folder = PrivateFolder(private)
        if uid is not None:
            atomic_write(output, folder.record(uid).dumps().encode())
            echo(f"wrote {output} for user {uid}")
            return
        count = 0
        with atomic_dir(output) as stage:
            for user in folder.uids():
                name = user if _SAFE_NAME.match(user) else "uid-" + user.encode().hex()
                (stage / f"{name}.json").write_text(folder.record(user).dumps())
                count += 1
        echo(f"wrote {count} inclusion files to {output}")
    except PrivateDataError as exc:
        _error(str(exc))
