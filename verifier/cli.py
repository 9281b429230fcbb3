"""`zkpor-verify`: the auditor's and the user's checks, with only the base install.

Exit codes: 0 the check passes, 1 it fails, 2 the input is unusable. Every line printed
goes through :func:`zkpor.verifier.text.echo`, which escapes what is not printable.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zkpor.verifier.amounts import format_units, format_usd
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.inclusion import InclusionResult, check_user
from zkpor.verifier.public import Checked, format_digest, load_public
from zkpor.verifier.reserves import coverage_table, read_reserves
from zkpor.verifier.text import echo

EXIT_FAIL, EXIT_UNUSABLE = 1, 2


def _fail(reason: str) -> None:
    echo(f"FAIL: {reason}")
    sys.exit(EXIT_FAIL)


def _unusable(reason: str) -> None:
    echo(f"error: {reason}", err=True)
    sys.exit(EXIT_UNUSABLE)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


srs_option = click.option(
    "--srs",
    type=click.Path(path_type=Path),
    help="Your own vk.json (or SRS folder) from `zkpor setup import`; "
    "default: PUBLIC/vk.json, accepted only for a pinned ceremony.",
)
insecure_option = click.option(
    "--allow-insecure",
    is_flag=True,
    help="Accept a development SRS (known tau; proves nothing): tests and demos only.",
)


def _key_lines(checked: Checked) -> list[str]:
    st = checked.verified.statement
    lines = [f"key: {checked.key_origin}", f"SRS digest {st.srs_digest.hex()}"]
    if checked.insecure:
        lines.insert(0, "WARNING: INSECURE development SRS (known tau): this proof proves nothing.")
    lines.append(f"published digest {format_digest(checked.digest)}")
    return lines


def haircut_lines(result: InclusionResult) -> list[str]:
    """The user's haircut view (statements with tier tables): collateral, debt, equity."""
    h = result.haircut
    if h is None:
        return []
    return [
        f"collateral value after haircuts: {format_usd(h.collateral, 18)}",
        f"debt at full value:              {format_usd(h.debt, 18)}",
        f"haircut equity (proven >= 0):    {format_usd(h.equity, 18)}",
    ]


@click.command("verify")
@click.argument("public", type=click.Path(path_type=Path))
@click.option("--reserves", type=click.Path(path_type=Path), help="CSV asset,amount of reserves.")
@srs_option
@insecure_option
def verify_command(
    public: Path, reserves: Path | None, srs: Path | None, allow_insecure: bool
) -> None:
    """Check a published solvency proof (the auditor's check)."""
    start = time.perf_counter()
    try:
        checked = load_public(public, srs).check(allow_insecure)
        st = checked.verified.statement
        table = coverage_table(st, read_reserves(reserves, st)) if reserves else []
    except InputError as exc:
        _unusable(str(exc))
    except VerificationError as exc:
        _fail(str(exc))
    echo(
        f"snapshot {st.snapshot_id} ({st.snapshot_time}): N = {st.n}, {st.n_u} fingerprints, {len(st.assets)} assets"
    )
    for line in _key_lines(checked):
        echo(line)
    echo(f"Merkle root {st.merkle_root.hex()}")
    for line in table:
        echo(line)
    echo(f"PASS ({time.perf_counter() - start:.1f} s)")
    echo("Publish the digest above: users compare it with the one their own check prints.")


@click.command("verify")
@click.argument("inclusion_file", type=click.Path(path_type=Path))
@click.option(
    "--public",
    "public",
    required=True,
    type=click.Path(path_type=Path),
    help="The published folder.",
)
@click.option("--uid", help="Your uid, compared with the file's.")
@srs_option
@insecure_option
def inclusion_verify_command(
    inclusion_file: Path, public: Path, uid: str | None, srs: Path | None, allow_insecure: bool
) -> None:
    """Check that you are counted, with your exact balances (the user's check)."""
    try:
        folder = load_public(public, srs)
        user = check_user(folder, _read(inclusion_file), uid, allow_insecure, str(inclusion_file))
    except InputError as exc:
        _unusable(str(exc))
    except VerificationError as exc:
        _fail(str(exc))
    result, record = user.result, user.record
    echo(f"user {result.uid} in snapshot {record.snapshot_id}, leaf {result.leaf_index}")
    for symbol, units, price in result.balances:
        echo(
            f"  {symbol:<8} {format_units(units):>26}  at {format_usd(price)}  = {format_usd(units * price, 16)}"
        )
    echo(f"net equity at the published prices: {format_usd(result.equity, 16)}")
    for line in haircut_lines(result):
        echo(line)
    for line in _key_lines(user.checked):
        echo(line)
    if not user.uid_checked:
        echo("NOTE: uid not checked: pass --uid UID to compare the file's uid with yours")
    echo("PASS: you are included with exactly these balances, and the proof verifies")
    echo("Compare the published digest with the one the auditor published.")


@click.group()
@click.version_option(package_name="zkpor", prog_name="zkpor-verify")
def main() -> None:
    """zkpor-verify: check a zkpor proof of solvency and your inclusion in it."""


@main.group("inclusion")
def inclusion_group() -> None:
    """The user's inclusion check."""


main.add_command(verify_command)
inclusion_group.add_command(inclusion_verify_command)
