"""The haircuts file: tiered collateral ratios per asset (PROTOCOL.md section 10, formats.md).

CSV with header ``asset,upper_usd,ratio_percent``, one row per tier, the tiers of one
asset in ascending order of ``upper_usd`` (exact USD decimals, at most 16 places), an
empty ``upper_usd`` for an unbounded last tier, ``ratio_percent`` an integer 0..100.
Assets not listed count at 100%. Errors are one line ``FILE:LINE: reason``
(:class:`SnapshotError`; the CLI exits 2).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence

from zkpor.circuits.haircuts import MAX_TIERS, Tier, check_tiers
from zkpor.prover.exchange.ingest import parse_decimal
from zkpor.prover.exchange.snapshot import SnapshotError

HEADER = ["asset", "upper_usd", "ratio_percent"]
USD_SCALE = 16
"""Bounds are held in 1e-16 USD (the unit of p * b)."""

TierTables = list[tuple[Tier, ...] | None]

EXAMPLE = """\
asset,upper_usd,ratio_percent
BTC,30000000,100
BTC,50000000,98
BTC,100000000,95
BTC,200000000,90
BTC,300000000,85
BTC,500000000,75
BTC,1000000000,60
BTC,1500000000,45
BTC,2500000000,30
ETH,20000000,100
ETH,40000000,97
ETH,80000000,93
ETH,150000000,88
ETH,300000000,80
ETH,600000000,65
ETH,1000000000,50
ETH,1500000000,35
BNB,5000000,100
BNB,10000000,95
BNB,20000000,90
BNB,50000000,80
BNB,100000000,60
BNB,200000000,40
SOL,2000000,100
SOL,5000000,95
SOL,10000000,90
SOL,25000000,80
SOL,50000000,65
SOL,100000000,45
XRP,1000000,100
XRP,3000000,90
XRP,8000000,80
XRP,20000000,60
XRP,50000000,40
DOGE,500000,100
DOGE,1000000,90
DOGE,2000000,80
DOGE,4000000,60
DOGE,7000000,30
DOGE,10000000,10
SHIB,500000,100
SHIB,1000000,90
SHIB,2000000,80
SHIB,4000000,60
SHIB,7000000,30
SHIB,10000000,10
"""
"""docs/haircuts-example.csv (a test keeps the two equal): Binance-like tiered collateral
ratios (BTC's bounds and ratios from the issue's example: 100% to $30M, 98% to $50M, 95%
to $100M, ..., 30% to $2.5B, 0% beyond), used by the demo's synthetic exchange."""


def parse_haircuts(
    text: str, symbols: Sequence[str], path: str = "<haircuts>", ignore_unknown: bool = False
) -> TierTables:
    """Per asset of ``symbols`` (in order) its tier table, or None (100%).

    ``ignore_unknown`` skips rows of assets not in ``symbols`` (the demo's smaller
    exchanges); otherwise they are errors.
    """
    lines = text.splitlines()
    if not lines:
        raise SnapshotError(
            "empty haircuts file (expected the header asset,upper_usd,ratio_percent)", path
        )
    rows = list(csv.reader(lines))
    if [c.strip() for c in rows[0]] != HEADER:
        raise SnapshotError(
            f"header must be {','.join(HEADER)}, got {','.join(rows[0])!r}", path, 1
        )
    index = {s: j for j, s in enumerate(symbols)}
    tables: dict[str, list[Tier]] = {}
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 3:
            raise SnapshotError(
                f"expected 3 fields asset,upper_usd,ratio_percent, got {len(row)}", path, line
            )
        asset, upper_text, ratio_text = (c.strip() for c in row)
        if asset not in index and ignore_unknown:
            continue
        if asset not in index:
            raise SnapshotError(f"unknown asset {asset!r} (not in the prices)", path, line)
        tiers = tables.setdefault(asset, [])
        first_line.setdefault(asset, line)
        if tiers and tiers[-1].upper is None:
            raise SnapshotError(f"{asset}: a tier after the unbounded last tier", path, line)
        if len(tiers) == MAX_TIERS:
            raise SnapshotError(f"{asset}: more than {MAX_TIERS} tiers", path, line)
        upper = None
        if upper_text:
            try:
                upper = parse_decimal(upper_text, USD_SCALE, what="upper_usd")
            except ValueError as exc:
                raise SnapshotError(str(exc), path, line) from None
            if upper <= 0:
                raise SnapshotError(f"upper_usd {upper_text!r} must be positive", path, line)
            if tiers and upper <= (tiers[-1].upper or 0):
                raise SnapshotError(
                    f"{asset}: upper_usd {upper_text!r} is not above the previous tier's",
                    path,
                    line,
                )
        if not ratio_text.isascii() or not ratio_text.isdigit() or not 0 <= int(ratio_text) <= 100:
            raise SnapshotError(
                f"ratio_percent {ratio_text!r} is not an integer between 0 and 100", path, line
            )
        tiers.append(Tier(upper, int(ratio_text)))
    out: TierTables = [None] * len(symbols)
    for asset, tiers in tables.items():
        reason = check_tiers(tiers)
        if reason:
            raise SnapshotError(f"tier table of {asset} {reason}", path, first_line[asset])
        out[index[asset]] = tuple(tiers)
    return out


def load_haircuts(
    path: str | os.PathLike, symbols: Sequence[str], ignore_unknown: bool = False
) -> TierTables:
    """Read a haircuts CSV for the assets ``symbols`` (the prices file's order)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise SnapshotError(f"cannot read ({exc.strerror or exc})", str(path)) from None
    except UnicodeDecodeError:
        raise SnapshotError("not UTF-8 text", str(path)) from None
    return parse_haircuts(text, symbols, str(path), ignore_unknown)


def format_haircuts(symbols: Sequence[str], tables: TierTables) -> str:
    """The CSV text of tier tables (the inverse of :func:`parse_haircuts`)."""
    from zkpor.prover.exchange.ingest import format_decimal

    lines = [",".join(HEADER)]
    for symbol, tiers in zip(symbols, tables, strict=True):
        for tier in tiers or ():
            upper = "" if tier.upper is None else format_decimal(tier.upper, USD_SCALE)
            lines.append(f"{symbol},{upper},{tier.ratio}")
    return "\n".join(lines) + "\n"
