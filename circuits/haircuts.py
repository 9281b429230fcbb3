"""Tiered collateral ratios (PROTOCOL.md section 10.2): one integer function, used everywhere.

The verifier builds the public tier table from it, the prover picks each entry's tier
row with it, and a user's inclusion check values their balances with it. Units: prices
in 1e-8 USD per coin, balances in 1e-8 coin, bounds in 1e-16 USD, ratios in percent;
a haircut value is in 1e-16 USD x percent (scale 100), so everything is an exact integer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BALANCE_LO = -(1 << 127)
BALANCE_HI = 1 << 127
"""Balances satisfy BALANCE_LO <= b < BALANCE_HI."""
MAX_TIERS = 16
BOUND_LIMIT = 1 << 128
"""Tier bounds are integers in (0, 2^128), in 1e-16 USD."""
FULL = 100
"""Ratio of an asset without a table, and the scale of haircut values."""


@dataclass(frozen=True)
class Tier:
    upper: int | None
    """Upper USD bound of the tier in 1e-16 USD (exclusive); None: unbounded (last tier only)."""
    ratio: int
    """Collateral ratio in percent, 0..100."""


@dataclass(frozen=True)
class TierRow:
    """One row of the public tier table: balances lo <= b < hi count bs + rp * (b - lo)."""

    lo: int
    hi: int
    rp: int
    bs: int
    pos: int

    def value(self, b: int) -> int:
        return self.bs + self.rp * (b - self.lo)


def check_tiers(tiers: Sequence[Tier]) -> str | None:
    """Why a tier table is invalid (one line), or None if it is valid."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        return f"has {len(tiers)} tiers, expected 1 to {MAX_TIERS}"
    previous = 0
    for k, tier in enumerate(tiers):
        ratio = tier.ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int) or not 0 <= ratio <= FULL:
            return f"tier {k + 1} ratio {ratio!r} is not an integer percent in [0, 100]"
        if tier.upper is None:
            if k != len(tiers) - 1:
                return f"tier {k + 1} is unbounded but is not the last tier"
            continue
        upper = tier.upper
        if isinstance(upper, bool) or not isinstance(upper, int):
            return f"tier {k + 1} bound {upper!r} is not an integer"
        if not previous < upper < BOUND_LIMIT:
            return f"tier {k + 1} bound is not above the previous one and below 2^128 (1e-16 USD)"
        previous = upper
    return None


def _ceil_div(x: int, y: int) -> int:
    return -(-x // y)


def tier_rows(price: int, tiers: Sequence[Tier] | None) -> list[TierRow]:
    """The rows of one asset, ascending, partitioning [-2^127, 2^127) (section 10.2)."""
    if tiers is None:
        return [TierRow(BALANCE_LO, BALANCE_HI, FULL * price, -FULL * price * BALANCE_HI, 0)]
    if price == 0:
        return [TierRow(BALANCE_LO, BALANCE_HI, 0, 0, 0)]
    rows = [TierRow(BALANCE_LO, 1, FULL * price, -FULL * price * BALANCE_HI, 0)]
    base, prev = 0, 0
    bands = [(t.upper, t.ratio) for t in tiers]
    if bands[-1][0] is not None:
        bands.append((None, 0))
    for upper, ratio in bands:
        lo = min(max(1, _ceil_div(prev, price)), BALANCE_HI)
        hi = BALANCE_HI if upper is None else min(_ceil_div(upper, price), BALANCE_HI)
        if lo < hi:
            rows.append(TierRow(lo, hi, ratio * price, base + ratio * (price * lo - prev), 1))
        if upper is None:
            break
        base += ratio * (upper - prev)
        prev = upper
    return rows


def row_index(rows: Sequence[TierRow], b: int) -> int:
    """Index of the row whose interval holds b (binary search)."""
    if not BALANCE_LO <= b < BALANCE_HI:
        raise ValueError(f"balance {b} is outside -2^127 <= b < 2^127")
    lo, hi = 0, len(rows) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if rows[mid].lo <= b:
            lo = mid
        else:
            hi = mid - 1
    return lo


def haircut_value(price: int, tiers: Sequence[Tier] | None, b: int) -> int:
    """H(b) in 1e-16 USD x percent: 100 p b for debt or untiered assets, tiered otherwise."""
    rows = tier_rows(price, tiers)
    return rows[row_index(rows, b)].value(b)


def haircut_direct(price: int, tiers: Sequence[Tier] | None, b: int) -> int:
    """The same value from the definition (sum over tiers); tests cross-check the two."""
    if tiers is None or b <= 0:
        return FULL * price * b
    v, total, prev = price * b, 0, 0
    for tier in tiers:
        top = v if tier.upper is None else min(v, tier.upper)
        total += tier.ratio * max(0, top - prev)
        if tier.upper is None or v <= tier.upper:
            break
        prev = tier.upper
    return total


@dataclass(frozen=True)
class HaircutSummary:
    """A user's haircut view: collateral (haircut, >= 0), debt (>= 0), their difference."""

    collateral: int
    debt: int

    @property
    def equity(self) -> int:
        return self.collateral - self.debt


def haircut_summary(
    balances: Sequence[tuple[int, int]],
    prices: Sequence[int],
    tiers: Sequence[Sequence[Tier] | None],
) -> HaircutSummary:
    """Collateral and debt (1e-16 USD x percent) of (asset, balance) pairs, merged per asset."""
    merged: dict[int, int] = {}
    for a, b in balances:
        merged[a] = merged.get(a, 0) + b
    collateral = debt = 0
    for a, b in merged.items():
        value = haircut_value(prices[a], tiers[a], b)
        if value >= 0:
            collateral += value
        else:
            debt -= value
    return HaircutSummary(collateral, debt)
