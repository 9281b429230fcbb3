"""Account builder: snapshot semantics vs the exchange's account view, exactly."""

from __future__ import annotations

import csv
import json

import pytest

from zkpor.prover.exchange.accounts import (
    FINE,
    TO_FINE,
    build_accounts,
    parse_account,
    reconcile,
    write_report,
)
from zkpor.prover.exchange.ingest import load_snapshot
from zkpor.prover.exchange.snapshot import SnapshotError

C = 10**8  # 1e-8 units per coin / per USD


def prices(**kw):
    base = {"BTC": 15_775_40000000, "ETH": 1_100 * C, "USDT": 1 * C}
    base.update(kw)
    return base


def coins(x: str) -> int:
    """Decimal text -> 1e-18 coin (the view's unit)."""
    from zkpor.prover.exchange.ingest import parse_decimal

    return parse_decimal(x, FINE)


def units(book, p, round_up=False):
    from zkpor.prover.exchange.accounts import _Ctx, _round_snapshot

    return _round_snapshot(book, round_up, _Ctx("x", 1, p, round_up))


def check(book, p, round_up=False):
    u = units(book, p, round_up)
    rows, ok = reconcile(book, u, p)
    assert ok, rows
    usd_view = sum(v * p[a] for a, v in book.view.items()) + book.residue
    usd_snap = sum(v * TO_FINE * p[a] for a, v in u.items())
    assert usd_snap - usd_view >= 0
    return u


def test_cross_margin_borrow_and_sell():
    p = prices()
    acct = {
        "uid": "alice",
        "wallets": {"trading": {"USDT": "1000"}},
        "cross_margin": [
            {
                "pair": "ETH/USDT",
                "margin_ccy": "USDT",
                "assets": {"USDT": "3300"},
                "liabilities": {"ETH": "3"},
            }
        ],
    }
    book = parse_account(acct, p)
    u = check(book, p)
    assert u == {"USDT": 4300 * C, "ETH": -3 * C}  # ETH -3, USDT +3300 plus collateral
    assert book.view == {"USDT": coins("1000")}  # collateral + UPL (0 at entry); no ETH
    assert book.residue == 0
    # the market moves: ETH at 1200 -> UPL -300 USDT in the view, snapshot unchanged
    p2 = prices(ETH=1_200 * C)
    book2 = parse_account(acct, p2)
    assert units(book2, p2) == u
    assert book2.view["USDT"] == coins("700")
    check(book2, p2)


def test_loan_collateral_equity():
    p = prices()
    acct = {
        "uid": "bob",
        "wallets": {"funding": {"BTC": "0.1"}},  # the borrowed 0.1 BTC, credited
        "loans": [
            {"collateral_asset": "USDT", "collateral": "5000", "loan_asset": "BTC", "debt": "0.1"}
        ],
    }
    book = parse_account(acct, p)
    assert book.view == {"BTC": coins("0.1"), "USDT": coins("3422.46")}
    u = check(book, p)
    assert u == {"BTC": 0, "USDT": 5000 * C}
    assert book.residue == 0


def test_loan_with_spent_coins():
    p = prices()
    acct = {
        "uid": "b2",
        "loans": [
            {"collateral_asset": "USDT", "collateral": "5000", "loan_asset": "BTC", "debt": "0.1"}
        ],
    }
    book = parse_account(acct, p)
    assert units(book, p) == {"USDT": 5000 * C, "BTC": -C // 10}
    check(book, p)


def test_isolated_auto_transfer():
    p = prices(ETH=1_150 * C)
    acct = {
        "uid": "carol",
        "wallets": {"trading": {"USDT": "500"}},  # 500 of 1000 auto-moved into the position
        "isolated_margin": [
            {
                "pair": "ETH/USDT",
                "mode": "auto_transfer",
                "margin_ccy": "USDT",
                "assets": {"USDT": "3800"},
                "liabilities": {"ETH": "3"},
            }
        ],
    }
    book = parse_account(acct, p)
    u = check(book, p)
    assert u == {"USDT": 4300 * C, "ETH": -3 * C}
    # view: 500 in trading + position margin 500 + UPL -150, all in USDT; no ETH
    assert book.view == {"USDT": coins("850")}
    assert u["USDT"] * TO_FINE != book.view["USDT"]  # per coin they differ


def test_isolated_quick_margin_identical():
    p = prices()
    acct = {
        "uid": "dave",
        "isolated_margin": [
            {
                "pair": "ETH/USDT",
                "mode": "quick_margin",
                "assets": {"ETH": "1", "USDT": "1000"},
                "liabilities": {"USDT": "1100.5"},
            }
        ],
    }
    book = parse_account(acct, p)
    u = check(book, p)
    assert u == {"ETH": C, "USDT": -C // 2 - 100 * C}
    assert {a: v // TO_FINE for a, v in book.view.items()} == u  # identical per coin


def test_derivatives_upl_in_settlement_asset():
    p = prices()
    acct = {
        "uid": "erin",
        "wallets": {"usdm": {"USDT": "200"}, "coinm": {"BTC": "0.01"}},
        "derivatives": [
            {"contract": "BTC-USDT-SWAP", "type": "usdm", "settle": "USDT", "upl": "-12.5"},
            {"contract": "BTC-USD-SWAP", "type": "coinm", "settle": "BTC", "upl": "0.0002"},
        ],
    }
    book = parse_account(acct, p)
    u = check(book, p)
    assert u == {"USDT": 18_750_000_000, "BTC": 1_020_000}


def test_residue_when_conversion_is_inexact():
    p = prices(USDT=99_990_001, ETH=1_100_12345678)
    acct = {
        "uid": "frank",
        "wallets": {"trading": {"USDT": "1000"}},
        "cross_margin": [
            {
                "pair": "ETH/USDT",
                "margin_ccy": "USDT",
                "assets": {"USDT": "3300.00000001"},
                "liabilities": {"ETH": "2.99999999"},
            }
        ],
        "loans": [
            {
                "collateral_asset": "ETH",
                "collateral": "1.23456789",
                "loan_asset": "USDT",
                "debt": "333.33333333",
            }
        ],
    }
    book = parse_account(acct, p)
    assert book.residue > 0
    check(book, p)


def test_round_up():
    p = prices()
    acct = {"uid": "g", "wallets": {"trading": {"USDT": "1.000000001", "ETH": "-0.000000009"}}}
    with pytest.raises(SnapshotError, match="more than 8 decimal places"):
        parse_account(acct, p)
    book = parse_account(acct, p, round_up=True)
    u = check(book, p, round_up=True)
    assert u == {"USDT": C + 1, "ETH": 0}


@pytest.mark.parametrize(
    "acct,msg",
    [
        ({"uid": "x", "wallets": {"spot": {"DOGE": "1"}}}, "unknown asset 'DOGE'"),
        ({"uid": "x", "walets": {}}, "unknown field 'walets'"),
        ({"uid": ""}, "uid"),
        ({"uid": "x", "wallets": {"spot": {"BTC": "1e3"}}}, "malformed amount"),
        ({"uid": "x", "wallets": {"spot": {"BTC": 1.5}}}, "decimal string"),
        ({"uid": "x", "isolated_margin": [{"mode": "hedge", "margin_ccy": "USDT"}]}, "mode"),
        (
            {"uid": "x", "cross_margin": [{"assets": {"BTC": "-1"}, "margin_ccy": "USDT"}]},
            "must not be negative",
        ),
        (
            {
                "uid": "x",
                "loans": [
                    {
                        "collateral_asset": "BTC",
                        "loan_asset": "ETH",
                        "collateral": "1",
                        "debt": "-1",
                    }
                ],
            },
            "must not be negative",
        ),
    ],
)
def test_errors(acct, msg):
    with pytest.raises(SnapshotError, match=msg):
        parse_account(acct, prices(), "acc.jsonl", 7)


def test_build_file_report_and_exclusion(tmp_path):
    p = prices()
    lines = [
        {
            "uid": "alice",
            "wallets": {"trading": {"USDT": "1000"}},
            "cross_margin": [
                {
                    "pair": "ETH/USDT",
                    "margin_ccy": "USDT",
                    "assets": {"USDT": "3300"},
                    "liabilities": {"ETH": "3"},
                }
            ],
        },
        {
            "uid": "bob",
            "wallets": {"funding": {"BTC": "0.1"}},
            "loans": [
                {
                    "collateral_asset": "USDT",
                    "collateral": "5000",
                    "loan_asset": "BTC",
                    "debt": "0.1",
                }
            ],
        },
        {
            "uid": "broke",
            "wallets": {"trading": {"USDT": "10"}},
            "cross_margin": [
                {
                    "pair": "ETH/USDT",
                    "margin_ccy": "USDT",
                    "assets": {},
                    "liabilities": {"ETH": "1"},
                }
            ],
        },
        {"uid": "empty"},
    ]
    acc = tmp_path / "accounts.jsonl"
    acc.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    res = build_accounts(acc, p)
    assert res.snapshot.uids == ["alice", "bob", "empty"]
    assert res.excluded == [("broke", (10 * C - 1100 * C) * C)]
    snap = res.snapshot.to_users()
    assert snap["alice"] == [(1, -3 * C), (2, 4300 * C)]
    assert snap["bob"] == [(2, 5000 * C)]
    assert snap["empty"] == []
    rep = tmp_path / "recon.csv"
    assert write_report(res, rep) == 0
    rows = list(csv.DictReader(rep.open()))
    bob = {r["asset"]: r for r in rows if r["uid"] == "bob"}
    assert bob["BTC"]["account_view"] == "0.1" and bob["BTC"]["snapshot"] == "0"
    assert bob["USDT"]["account_view"] == "3422.46" and bob["USDT"]["snapshot"] == "5000"
    assert bob["TOTAL"]["account_view_usd"] == bob["TOTAL"]["snapshot_usd"] == "5000"
    assert all(r["check"].startswith("ok") for r in rows if r["asset"] == "TOTAL")
    assert (
        "excluded"
        in next(r for r in rows if r["uid"] == "broke" and r["asset"] == "TOTAL")["check"]
    )
    # the written snapshot reads back identically
    from zkpor.prover.exchange.ingest import write_snapshot_csv

    out = tmp_path / "snap.csv"
    write_snapshot_csv(res.snapshot, out)
    assert load_snapshot(out, p).to_users() == snap


def test_build_duplicate_uid(tmp_path):
    acc = tmp_path / "a.jsonl"
    acc.write_text('{"uid": "a"}\n\n{"uid": "a"}\n')
    with pytest.raises(SnapshotError, match=r"a.jsonl:3: duplicate uid 'a' \(first at line 1\)"):
        build_accounts(acc, prices())
