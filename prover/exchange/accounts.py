"""Account builder: the exchange's per-user account state -> PoR snapshot + reconciliation.

Input: ACCOUNTS.jsonl, one user per line (schema in docs/formats.md)::

    {"uid": "alice",
     "wallets": {"funding": {"BTC": "0.1"}, "trading": {"USDT": "1000"}},
     "cross_margin": [{"pair": "ETH/USDT", "margin_ccy": "USDT",
                       "assets": {"USDT": "3300"}, "liabilities": {"ETH": "3"}}],
     "isolated_margin": [{"pair": "ETH/USDT", "mode": "auto_transfer", "margin_ccy": "USDT",
                          "assets": {"USDT": "3800"}, "liabilities": {"ETH": "3"}},
                         {"pair": "BTC/USDT", "mode": "quick_margin",
                          "assets": {"BTC": "0.03"}, "liabilities": {"USDT": "1000"}}],
     "derivatives": [{"contract": "BTC-USDT-SWAP", "type": "usdm", "settle": "USDT",
                      "upl": "-12.5"}],
     "loans": [{"collateral_asset": "USDT", "collateral": "5000",
                "loan_asset": "BTC", "debt": "0.1"}]}

Snapshot amount per (user, asset) = every asset minus every liability across the
sub-accounts (wallets + position assets - position liabilities + UPL + loan collateral
- loan debt). The account view is what the exchange UI shows ("My portfolio"):
wallets; cross and isolated auto-transfer positions as their net value (collateral +
UPL) in the position's margin currency; quick-margin positions coin by coin (assets -
liabilities, identical to the snapshot); derivatives as UPL in the settlement asset;
loans as collateral equity = collateral - debt value, in the collateral asset.

Exactness: every amount is parsed to an integer in 1e-18 coin (FINE units), so sums are
exact. A value converted into another asset (net position value, loan collateral
equity) is ``floor(value_usd / price)`` to 1e-8 coin: the account view never overstates
the user; the remainder (>= 0, in 1e-26 USD) is carried as the user's *residue*. The
snapshot amount is the exact net; it must be a multiple of 1e-8 coin unless
``round_up``, which rounds it toward +infinity (the difference, >= 0, is the
*rounding*). Then, exactly, for every user::

    sum_a view_a * p_a + residue + rounding == sum_a snapshot_a * p_a
"""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass, field

from zkpor.circuits.haircuts import Tier, haircut_summary
from zkpor.prover.atomic import atomic_path
from zkpor.prover.exchange.ingest import (
    _Progress,
    format_decimal,
    json_document,
    normalise_symbol,
    parse_decimal,
)
from zkpor.prover.exchange.snapshot import MAX_AMOUNT, MIN_AMOUNT, Snapshot, SnapshotError
from zkpor.verifier.jsonio import LINE_MAX_BYTES

FINE = 18  # internal scale: 1e-18 coin
TO_FINE = 10 ** (FINE - 8)  # 1e-8 coin -> 1e-18 coin
USD_SCALE = FINE + 8  # amount (1e-18 coin) * price (1e-8 USD) = 1e-26 USD

_TOP_KEYS = {"uid", "wallets", "cross_margin", "isolated_margin", "derivatives", "loans"}
_MARGIN_KEYS = {"pair", "mode", "margin_ccy", "assets", "liabilities"}
_DERIV_KEYS = {"contract", "type", "settle", "upl"}
_LOAN_KEYS = {"collateral_asset", "collateral", "loan_asset", "debt"}
ISOLATED_MODES = ("auto_transfer", "quick_margin")


@dataclass
class UserBook:
    """One user's two views (amounts in 1e-18 coin) and the conversion residue."""

    uid: str
    line: int
    view: dict[str, int] = field(default_factory=dict)
    snap: dict[str, int] = field(default_factory=dict)
    residue: int = 0  # 1e-26 USD, >= 0: value not expressible in the view's 1e-8 coin

    def add(self, which: dict[str, int], asset: str, v: int) -> None:
        which[asset] = which.get(asset, 0) + v


@dataclass
class BuildResult:
    snapshot: Snapshot  # included users only (net equity >= 0)
    books: list[UserBook]
    snap_units: list[dict[str, int]]  # per book: rounded snapshot amounts, 1e-8 coin
    excluded: list[tuple[str, int]]  # (uid, net equity in 1e-16 USD) left out: negative
    prices: dict[str, int]
    seconds: float = 0.0
    haircut_excluded: list[tuple[str, int]] = field(default_factory=list)
    """(uid, haircut equity in 1e-16 USD x percent) left out: equity >= 0 at full prices,
    but collateral after haircuts below the debt (PROTOCOL.md section 10)."""
    tiers: list[tuple[Tier, ...] | None] | None = None

    @property
    def haircut_shortfall(self) -> int:
        """Total by which the haircut-excluded users' collateral misses their debt (>= 0)."""
        return -sum(he for _, he in self.haircut_excluded)

    @property
    def excluded_total(self) -> int:
        return sum(e for _, e in self.excluded)


class _Ctx:
    def __init__(self, path: str, line: int, prices: dict[str, int], round_up: bool):
        self.path, self.line, self.prices, self.round_up = path, line, prices, round_up

    def fail(self, reason: str) -> SnapshotError:
        return SnapshotError(reason, self.path, self.line)

    def asset(self, sym: object, where: str) -> str:
        if not isinstance(sym, str) or not sym:
            raise self.fail(f"{where}: asset must be a non-empty string")
        try:
            up = normalise_symbol(sym)
        except ValueError as e:
            raise self.fail(f"{where}: {e}") from None
        if up not in self.prices:
            raise self.fail(f"{where}: unknown asset {sym!r} (not in the prices)")
        return up

    def amount(self, text: object, where: str, nonneg: bool = False) -> int:
        if not isinstance(text, str):
            raise self.fail(f"{where}: amount must be a decimal string, got {text!r}")
        try:
            v = parse_decimal(text, FINE, False, what="amount")
        except ValueError as e:
            raise self.fail(f"{where}: {e}") from None
        if v % TO_FINE and not self.round_up:
            raise self.fail(
                f"{where}: amount {text!r} has more than 8 decimal places "
                "(use --round up to round each net balance toward +infinity)"
            )
        if nonneg and v < 0:
            raise self.fail(f"{where}: must not be negative, got {text!r}")
        return v

    def coins(self, obj: object, where: str, nonneg: bool) -> dict[str, int]:
        if obj is None:
            return {}
        if not isinstance(obj, dict):
            raise self.fail(f'{where}: expected an object {{"ASSET": "amount"}}')
        out: dict[str, int] = {}
        for k, v in obj.items():
            a = self.asset(k, where)
            if a in out:
                raise self.fail(f"{where}: asset {a} given twice ({k!r} and another case)")
            out[a] = self.amount(v, f"{where}.{k}", nonneg)
        return out

    def keys(self, obj: object, allowed: set[str], where: str) -> dict:
        if not isinstance(obj, dict):
            raise self.fail(f"{where}: expected a JSON object")
        extra = sorted(set(obj) - allowed)
        if extra:
            raise self.fail(f"{where}: unknown field {extra[0]!r}")
        return obj

    def listing(self, obj: object, where: str) -> list:
        if obj is None:
            return []
        if not isinstance(obj, list):
            raise self.fail(f"{where}: expected a JSON list")
        return obj


def _convert_down(value_fine_usd: int, price: int) -> tuple[int, int]:
    """floor(value / price) to 1e-8 coin, as (amount in 1e-18 coin, residue >= 0 in 1e-26 USD).

    value_fine_usd is in 1e-26 USD (1e-18 coin * 1e-8 USD); price in 1e-8 USD per coin.
    """
    unit = price * TO_FINE  # value of 1e-8 coin in 1e-26 USD
    q, r = divmod(value_fine_usd, unit)  # floor division: r in [0, unit)
    return q * TO_FINE, r


def _net_value(net: dict[str, int], prices: dict[str, int]) -> int:
    return sum(v * prices[a] for a, v in net.items())


def parse_account(
    obj: object,
    prices: dict[str, int],
    path: str = "<accounts>",
    line: int = 1,
    round_up: bool = False,
) -> UserBook:
    """One account line -> UserBook (account view, exact snapshot, residue)."""
    c = _Ctx(path, line, prices, round_up)
    obj = c.keys(obj, _TOP_KEYS, "account")
    uid = obj.get("uid")
    if not isinstance(uid, str) or not uid:
        raise c.fail("uid must be a non-empty string")
    book = UserBook(uid=uid, line=line)

    wallets = obj.get("wallets") or {}
    if not isinstance(wallets, dict):
        raise c.fail('wallets: expected an object {"wallet": {"ASSET": "amount"}}')
    for wname, coins in wallets.items():
        for a, v in c.coins(coins, f"wallets.{wname}", nonneg=False).items():
            book.add(book.view, a, v)
            book.add(book.snap, a, v)

    def position(pos: object, where: str, isolated: bool) -> None:
        pos = c.keys(pos, _MARGIN_KEYS, where)
        mode = pos.get("mode", "cross" if not isolated else None)
        if isolated and mode not in ISOLATED_MODES:
            raise c.fail(f"{where}.mode must be one of {', '.join(ISOLATED_MODES)}, got {mode!r}")
        if not isolated and mode != "cross":
            raise c.fail(f"{where}.mode must be 'cross' (or absent), got {mode!r}")
        assets = c.coins(pos.get("assets"), f"{where}.assets", nonneg=True)
        liabs = c.coins(pos.get("liabilities"), f"{where}.liabilities", nonneg=True)
        net: dict[str, int] = {}
        for a, v in assets.items():
            net[a] = net.get(a, 0) + v
        for a, v in liabs.items():
            net[a] = net.get(a, 0) - v
        for a, v in net.items():
            book.add(book.snap, a, v)
        if mode == "quick_margin":
            for a, v in net.items():  # the UI lists the position coin by coin
                book.add(book.view, a, v)
            return
        ccy = c.asset(pos.get("margin_ccy"), f"{where}.margin_ccy")
        p = prices[ccy]
        if p == 0:
            raise c.fail(f"{where}: price of margin currency {ccy} is 0; cannot value the position")
        v, r = _convert_down(_net_value(net, prices), p)
        book.add(book.view, ccy, v)  # collateral + UPL in the margin currency
        book.residue += r

    for i, pos in enumerate(c.listing(obj.get("cross_margin"), "cross_margin")):
        position(pos, f"cross_margin[{i}]", isolated=False)
    for i, pos in enumerate(c.listing(obj.get("isolated_margin"), "isolated_margin")):
        position(pos, f"isolated_margin[{i}]", isolated=True)

    for i, d in enumerate(c.listing(obj.get("derivatives"), "derivatives")):
        where = f"derivatives[{i}]"
        d = c.keys(d, _DERIV_KEYS, where)
        if d.get("type") not in (None, "usdm", "coinm"):
            raise c.fail(f"{where}.type must be 'usdm' or 'coinm', got {d.get('type')!r}")
        settle = c.asset(d.get("settle"), f"{where}.settle")
        upl = c.amount(d.get("upl", "0"), f"{where}.upl")
        book.add(book.view, settle, upl)
        book.add(book.snap, settle, upl)

    for i, ln in enumerate(c.listing(obj.get("loans"), "loans")):
        where = f"loans[{i}]"
        ln = c.keys(ln, _LOAN_KEYS, where)
        ca = c.asset(ln.get("collateral_asset"), f"{where}.collateral_asset")
        la = c.asset(ln.get("loan_asset"), f"{where}.loan_asset")
        coll = c.amount(ln.get("collateral", "0"), f"{where}.collateral", nonneg=True)
        debt = c.amount(ln.get("debt", "0"), f"{where}.debt", nonneg=True)
        book.add(book.snap, ca, coll)  # locked collateral is still the user's
        book.add(book.snap, la, -debt)  # the loan is a liability
        if prices[ca] == 0:
            raise c.fail(f"{where}: price of collateral {ca} is 0; cannot value the loan")
        v, r = _convert_down(coll * prices[ca] - debt * prices[la], prices[ca])
        book.add(book.view, ca, v)  # collateral equity, in the collateral asset
        book.residue += r
    return book


def _round_snapshot(book: UserBook, round_up: bool, c: _Ctx) -> dict[str, int]:
    out = {}
    for a, v in book.snap.items():
        q = -((-v) // TO_FINE)  # ceil to 1e-8 coin
        if q * TO_FINE != v and not round_up:  # cannot happen: inputs are checked
            raise c.fail(f"net {a} balance is not a multiple of 1e-8 coin")
        if not MIN_AMOUNT <= q <= MAX_AMOUNT:
            raise c.fail(f"net {a} balance is outside -2^127 <= b < 2^127 (1e-8 coin)")
        out[a] = q
    return out


def build_accounts(
    path: str | os.PathLike,
    prices: dict[str, int],
    round_up: bool = False,
    progress: bool = False,
    tiers: list[tuple[Tier, ...] | None] | None = None,
) -> BuildResult:
    """Read ACCOUNTS.jsonl and build the snapshot (users with negative equity left out).

    With ``tiers`` (per asset of ``prices``, in order), users whose collateral after
    haircuts does not cover their debt are left out too (``haircut_excluded``).
    """
    t0 = time.perf_counter()
    path = str(path)
    if not os.path.exists(path):
        raise SnapshotError("no such file", path)
    size = os.path.getsize(path)
    books: list[UserBook] = []
    snap_units: list[dict[str, int]] = []
    seen: dict[str, int] = {}
    bar = _Progress(progress, size, f"reading {os.path.basename(path)}")
    try:
        with open(path, "rb") as f:
            for ln, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json_document(raw, path, ln, LINE_MAX_BYTES)
                except SnapshotError as e:
                    raise SnapshotError(f"invalid JSON: {e.reason}", path, ln) from None
                book = parse_account(obj, prices, path, ln, round_up)
                if book.uid in seen:
                    raise SnapshotError(
                        f"duplicate uid {book.uid!r} (first at line {seen[book.uid]})", path, ln
                    )
                seen[book.uid] = ln
                books.append(book)
                snap_units.append(_round_snapshot(book, round_up, _Ctx(path, ln, prices, round_up)))
                if ln % 4096 == 0:
                    bar.update(f.tell())
    finally:
        bar.close()
    if not books:
        raise SnapshotError("no accounts (empty file)", path)
    symbols = list(prices)
    index = {s: j for j, s in enumerate(symbols)}
    users: dict[str, list[tuple[int, int]]] = {}
    excluded: list[tuple[str, int]] = []
    haircut_excluded: list[tuple[str, int]] = []
    price_list = [prices[s] for s in symbols]
    for book, units in zip(books, snap_units, strict=True):
        entries = sorted((index[a], v) for a, v in units.items() if v != 0)
        equity = sum(prices[symbols[j]] * v for j, v in entries)
        if equity < 0:
            excluded.append((book.uid, equity))
            continue
        if tiers is not None:
            he = haircut_summary(entries, price_list, tiers).equity
            if he < 0:
                haircut_excluded.append((book.uid, he))
                continue
        users[book.uid] = entries
    snapshot = Snapshot.from_users(symbols, price_list, users)
    return BuildResult(
        snapshot,
        books,
        snap_units,
        excluded,
        dict(prices),
        time.perf_counter() - t0,
        haircut_excluded,
        tiers,
    )


REPORT_COLUMNS = [
    "uid",
    "asset",
    "account_view",
    "snapshot",
    "price_usd",
    "account_view_usd",
    "snapshot_usd",
    "residue_usd",
    "rounding_usd",
    "check",
]


def reconcile(book: UserBook, units: dict[str, int], prices: dict[str, int]) -> tuple[list, bool]:
    """Report rows for one user (per asset, then a TOTAL row) and whether the totals agree.

    USD values are exact, in 1e-26 USD internally, printed as exact decimals.
    """
    rows = []
    view_total = 0
    snap_total = 0
    rounding_total = 0
    assets = [a for a in prices if a in book.view or a in units or a in book.snap]
    for a in assets:
        v = book.view.get(a, 0)
        s_fine = units.get(a, 0) * TO_FINE
        exact = book.snap.get(a, 0)
        if v == 0 and s_fine == 0 and exact == 0:
            continue
        p = prices[a]
        rounding = (s_fine - exact) * p
        view_total += v * p
        snap_total += s_fine * p
        rounding_total += rounding
        rows.append(
            [
                book.uid,
                a,
                format_decimal(v, FINE),
                format_decimal(units.get(a, 0)),
                format_decimal(p),
                format_decimal(v * p, USD_SCALE),
                format_decimal(s_fine * p, USD_SCALE),
                "",
                format_decimal(rounding, USD_SCALE),
                "",
            ]
        )
    ok = view_total + book.residue + rounding_total == snap_total
    rows.append(
        [
            book.uid,
            "TOTAL",
            "",
            "",
            "",
            format_decimal(view_total, USD_SCALE),
            format_decimal(snap_total, USD_SCALE),
            format_decimal(book.residue, USD_SCALE),
            format_decimal(rounding_total, USD_SCALE),
            "ok" if ok else "MISMATCH",
        ]
    )
    return rows, ok


def write_report(result: BuildResult, path: str | os.PathLike) -> int:
    """Write the reconciliation CSV atomically; return the number of mismatching users."""
    excluded = {u for u, _ in result.excluded}
    haircut = dict(result.haircut_excluded)
    bad = 0
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(REPORT_COLUMNS)
        for book, units in zip(result.books, result.snap_units, strict=True):
            rows, ok = reconcile(book, units, result.prices)
            bad += not ok
            if book.uid in excluded:
                rows[-1][-1] += "; excluded: negative net equity"
            elif book.uid in haircut:
                short = format_decimal(-haircut[book.uid], 18)  # 1e-16 USD x percent
                rows[-1][-1] += (
                    f"; excluded: collateral after haircuts is {short} USD short of the debt"
                )
            w.writerows(rows)
    return bad
