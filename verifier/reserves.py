"""Reserves against proven liabilities: the reserves file and the coverage table."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from zkpor.verifier.amounts import format_units, parse_units
from zkpor.verifier.errors import InputError
from zkpor.verifier.sharded import TopStatement
from zkpor.verifier.statement import Statement


def read_reserves(path: Path, statement: Statement | TopStatement) -> dict[str, int]:
    """asset,amount CSV (coins, at most 8 decimals) -> units; errors name file and line."""
    symbols = {a.symbol for a in statement.assets}
    reserves: dict[str, int] = {}
    try:
        with open(path, newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not rows or [c.strip().lower() for c in rows[0]] != ["asset", "amount"]:
        raise InputError(f"{path}:1: header must be 'asset,amount'")
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise InputError(f"{path}:{line}: expected 2 fields, got {len(row)}")
        symbol = row[0].strip()
        if symbol not in symbols:
            raise InputError(f"{path}:{line}: asset {symbol!r} is not in the statement")
        if symbol in reserves:
            raise InputError(f"{path}:{line}: asset {symbol!r} listed twice")
        try:
            reserves[symbol] = parse_units(row[1])
        except ValueError as exc:
            raise InputError(f"{path}:{line}: {exc}") from None
    return reserves


def coverage_table(statement: Statement | TopStatement, reserves: dict[str, int]) -> list[str]:
    lines = [f"{'asset':<10} {'liabilities':>24} {'reserves':>24} {'coverage':>10}"]
    for asset in statement.assets:
        held = reserves.get(asset.symbol, 0)
        if asset.total > 0:
            ratio = f"{(Decimal(held) * 100 / Decimal(asset.total)).quantize(Decimal('0.01'))}%"
        else:
            ratio = "n/a"
        lines.append(
            f"{asset.symbol:<10} {format_units(asset.total):>24} {format_units(held):>24} {ratio:>10}"
        )
    return lines
