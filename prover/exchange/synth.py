"""Realistic synthetic exchanges, deterministic from a seed.

* ``synth_prices(assets, seed)``: BTC, ETH, USDT, ... (realistic fixed prices), then
  synthetic symbols ``SYN0020``... with log-uniform prices.
* ``synth_snapshot(users, assets, entries_per_user, seed)``: a Snapshot built directly
  in memory, vectorised (1,000,000 users x 2 entries in a few seconds). Holdings are
  Pareto distributed in USD (a few whales hold most), asset choice follows a Zipf
  popularity, some entries are dust (1..999 units of 1e-8 coin) and about 5% of the
  users with two or more entries carry a margin short: one negative balance covered by
  their other holdings. Every user's net equity is >= 0, checked exactly.
* ``synth_accounts(users, assets, seed, path)``: ACCOUNTS.jsonl with wallets, cross and
  isolated margin (both modes), derivatives and loans, for the build -> prove demo.
  ``borrowers=k`` adds k whales who borrowed USDT against large BTC or ETH collateral
  and withdrew it, sized around the tier bounds of docs/haircuts-example.csv: some are
  covered after haircuts, some only at full prices (the dummy-user pattern that
  ``snapshot build --haircuts`` reports and leaves out).

Random magnitudes are drawn with floating point (it is only randomness); every stored
amount and price is an integer and all checks on them are exact.
"""

from __future__ import annotations

import json
import os

import numpy as np

from zkpor.prover.atomic import atomic_path
from zkpor.prover.exchange.accounts import parse_account
from zkpor.prover.exchange.ingest import format_decimal, parse_decimal
from zkpor.prover.exchange.snapshot import Snapshot, SnapshotError

REAL_ASSETS: list[tuple[str, str]] = [
    ("BTC", "91234.56"),
    ("ETH", "3012.34"),
    ("USDT", "1.0001"),
    ("USDC", "0.9999"),
    ("BNB", "612.3"),
    ("SOL", "142.57"),
    ("XRP", "0.5213"),
    ("DOGE", "0.1234"),
    ("ADA", "0.4567"),
    ("TRX", "0.1123"),
    ("TON", "5.43"),
    ("AVAX", "27.81"),
    ("SHIB", "0.00001789"),
    ("DOT", "6.12"),
    ("LINK", "13.45"),
    ("LTC", "71.2"),
    ("BCH", "352.1"),
    ("NEAR", "4.87"),
    ("UNI", "7.89"),
    ("ATOM", "8.12"),
]
_AMOUNT_CAP = 1 << 62
SHORT_FRACTION = 0.05
DUST_FRACTION = 0.08


def synth_prices(assets: int, seed: int) -> tuple[list[str], list[int]]:
    """Symbols and prices (1e-8 USD per coin) for ``assets`` assets."""
    if not 1 <= assets <= 1 << 16:
        raise SnapshotError("assets must be between 1 and 65536")
    rng = np.random.default_rng([seed, 1])
    symbols = [s for s, _ in REAL_ASSETS[:assets]]
    prices = [parse_decimal(p) for _, p in REAL_ASSETS[:assets]]
    extra = assets - len(symbols)
    if extra > 0:
        exps = rng.uniform(2.0, 12.0, size=extra)  # 1e-6 .. 1e4 USD
        prices += [max(1, int(10.0**e)) for e in exps.tolist()]
        symbols += [f"SYN{j:04d}" for j in range(len(REAL_ASSETS), assets)]
    return symbols, prices


def _choose_assets(rng: np.random.Generator, users: int, assets: int, k: int) -> np.ndarray:
    """(users, k) distinct asset indices per row, Zipf popularity, rows sorted ascending."""
    w = 1.0 / np.arange(1, assets + 1) ** 1.1
    w /= w.sum()
    if k == 0:
        return np.zeros((users, 0), dtype=np.int64)
    if 2 * k > assets and assets <= 4096:
        # Gumbel top-k: exact weighted sampling without replacement, in chunks
        out = np.empty((users, k), dtype=np.int64)
        logw = np.log(w)
        step = max(1, (1 << 22) // assets)
        for s in range(0, users, step):
            e = min(users, s + step)
            keys = logw + rng.gumbel(size=(e - s, assets))
            out[s:e] = np.argpartition(-keys, k - 1, axis=1)[:, :k]
        out.sort(axis=1)
        return out
    out = rng.choice(assets, size=(users, k), p=w)
    out.sort(axis=1)
    for _ in range(200):
        bad = np.flatnonzero((out[:, 1:] == out[:, :-1]).any(axis=1)) if k > 1 else []
        if len(bad) == 0:
            return out
        redo = rng.choice(assets, size=(len(bad), k), p=w)
        redo.sort(axis=1)
        out[bad] = redo
    for r in np.flatnonzero((out[:, 1:] == out[:, :-1]).any(axis=1)).tolist():
        out[r] = np.sort(rng.choice(assets, size=k, replace=False, p=w))
    return out


def synth_snapshot(users: int, assets: int, entries_per_user: int, seed: int) -> Snapshot:
    """A synthetic Snapshot: exactly ``entries_per_user`` distinct assets per user."""
    if users < 1:
        raise SnapshotError("users must be at least 1")
    if not 0 <= entries_per_user <= assets:
        raise SnapshotError("entries per user must be between 0 and the number of assets")
    symbols, prices = synth_prices(assets, seed)
    rng = np.random.default_rng([seed, 2])
    k = entries_per_user
    chosen = _choose_assets(rng, users, assets, k)
    n = users * k
    asset = chosen.reshape(-1)
    price_f = np.array(prices, dtype=np.float64)[asset]
    # USD value per entry: Pareto (alpha 1.16: 80/20), $20 scale, capped at $20bn
    usd = 20.0 * (1.0 + rng.pareto(1.16, size=n))
    usd = np.minimum(usd, 2e10)
    amt_f = usd * 1e16 / price_f  # 1e-8 coin
    amount = np.clip(amt_f, 1, _AMOUNT_CAP).astype(np.int64)
    dust = rng.random(n) < DUST_FRACTION
    amount[dust] = rng.integers(1, 1000, size=int(dust.sum()))
    if k >= 2:
        shorts = np.flatnonzero(rng.random(users) < SHORT_FRACTION)
        if len(shorts):
            pos = rng.integers(0, k, size=len(shorts))
            idx = shorts * k + pos
            value = (amount.astype(np.float64) * price_f).reshape(users, k)
            others = value[shorts].sum(axis=1) - value[shorts, pos]
            lev = rng.uniform(0.05, 0.8, size=len(shorts))  # short value / collateral value
            short_amt = np.floor(others * lev / price_f[idx])
            amount[idx] = -np.clip(short_amt, 0, _AMOUNT_CAP).astype(np.int64)
            amount[idx] = np.where(amount[idx] == 0, 1, amount[idx])
    offsets = np.arange(0, n + 1, k, dtype=np.int64) if k else np.zeros(users + 1, np.int64)
    uids = [f"user{i:08d}" for i in range(users)]
    snap = Snapshot.from_int64(symbols, prices, uids, offsets, asset, amount)
    # exact check; float rounding can only matter at the margin: flip those shorts long
    for _ in range(3):
        eq = snap.equities()
        neg = [u for u, e in enumerate(eq) if e < 0]
        if not neg:
            return snap
        for u in neg:
            s, e = int(offsets[u]), int(offsets[u + 1])
            amount[s:e] = np.abs(amount[s:e])
        snap = Snapshot.from_int64(symbols, prices, uids, offsets, asset, amount)
    raise AssertionError("synthetic snapshot has a user with negative equity")  # unreachable


# -------------------------------------------------------------------- accounts
def _fmt(units: int) -> str:
    return format_decimal(int(units))


def _coin_amount(rng, usd: float, price: int) -> int:
    """1e-8 coin worth about ``usd`` dollars (at least 1 unit)."""
    return max(1, int(usd * 1e16 / price))


BORROWERS: list[tuple[str, int, int]] = [
    # (collateral asset, collateral USD, debt USD) against the example tier tables
    ("BTC", 45_000_000, 44_000_000),  # 100% to $30M, 98% to $50M: $44.7M covers $44M
    ("BTC", 45_000_000, 44_850_000),  # $44.7M does not cover $44.85M: left out
    ("ETH", 25_000_000, 24_500_000),  # 100% to $20M, 97% above: $24.85M covers
    ("BTC", 3_000_000_000, 1_500_000_000),  # above the last bound ($2.5B): counts $1.2471B
    ("BTC", 20_000_000, 19_000_000),  # first tier only
    ("ETH", 60_000_000, 50_000_000),  # three ETH tiers: $58M covers $50M
]


def _borrower(k: int, symbol: str, collateral_usd: int, debt_usd: int, pmap: dict) -> dict:
    coll = collateral_usd * 10**16 // pmap[symbol]  # 1e-8 coin, rounded down
    debt = debt_usd * 10**16 // pmap["USDT"]
    return {
        "uid": f"whale{k:02d}",
        "loans": [
            {
                "collateral_asset": symbol,
                "collateral": _fmt(coll),
                "loan_asset": "USDT",
                "debt": _fmt(debt),
            }
        ],
    }


def synth_accounts(
    users: int,
    assets: int,
    seed: int,
    path: str | os.PathLike,
    progress: bool = False,
    borrowers: int = 0,
) -> tuple[list[str], list[int]]:
    """Write ACCOUNTS.jsonl (atomically) and return (symbols, prices).

    Needs at least 3 assets (BTC, ETH, USDT) for margin, derivatives and loans;
    with fewer, users only hold wallet balances. Every account has net equity >= 0
    at the returned prices (checked exactly with the account builder).
    """
    symbols, prices = synth_prices(assets, seed)
    pmap = dict(zip(symbols, prices, strict=True))
    rng = np.random.default_rng([seed, 3])
    w = 1.0 / np.arange(1, assets + 1) ** 1.1
    w /= w.sum()
    rich_features = assets >= 3
    usdt = "USDT"
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for i in range(users):
            uid = f"acct{i:07d}"
            for attempt in range(3):
                acct = _one_account(
                    rng, uid, symbols, prices, pmap, w, rich_features and attempt < 2, usdt
                )
                book = parse_account(acct, pmap)
                equity = sum(v * pmap[a] for a, v in book.snap.items())
                if equity >= 0:
                    break
            else:  # pragma: no cover - attempt 2 has wallets only
                raise AssertionError("could not draw a solvent account")
            f.write(json.dumps(acct, separators=(",", ":")) + "\n")
        if borrowers and assets >= 3:
            for k in range(borrowers):
                symbol, coll, debt = BORROWERS[k % len(BORROWERS)]
                acct = _borrower(k, symbol, coll, debt, pmap)
                f.write(json.dumps(acct, separators=(",", ":")) + "\n")
    return symbols, prices


def _one_account(rng, uid, symbols, prices, pmap, w, rich, usdt) -> dict:
    acct: dict = {"uid": uid}
    ncoins = int(rng.integers(1, min(4, len(symbols)) + 1))
    picks = rng.choice(len(symbols), size=ncoins, replace=False, p=w)
    funding: dict[str, str] = {}
    trading: dict[str, str] = {}
    for j in picks.tolist():
        usd = 20.0 * (1.0 + rng.pareto(1.16))
        amt = _coin_amount(rng, min(usd, 1e9), prices[j])
        if rng.random() < DUST_FRACTION:
            amt = int(rng.integers(1, 1000))
        (funding if rng.random() < 0.4 else trading)[symbols[j]] = _fmt(amt)
    wallets = {}
    if funding:
        wallets["funding"] = funding
    if trading:
        wallets["trading"] = trading
    if not rich:
        acct["wallets"] = wallets
        return acct
    p_usdt = pmap[usdt]
    collateral_usd = 100.0 * (1.0 + rng.pareto(1.5))
    trading[usdt] = _fmt(
        parse_decimal(trading.get(usdt, "0")) + _coin_amount(rng, collateral_usd, p_usdt)
    )
    wallets["trading"] = trading
    base_choices = [s for s in symbols if s != usdt]
    r = rng.random()
    if r < 0.15:  # cross margin short: borrow base, sell for USDT
        base = base_choices[int(rng.integers(0, min(5, len(base_choices))))]
        sold_usd = collateral_usd * rng.uniform(0.2, 2.0)
        borrowed = _coin_amount(rng, sold_usd, pmap[base])
        proceeds = borrowed * pmap[base] // p_usdt
        interest = borrowed // 10_000
        acct["cross_margin"] = [
            {
                "pair": f"{base}/{usdt}",
                "margin_ccy": usdt,
                "assets": {usdt: _fmt(proceeds)},
                "liabilities": {base: _fmt(borrowed + interest)},
            }
        ]
    elif r < 0.30:  # isolated margin: auto transfer (short) or quick margin (long)
        base = base_choices[int(rng.integers(0, min(5, len(base_choices))))]
        margin = _coin_amount(rng, collateral_usd * 0.5, p_usdt)
        trading[usdt] = _fmt(max(0, parse_decimal(trading[usdt]) - margin))
        if rng.random() < 0.5:
            borrowed = _coin_amount(rng, collateral_usd * rng.uniform(0.2, 1.5), pmap[base])
            proceeds = borrowed * pmap[base] // p_usdt
            pos = {
                "pair": f"{base}/{usdt}",
                "mode": "auto_transfer",
                "margin_ccy": usdt,
                "assets": {usdt: _fmt(margin + proceeds)},
                "liabilities": {base: _fmt(borrowed)},
            }
        else:
            loan = _coin_amount(rng, collateral_usd * rng.uniform(0.2, 1.5), p_usdt)
            bought = (margin + loan) * p_usdt // pmap[base]
            pos = {
                "pair": f"{base}/{usdt}",
                "mode": "quick_margin",
                "assets": {base: _fmt(bought)},
                "liabilities": {usdt: _fmt(loan)},
            }
        acct["isolated_margin"] = [pos]
    elif r < 0.42:  # futures: USD-M (USDT) and maybe COIN-M (BTC)
        wallet = _coin_amount(rng, collateral_usd * 0.5, p_usdt)
        trading[usdt] = _fmt(max(0, parse_decimal(trading[usdt]) - wallet))
        upl = int(wallet * rng.uniform(-0.6, 0.8))
        wallets["usdm"] = {usdt: _fmt(wallet)}
        acct["derivatives"] = [
            {"contract": "BTC-USDT-SWAP", "type": "usdm", "settle": usdt, "upl": _fmt(upl)}
        ]
        if rng.random() < 0.3:
            btc_wallet = _coin_amount(rng, 200.0, pmap["BTC"])
            wallets["coinm"] = {"BTC": _fmt(btc_wallet)}
            acct["derivatives"].append(
                {
                    "contract": "BTC-USD-SWAP",
                    "type": "coinm",
                    "settle": "BTC",
                    "upl": _fmt(int(btc_wallet * rng.uniform(-0.5, 0.5))),
                }
            )
    elif r < 0.52:  # loan: USDT collateral, borrowed coin credited to funding
        base = base_choices[int(rng.integers(0, min(5, len(base_choices))))]
        coll = _coin_amount(rng, collateral_usd * 5, p_usdt)
        principal = _coin_amount(rng, collateral_usd * 5 * rng.uniform(0.1, 0.6), pmap[base])
        debt = principal + principal // 5_000  # accrued interest
        funding[base] = _fmt(parse_decimal(funding.get(base, "0")) + principal)
        wallets["funding"] = funding
        acct["loans"] = [
            {
                "collateral_asset": usdt,
                "collateral": _fmt(coll),
                "loan_asset": base,
                "debt": _fmt(debt),
            }
        ]
    acct["wallets"] = wallets
    return acct


def write_snapshot_file(snap: Snapshot, path: str | os.PathLike) -> None:
    """Write a snapshot as long CSV (.csv) or long Parquet (.parquet), atomically."""
    from zkpor.prover.exchange.ingest import amounts_as_text, write_snapshot_csv

    p = str(path)
    if p.lower().endswith(".csv"):
        write_snapshot_csv(snap, p)
        return
    if p.lower().endswith((".parquet", ".pq")):
        import pyarrow as pa
        import pyarrow.parquet as pq

        uid_col = pa.array(snap.uids, pa.string()).take(pa.array(snap.user_of_entry()))
        sym_col = pa.array(snap.symbols, pa.string()).take(pa.array(snap.asset.astype(np.int64)))
        table = pa.table({"uid": uid_col, "asset": sym_col, "amount": amounts_as_text(snap)})
        with atomic_path(p) as tmp:
            pq.write_table(table, tmp)
        return
    raise SnapshotError("output must end in .csv or .parquet", p)
