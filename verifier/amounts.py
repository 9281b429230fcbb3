"""Exact conversion between integer units (1e-8) and decimal text; never floats."""

from __future__ import annotations

import re

DECIMALS = 8
MAX_DIGITS = 80
"""Longest digit string accepted (2^127 units is 39 digits); int() of more is slow or fails."""
_NUMBER = re.compile(r"-?([0-9]+)(\.([0-9]+))?")


def format_units(units: int, decimals: int = DECIMALS) -> str:
    """12345 -> '0.00012345' (8 decimals); the sign is kept."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def _quote(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def parse_units(text: str, decimals: int = DECIMALS) -> int:
    """'-3.5' -> -350000000; more than ``decimals`` fractional digits is an error."""
    if not isinstance(text, str):
        raise ValueError(f"{type(text).__name__} is not a decimal string")
    match = _NUMBER.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{_quote(text)} is not a decimal number")
    frac = match.group(3) or ""
    if len(frac) > decimals:
        raise ValueError(f"{_quote(text)} has more than {decimals} decimal places")
    if len(match.group(1)) > MAX_DIGITS:
        raise ValueError(f"{_quote(text)} has more than {MAX_DIGITS} digits")
    value = int(match.group(1)) * 10**decimals + int(frac.ljust(decimals, "0") or "0")
    return -value if text.strip().startswith("-") else value


def format_usd(value: int, scale: int = 8) -> str:
    """An amount in 10^-scale USD as dollars with two decimals (truncated, exact)."""
    sign = "-" if value < 0 else ""
    cents = abs(value) // 10 ** (scale - 2)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


def format_price(price: int) -> str:
    """A price in 1e-8 USD per coin, exact: '$91,234.56', '$0.00001234' (at least cents)."""
    whole, frac = divmod(price, 10**DECIMALS)
    digits = f"{frac:0{DECIMALS}d}".rstrip("0").ljust(2, "0")
    return f"${whole:,}.{digits}"
