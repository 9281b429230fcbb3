"""`zkpor snapshot ...`: build a PoR snapshot from account state, synthesise exchanges,
check a snapshot file.

Errors print one line ``error: FILE:LINE: reason`` to stderr and exit 2; outputs are
written to a temp file in the target directory and moved into place at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zkpor.prover.exchange.snapshot import SnapshotError
from zkpor.verifier.text import echo

EXIT_UNUSABLE = 2


def _fail(message: str) -> None:
    echo(f"error: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)


round_option = click.option(
    "--round",
    "round_up",
    type=click.Choice(["exact", "up"]),
    default="exact",
    show_default=True,
    callback=lambda _ctx, _param, value: value == "up",
    help="'up': amounts with more than 8 decimals round toward +infinity (else an error).",
)


haircuts_option = click.option(
    "--haircuts",
    type=click.Path(path_type=Path),
    help="Tiered collateral ratios: CSV asset,upper_usd,ratio_percent (docs/formats.md); "
    "proves collateral after haircuts >= debt per user (statement version 2).",
)


def _usd(v_1e16: int) -> str:
    from zkpor.prover.exchange.ingest import format_decimal

    return format_decimal(v_1e16, 16)


@click.group()
def snapshot() -> None:
    """Snapshots: build from account state, synthesise, check."""


@snapshot.command("build")
@click.argument("accounts", type=click.Path(path_type=Path))
@click.option(
    "--prices",
    "prices_file",
    required=True,
    type=click.Path(path_type=Path),
    help='Prices: CSV asset,price_usd or JSON {"BTC": "91234.5"}.',
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Snapshot to write (long CSV uid,asset,amount).",
)
@click.option(
    "--report",
    required=True,
    type=click.Path(path_type=Path),
    help="Reconciliation CSV: account view vs snapshot per user and asset.",
)
@round_option
@haircuts_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
def build_command(
    accounts: Path,
    prices_file: Path,
    out: Path,
    report: Path,
    round_up: bool,
    haircuts: Path | None,
    quiet: bool,
) -> None:
    """Build the PoR snapshot from ACCOUNTS (JSON lines, one user per line)."""
    from zkpor.prover.exchange.accounts import build_accounts, write_report
    from zkpor.prover.exchange.haircuts import load_haircuts
    from zkpor.prover.exchange.ingest import load_prices, write_snapshot_csv

    t0 = time.perf_counter()
    try:
        prices = load_prices(prices_file)
        tiers = load_haircuts(haircuts, list(prices)) if haircuts else None
        res = build_accounts(accounts, prices, round_up=round_up, progress=not quiet, tiers=tiers)
        bad = write_report(res, report)
        if bad:
            _fail(f"{report}: {bad} users' account view and snapshot totals differ (see 'check')")
        write_snapshot_csv(res.snapshot, out)
    except SnapshotError as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"{e.filename or ''}: {e.strerror or e}")
    s = res.snapshot
    excl = ""
    if res.excluded:
        excl = (
            f" ({len(res.excluded)} left out with negative net equity, total "
            f"{_usd(res.excluded_total)} USD)"
        )
    if res.haircut_excluded:
        excl += (
            f" ({len(res.haircut_excluded)} left out whose collateral after haircuts does not "
            f"cover their debt, short by {_usd(res.haircut_shortfall // 100)} USD in total)"
        )
        for uid, he in res.haircut_excluded[:10]:
            echo(
                f"  haircut rule fails: {uid}: collateral after haircuts {_usd(-he // 100)} USD short"
            )
        if len(res.haircut_excluded) > 10:
            echo(f"  ... and {len(res.haircut_excluded) - 10} more (see the report)")
    echo(
        f"snapshot build: {s.n_users} users{excl}, {s.n_entries} entries, {s.n_assets} assets, "
        f"{time.perf_counter() - t0:.2f} s -> {out}; report {report}: all totals agree"
    )


@snapshot.command("synth")
@click.option("--users", required=True, type=click.IntRange(1))
@click.option("--assets", required=True, type=click.IntRange(1, 1 << 16))
@click.option("--entries-per-user", default=2, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Snapshot (.csv or .parquet, long layout) or, with --accounts, ACCOUNTS.jsonl.",
)
@click.option("--prices-out", type=click.Path(path_type=Path), help="Write prices CSV here.")
@click.option(
    "--accounts",
    "accounts_mode",
    is_flag=True,
    help="Write account state (ACCOUNTS.jsonl with margin, futures, loans) for "
    "'snapshot build' instead of a snapshot.",
)
@click.option(
    "--borrowers",
    default=0,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="With --accounts: whales who borrowed USDT against BTC/ETH collateral, sized "
    "around docs/haircuts-example.csv's bounds (some fail the haircut rule).",
)
@click.option("--quiet", is_flag=True, help="No progress display.")
def synth_command(
    users: int,
    assets: int,
    entries_per_user: int,
    seed: int,
    out: Path,
    prices_out: Path | None,
    accounts_mode: bool,
    borrowers: int,
    quiet: bool,
) -> None:
    """Synthesise a realistic exchange, deterministic from --seed."""
    from rich.console import Console

    from zkpor.prover.exchange.ingest import write_prices_csv
    from zkpor.prover.exchange.synth import synth_accounts, synth_snapshot, write_snapshot_file

    t0 = time.perf_counter()
    console = Console(stderr=True, quiet=quiet)
    try:
        if accounts_mode:
            with console.status(f"writing {users} accounts"):
                symbols, prices = synth_accounts(users, assets, seed, out, borrowers=borrowers)
            n_entries = "-"
        else:
            if entries_per_user > assets:
                _fail(f"--entries-per-user {entries_per_user} exceeds --assets {assets}")
            with console.status("generating the snapshot") as st:
                snap = synth_snapshot(users, assets, entries_per_user, seed)
                st.update(f"writing {out}")
                write_snapshot_file(snap, out)
            symbols, prices = snap.symbols, snap.prices
            n_entries = str(snap.n_entries)
        if prices_out is not None:
            write_prices_csv(symbols, prices, prices_out)
    except SnapshotError as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"{e.filename or ''}: {e.strerror or e}")
    kind = "accounts" if accounts_mode else "snapshot"
    echo(
        f"snapshot synth: {users} users, {n_entries} entries, {assets} assets, "
        f"{time.perf_counter() - t0:.2f} s -> {out} ({kind})"
        + (f", prices {prices_out}" if prices_out else "")
    )


@snapshot.command("check")
@click.argument("snapshot_file", type=click.Path(path_type=Path))
@click.option("--prices", "prices_file", required=True, type=click.Path(path_type=Path))
@round_option
@click.option("--totals", is_flag=True, help="Print per-asset totals.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def check_command(
    snapshot_file: Path, prices_file: Path, round_up: bool, totals: bool, quiet: bool
) -> None:
    """Read and validate a snapshot file; report users with negative net equity."""
    from zkpor.prover.exchange.ingest import format_decimal, load_prices, load_snapshot

    t0 = time.perf_counter()
    try:
        prices = load_prices(prices_file)
        snap = load_snapshot(snapshot_file, prices, round_up=round_up, progress=not quiet)
    except SnapshotError as e:
        _fail(str(e))
    eq = snap.equities()
    neg = [u for u, e in enumerate(eq) if e < 0]
    if totals:
        for sym, t in zip(snap.symbols, snap.totals(), strict=True):
            echo(f"{sym},{format_decimal(t)}")
    msg = (
        f"snapshot check: {snap.n_users} users, {snap.n_entries} entries, {snap.n_assets} assets, "
        f"{time.perf_counter() - t0:.2f} s"
    )
    if neg:
        echo(msg, err=False)
        _fail(
            f"{snapshot_file}: {len(neg)} users have negative net equity (first: "
            f"{snap.uids[neg[0]]!r}, total {_usd(sum(eq[u] for u in neg))} USD); "
            "the protocol requires >= 0: leave them out"
        )
    echo(msg)
