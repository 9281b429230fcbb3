"""`zkpor demo`: a synthetic exchange end to end, in the three roles, with a summary."""

from __future__ import annotations

import time
from pathlib import Path

import click

from zkpor.prover.argument.publish import PrivateFolder
from zkpor.prover.atomic import atomic_write
from zkpor.prover.cli.prove import prove_snapshot
from zkpor.prover.exchange.accounts import build_accounts, write_report
from zkpor.prover.exchange.haircuts import EXAMPLE, load_haircuts
from zkpor.prover.exchange.ingest import (
    load_prices,
    load_snapshot,
    write_prices_csv,
    write_snapshot_csv,
)
from zkpor.prover.exchange.synth import synth_accounts
from zkpor.prover.setup.srs import dev_srs
from zkpor.verifier.amounts import format_units, format_usd
from zkpor.verifier.cli import haircut_lines
from zkpor.verifier.inclusion import check_user
from zkpor.verifier.public import format_digest, load_public
from zkpor.verifier.reserves import coverage_table, read_reserves
from zkpor.verifier.statement import Statement
from zkpor.verifier.text import echo

DEMO_LOG_N = 16
DEMO_BORROWERS = 6


def _step(text: str) -> None:
    click.secho(f"\n== {text}", bold=True)


def _reserves_step(out: Path, statement: Statement, seed: int) -> None:
    """Sign a reserves file with demo keys beside the proof, then verify it as the auditor."""
    _step("exchange: sign reserves (demo keys); auditor: verify ownership and coverage")
    try:
        from zkpor.prover.exchange.reserves import demo_key_rows, write_reserves
        from zkpor.verifier.reserves import check_reserves, read_signed_reserves
    except ImportError as exc:
        echo(f"  skipped: {exc.name} is missing (pip install '.[reserves]')")
        return
    path, message = (
        out / "reserves.csv",
        f"zkpor demo exchange: reserves for snapshot {statement.snapshot_id}",
    )
    assets = [(a.symbol, a.total) for a in statement.assets]
    rows = write_reserves(demo_key_rows(assets, f"demo-{seed}"), message, path)
    echo(
        f"signed '{message}' with demo keys for {len(rows)} addresses (BTC P2PKH, P2WPKH, "
        f"P2SH-P2WPKH, 2-of-3 P2SH/P2WSH/P2SH-P2WSH; LTC; DOGE; EVM; TRON): {path}"
    )
    t_check = time.perf_counter()
    report = check_reserves(path, read_signed_reserves(path), statement, message)
    echo(
        f"zkpor reserves verify {path} --public {out / 'public'} --allow-insecure "
        f"--expect-message '{message}'"
    )
    lines = report.lines()
    for line in lines[:8] + ["  ..."] + lines[len(report.assets) + 2 :]:
        echo("  " + line)
    echo(f"  ({time.perf_counter() - t_check:.1f} s)")
    if not report.passed:
        raise click.ClickException("the demo's signed reserves do not verify")


@click.command("demo")
@click.option("--workdir", default="demo-out", show_default=True, type=click.Path(path_type=Path))
@click.option("--users", default=10_000, show_default=True, type=click.IntRange(1, 20_000))
@click.option("--assets", default=20, show_default=True, type=click.IntRange(3, 200))
@click.option("--seed", default=7, show_default=True, type=int)
def demo_command(workdir: Path, users: int, assets: int, seed: int) -> None:
    """Synthesise an exchange, build its snapshot, prove, verify and check three users."""
    t0 = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    accounts, prices_csv = workdir / "accounts.jsonl", workdir / "prices.csv"
    snapshot_csv, report = workdir / "snapshot.csv", workdir / "reconciliation.csv"
    haircuts = workdir / "haircuts.csv"
    srs_dir, out = workdir / f"srs-dev-{DEMO_LOG_N}", workdir / "proof"

    _step(
        f"exchange: {users} synthetic accounts and {DEMO_BORROWERS} whale borrowers, "
        f"{assets} assets (margin, futures, loans)"
    )
    symbols, prices = synth_accounts(users, assets, seed, accounts, borrowers=DEMO_BORROWERS)
    write_prices_csv(symbols, prices, prices_csv)
    atomic_write(haircuts, EXAMPLE.encode())
    price_map = load_prices(prices_csv)
    tiers = load_haircuts(haircuts, list(price_map), ignore_unknown=True)
    built = build_accounts(accounts, price_map, tiers=tiers)
    mismatches = write_report(built, report)
    write_snapshot_csv(built.snapshot, snapshot_csv)
    echo(
        f"zkpor snapshot build {accounts} --prices {prices_csv} --haircuts {haircuts} "
        f"--out {snapshot_csv} --report {report}\n"
        f"  {built.snapshot.n_users} users, {built.snapshot.n_entries} entries; "
        f"{len(built.excluded)} left out with negative equity; reconciliation mismatches: {mismatches}"
    )
    for uid, he in built.haircut_excluded:
        echo(
            f"  haircut rule fails: {uid}: collateral after haircuts "
            f"{format_usd(-he, 18).lstrip('-')} short of the debt (left out)"
        )

    _step("exchange: development SRS (INSECURE, known tau; use `zkpor setup import` for real)")
    if not (srs_dir / "vk.json").exists():
        dev_srs(DEMO_LOG_N, srs_dir, seed=str(seed))
    echo(f"zkpor setup dev --log-n {DEMO_LOG_N} --out {srs_dir}")

    _step("exchange: prove")
    snapshot = load_snapshot(snapshot_csv, price_map)
    t_prove = time.perf_counter()
    bundle = prove_snapshot(snapshot, srs_dir, out, f"demo-{seed}", tiers=tiers)
    prove_s = time.perf_counter() - t_prove
    echo(
        f"zkpor prove {snapshot_csv} --prices {prices_csv} --haircuts {haircuts} "
        f"--srs {srs_dir} --out {out}"
    )
    echo(f"  {prove_s:.1f} s; " + ", ".join(f"{k} {v:.1f}" for k, v in bundle.timings.items()))

    _step("auditor: verify the published proof against reserves")
    reserves = workdir / "reserves.csv"
    lines = ["asset,amount"] + [
        f"{a.symbol},{format_units(max(a.total, 0) * 105 // 100)}" for a in bundle.statement.assets
    ]
    atomic_write(reserves, ("\n".join(lines) + "\n").encode())
    t_verify = time.perf_counter()
    folder = load_public(out / "public")
    checked = folder.check(allow_insecure=True)
    verified = checked.verified
    verify_s = time.perf_counter() - t_verify
    echo(f"zkpor verify {out / 'public'} --reserves {reserves} --allow-insecure")
    echo(f"  key: {checked.key_origin}")
    echo(f"  published digest {format_digest(checked.digest)}")
    for line in coverage_table(verified.statement, read_reserves(reserves, verified.statement))[:6]:
        echo("  " + line)
    echo(f"  ... PASS in {verify_s:.1f} s")

    _reserves_step(out, verified.statement, seed)

    _step("users: check inclusion")
    private = PrivateFolder(out / "private")
    picks = [snapshot.uids[i] for i in (0, len(snapshot.uids) // 2)]
    picks += [uid for uid in snapshot.uids if uid.startswith("whale")][:1]
    for uid in picks:
        path = workdir / f"inclusion-{uid}.json"
        atomic_write(path, private.record(uid).dumps().encode())
        result = check_user(folder, path.read_bytes(), uid, allow_insecure=True).result
        held = ", ".join(f"{format_units(u)} {s}" for s, u, _ in result.balances) or "nothing"
        echo(
            f"zkpor inclusion verify {path} --public {out / 'public'} --uid {uid} --allow-insecure\n"
            f"  {uid}: {held}; net equity {format_usd(result.equity, 16)}: PASS"
        )
        for line in haircut_lines(result):
            echo("  " + line)

    st = bundle.statement
    public_bytes = sum(f.stat().st_size for f in (out / "public").iterdir())
    _step("summary")
    echo(
        f"users {snapshot.n_users}, entries {snapshot.n_entries}, assets {len(st.assets)}, N = 2^{st.log_n}\n"
        f"prove {prove_s:.1f} s, verify {verify_s:.1f} s, proof {len(bundle.proof.to_bytes())} bytes, "
        f"public folder {public_bytes:,} bytes\n"
        f"demo finished in {time.perf_counter() - t0:.1f} s; files in {workdir}/"
    )
