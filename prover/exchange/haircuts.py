"""The haircuts file: tiered collateral ratios per asset (PROTOCOL.md section 9, formats.md).

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


def parse_haircuts(text: str, symbols: Sequence[str], path: str = "<haircuts>") -> TierTables:
    """Per asset of ``symbols`` (in order) its tier table, or None (100%)."""
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


def load_haircuts(path: str | os.PathLike, symbols: Sequence[str]) -> TierTables:
    """Read a haircuts CSV for the assets ``symbols`` (the prices file's order)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise SnapshotError(f"cannot read ({exc.strerror or exc})", str(path)) from None
    except UnicodeDecodeError:
        raise SnapshotError("not UTF-8 text", str(path)) from None
    return parse_haircuts(text, symbols, str(path))


def format_haircuts(symbols: Sequence[str], tables: TierTables) -> str:
    """The CSV text of tier tables (the inverse of :func:`parse_haircuts`)."""
    from zkpor.prover.exchange.ingest import format_decimal

    lines = [",".join(HEADER)]
    for symbol, tiers in zip(symbols, tables, strict=True):
        for tier in tiers or ():
            upper = "" if tier.upper is None else format_decimal(tier.upper, USD_SCALE)
            lines.append(f"{symbol},{upper},{tier.ratio}")
    return "\n".join(lines) + "\n"
