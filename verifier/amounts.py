"""Exact conversion between integer units (1e-8) and decimal text; never floats."""

from __future__ import annotations

import re

DECIMALS = 8
_NUMBER = re.compile(r"^-?(\d+)(\.(\d+))?$")


def format_units(units: int, decimals: int = DECIMALS) -> str:
    """12345 -> '0.00012345' (8 decimals); the sign is kept."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def parse_units(text: str, decimals: int = DECIMALS) -> int:
    """'-3.5' -> -350000000; more than ``decimals`` fractional digits is an error."""
    match = _NUMBER.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a decimal number")
    frac = match.group(3) or ""
    if len(frac) > decimals:
        raise ValueError(f"{text!r} has more than {decimals} decimal places")
    value = int(match.group(1)) * 10**decimals + int(frac.ljust(decimals, "0") or "0")
    return -value if text.strip().startswith("-") else value


def format_usd(value: int, scale: int = 8) -> str:
    """An amount in 10^-scale USD as dollars with two decimals (truncated, exact)."""
    sign = "-" if value < 0 else ""
    cents = abs(value) // 10 ** (scale - 2)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"
