"""`zkpor-verify`: the auditor's and the user's checks, with only the base install.

Exit codes: 0 the check passes, 1 it fails, 2 the input is unusable.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zkpor.verifier.amounts import format_units, format_usd
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.inclusion import InclusionRecord, check_inclusion
from zkpor.verifier.jsonio import INCLUSION_MAX_BYTES, read_bytes
from zkpor.verifier.public import load_public
from zkpor.verifier.reserves import coverage_table, read_reserves

EXIT_FAIL, EXIT_UNUSABLE = 1, 2


def _fail(reason: str) -> None:
    click.echo(f"FAIL: {reason}")
    sys.exit(EXIT_FAIL)


def _unusable(reason: str) -> None:
    click.echo(f"error: {reason}", err=True)
    sys.exit(EXIT_UNUSABLE)


@click.command("verify")
@click.argument("public", type=click.Path(path_type=Path))
@click.option("--reserves", type=click.Path(path_type=Path), help="CSV asset,amount of reserves.")
@click.option(
    "--srs",
    type=click.Path(path_type=Path),
    help="vk.json (or SRS folder) obtained independently; default: PUBLIC/vk.json.",
)
def verify_command(public: Path, reserves: Path | None, srs: Path | None) -> None:
    """Check a published solvency proof (the auditor's check)."""
    start = time.perf_counter()
    try:
        folder = load_public(public, srs)
        verified = folder.verify()
        table = (
            coverage_table(verified.statement, read_reserves(reserves, verified.statement))
            if reserves
            else []
        )
    except InputError as exc:
        _unusable(str(exc))
    except VerificationError as exc:
        _fail(str(exc))
    st = verified.statement
    if folder.vk.insecure:
        click.echo(
            "WARNING: the SRS is an INSECURE development SRS (known tau): this proof proves nothing."
        )
    click.echo(
        f"snapshot {st.snapshot_id} ({st.snapshot_time}): N = {st.n}, {st.n_u} fingerprints, {len(st.assets)} assets"
    )
    click.echo(f"SRS digest {st.srs_digest.hex()} ({folder.vk.source})")
    click.echo(f"Merkle root {st.merkle_root.hex()}")
    for line in table:
        click.echo(line)
    click.echo(f"PASS ({time.perf_counter() - start:.1f} s)")


@click.command("verify")
@click.argument("inclusion_file", type=click.Path(path_type=Path))
@click.option(
    "--public",
    "public",
    required=True,
    type=click.Path(path_type=Path),
    help="The published folder.",
)
@click.option("--srs", type=click.Path(path_type=Path), help="vk.json obtained independently.")
def inclusion_verify_command(inclusion_file: Path, public: Path, srs: Path | None) -> None:
    """Check that you are counted, with your exact balances (the user's check)."""
    try:
        data = read_bytes(inclusion_file, INCLUSION_MAX_BYTES)
        record = InclusionRecord.loads(data, str(inclusion_file))
        folder = load_public(public, srs)
        verified = folder.verify()
        result = check_inclusion(record, verified)
    except InputError as exc:
        _unusable(str(exc))
    except VerificationError as exc:
        _fail(str(exc))
    click.echo(f"user {result.uid} in snapshot {record.snapshot_id}, leaf {result.leaf_index}")
    for symbol, units, price in result.balances:
        click.echo(
            f"  {symbol:<8} {format_units(units):>26}  at {format_usd(price)}  = {format_usd(units * price, 16)}"
        )
    click.echo(f"net equity at the published prices: {format_usd(result.equity, 16)}")
    if folder.vk.insecure:
        click.echo("WARNING: the SRS is an INSECURE development SRS: this proof proves nothing.")
    click.echo("PASS: you are included with exactly these balances, and the proof verifies")


@click.group()
@click.version_option(package_name="zkpor", prog_name="zkpor-verify")
def main() -> None:
    """zkpor-verify: check a zkpor proof of solvency and your inclusion in it."""


@main.group("inclusion")
def inclusion_group() -> None:
    """The user's inclusion check."""


main.add_command(verify_command)
inclusion_group.add_command(inclusion_verify_command)
