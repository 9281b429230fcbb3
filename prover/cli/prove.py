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
from zkpor.prover.argument.trace import TraceError, build_trace
from zkpor.prover.atomic import atomic_dir, atomic_write
from zkpor.prover.cli.snapshot import haircuts_option, round_option
from zkpor.prover.exchange.ingest import load_prices, load_snapshot
from zkpor.prover.exchange.snapshot import Snapshot, SnapshotError
from zkpor.prover.setup.kzg import SRS, SetupError
from zkpor.verifier.public import VK
from zkpor.verifier.text import echo

EXIT_UNUSABLE = 2
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def _error(message: str) -> None:
    echo(f"error: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)


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
@round_option
@haircuts_option
def prove_command(
    snapshot_file: Path,
    prices_file: Path,
    srs_dir: Path,
    out: Path,
    snapshot_id: str | None,
    dummy_users: int | None,
    round_up: bool,
    haircuts: Path | None,
) -> None:
    """Prove a snapshot: writes OUT/public (for everyone) and OUT/private (for users' files)."""
    from zkpor.prover.exchange.haircuts import load_haircuts

    start = time.perf_counter()
    try:
        prices = load_prices(prices_file)
        tiers = load_haircuts(haircuts, list(prices)) if haircuts else None
        snapshot = load_snapshot(snapshot_file, prices, round_up=round_up, progress=True)
        sid = snapshot_id or f"{snapshot_file.stem}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
        bundle = prove_snapshot(snapshot, srs_dir, out, sid, dummy_users, tiers=tiers)
    except (SnapshotError, TraceError, SetupError, ProverError) as exc:
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
