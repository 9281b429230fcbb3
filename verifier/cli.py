"""`zkpor-verify`: the auditor's and the user's checks, with only the base install.

Exit codes: 0 the check passes, 1 it fails, 2 the input is unusable. Every line printed
goes through :func:`zkpor.verifier.text.echo`, which escapes what is not printable.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zkpor.verifier.amounts import format_price, format_units, format_usd
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.inclusion import InclusionResult, check_user
from zkpor.verifier.jsonio import INCLUSION_MAX_BYTES, read_bytes
from zkpor.verifier.public import load_public
from zkpor.verifier.reserves import (
    check_reserves,
    coverage_table,
    escape,
    read_reserves,
    read_signed_reserves,
    write_json_atomic,
)
from zkpor.verifier.text import echo

EXIT_FAIL, EXIT_UNUSABLE = 1, 2


def _fail(reason: str) -> None:
    echo(f"FAIL: {reason}")
    sys.exit(EXIT_FAIL)


def _unusable(reason: str) -> None:
    echo(f"error: {reason}", err=True)
    sys.exit(EXIT_UNUSABLE)


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
        st = checked.statement
        table = coverage_table(st, read_reserves(reserves, st)) if reserves else []
    except InputError as exc:
        _unusable(str(exc))
    except VerificationError as exc:
        _fail(str(exc))
    for line in checked.summary() + table:
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
        data = read_bytes(inclusion_file, INCLUSION_MAX_BYTES)
        folder = load_public(public, srs)
        user = check_user(folder, data, uid, allow_insecure, str(inclusion_file))
    except InputError as exc:
        _unusable(str(exc))
    except VerificationError as exc:
        _fail(str(exc))
    result, record = user.result, user.record
    shard = "" if record.shard is None else f", shard {record.shard}"
    echo(f"user {result.uid} in snapshot {record.snapshot_id}{shard}, leaf {result.leaf_index}")
    for symbol, units, price in result.balances:
        echo(
            f"  {symbol:<8} {format_units(units):>26}  at {format_price(price)}  = {format_usd(units * price, 16)}"
        )
    echo(f"net equity at the published prices: {format_usd(result.equity, 16)}")
    for line in haircut_lines(result):
        echo(line)
    for line in user.checked.summary()[1:]:
        echo(line)
    if not user.uid_checked:
        echo("NOTE: uid not checked: pass --uid UID to compare the file's uid with yours")
    echo("PASS: you are included with exactly these balances, and the proof verifies")
    echo("Compare the published digest with the one the auditor published.")


@click.command("verify")
@click.argument("reserves_file", type=click.Path(path_type=Path))
@click.option(
    "--public",
    "public",
    type=click.Path(path_type=Path),
    help="The published folder: its verified statement gives the liabilities.",
)
@srs_option
@insecure_option
@click.option(
    "--expect-message",
    help="Every row's message must be exactly this text (e.g. naming the snapshot).",
)
@click.option("--rpc", help="Ethereum JSON-RPC URL: compare EVM balances at each row's height.")
@click.option(
    "--rpc-network",
    default="ethereum",
    show_default=True,
    help="Which network's rows the --rpc node answers for (ETH, BSC, Polygon, ...).",
)
@click.option(
    "--contracts",
    type=click.Path(path_type=Path),
    help='JSON {COIN: {"contract": "0x...", "decimals": N}} for ERC-20 balances with --rpc.',
)
@click.option(
    "--json", "json_out", type=click.Path(path_type=Path), help="Write the report as JSON here."
)
def reserves_verify_command(
    reserves_file: Path,
    public: Path | None,
    srs: Path | None,
    allow_insecure: bool,
    expect_message: str | None,
    rpc: str | None,
    rpc_network: str,
    contracts: Path | None,
    json_out: Path | None,
) -> None:
    """Check address ownership (signatures) and compare reserves with proven liabilities."""
    try:
        from zkpor.verifier import evm_rpc, signatures
    except ImportError as exc:
        _unusable(
            f"zkpor reserves verify needs the reserves extra ({exc.name} is missing): "
            "pip install '.[reserves]'"
        )
    start = time.perf_counter()
    insecure = False
    try:
        rows = read_signed_reserves(reserves_file)
        statement = None
        if public is not None:
            checked = load_public(public, srs).check(allow_insecure)
            statement, insecure = checked.statement, checked.insecure
        checker = None
        if rpc:
            try:
                chain = signatures.chain_of(rpc_network)
            except signatures.Unsupported:
                chain = None
            if chain is None or chain.scheme != "evm":
                raise InputError(f"--rpc-network '{escape(rpc_network)}' is not an EVM network")
            tokens = evm_rpc.read_contracts(contracts) if contracts else {}
            checker = evm_rpc.BalanceChecker(evm_rpc.EvmRpc(rpc), chain.name, tokens)
        report = check_reserves(reserves_file, rows, statement, expect_message, checker)
        if checker is not None:
            report.warnings.append(
                f"--rpc: {checker.checked} row(s) of {checker.network} compared with the node, "
                f"{checker.skipped} verified row(s) of other networks not"
            )
        if json_out is not None:
            try:
                write_json_atomic(json_out, report.to_json())
            except OSError as exc:
                raise InputError(f"{json_out}: cannot write ({exc.strerror or exc})") from None
    except InputError as exc:
        _unusable(escape(str(exc), 400))
    except VerificationError as exc:
        _fail(escape(f"{public}: the proof does not verify: {exc}", 400))
    if insecure:
        echo("WARNING: the SRS is an INSECURE development SRS: the liabilities prove nothing.")
    for line in report.lines():
        echo(line)
    echo(f"({time.perf_counter() - start:.1f} s)")
    sys.exit(0 if report.passed else EXIT_FAIL)


@click.group()
@click.version_option(package_name="zkpor", prog_name="zkpor-verify")
def main() -> None:
    """zkpor-verify: check a zkpor proof of solvency and your inclusion in it."""


@main.group("inclusion")
def inclusion_group() -> None:
    """The user's inclusion check."""


@main.group("reserves")
def reserves_group() -> None:
    """Proof of reserves: address ownership and coverage of the liabilities."""


main.add_command(verify_command)
inclusion_group.add_command(inclusion_verify_command)
reserves_group.add_command(reserves_verify_command)
