"""Synthetic exchanges and the `zkpor snapshot` commands."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest
from click.testing import CliRunner

from zkpor.prover.cli.snapshot import snapshot as snapshot_cli
from zkpor.prover.exchange.accounts import build_accounts
from zkpor.prover.exchange.ingest import load_prices, load_snapshot
from zkpor.prover.exchange.synth import synth_accounts, synth_prices, synth_snapshot


def test_prices_realistic_and_exact():
    symbols, prices = synth_prices(25, 1)
    assert symbols[:3] == ["BTC", "ETH", "USDT"]
    assert symbols[20] == "SYN0020" and len(set(symbols)) == 25
    assert all(isinstance(p, int) and 0 < p < 1 << 64 for p in prices)
    assert synth_prices(25, 1) == (symbols, prices)


@pytest.mark.parametrize(
    "users,assets,k", [(5000, 20, 2), (3000, 4, 4), (2000, 300, 5), (50, 3, 0)]
)
def test_snapshot_properties(users, assets, k):
    s = synth_snapshot(users, assets, k, seed=7)
    s.validate()
    assert s.n_users == users and s.n_entries == users * k
    assert (np.diff(s.offsets) == k).all()
    eq = s.equities()
    assert min(eq) >= 0  # every user solvent, exactly
    amounts = s.amounts()
    assert all(a != 0 for a in amounts)
    for u in range(0, users, max(1, users // 50)):
        bal = s.user_balances(u)
        assert len({a for a, _ in bal}) == len(bal)  # distinct assets per user
    if k >= 2:
        assert sum(a < 0 for a in amounts) > users * 0.02  # margin shorts exist
        assert sum(0 < a < 1000 for a in amounts) > 0  # dust
        usd = sorted((e for e in eq), reverse=True)
        assert sum(usd[: users // 100]) > sum(usd) * 0.1  # whales: top 1% hold > 10%


def test_snapshot_deterministic():
    a = synth_snapshot(1000, 10, 3, seed=5)
    b = synth_snapshot(1000, 10, 3, seed=5)
    c = synth_snapshot(1000, 10, 3, seed=6)
    assert a.amounts() == b.amounts() and a.asset.tolist() == b.asset.tolist()
    assert a.amounts() != c.amounts()


def test_accounts_solvent_and_varied(tmp_path):
    path = tmp_path / "acc.jsonl"
    symbols, prices = synth_accounts(1500, 8, 3, path)
    text = path.read_text()
    for key in ("cross_margin", "auto_transfer", "quick_margin", "derivatives", "loans"):
        assert key in text
    res = build_accounts(path, dict(zip(symbols, prices, strict=True)))
    assert res.excluded == []
    assert min(res.snapshot.equities()) >= 0
    assert res.snapshot.n_users == 1500
    path2 = tmp_path / "acc2.jsonl"
    synth_accounts(1500, 8, 3, path2)
    assert path2.read_bytes() == path.read_bytes()


def test_cli_synth_build_check(tmp_path):
    r = CliRunner()
    d = str(tmp_path)
    acc, prices = os.path.join(d, "acc.jsonl"), os.path.join(d, "p.csv")
    res = r.invoke(
        snapshot_cli,
        [
            "synth",
            "--users",
            "300",
            "--assets",
            "6",
            "--seed",
            "2",
            "--accounts",
            "--out",
            acc,
            "--prices-out",
            prices,
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "300 users" in res.output
    snap, rep = os.path.join(d, "s.csv"), os.path.join(d, "r.csv")
    res = r.invoke(
        snapshot_cli, ["build", acc, "--prices", prices, "--out", snap, "--report", rep, "--quiet"]
    )
    assert res.exit_code == 0, res.output
    assert res.output.count("\n") == 1 and "300 users" in res.output
    rows = list(csv.DictReader(open(rep)))
    assert sum(r["asset"] == "TOTAL" and r["check"] == "ok" for r in rows) == 300
    s = load_snapshot(snap, load_prices(prices))
    assert s.n_users == 300
    res = r.invoke(snapshot_cli, ["check", snap, "--prices", prices, "--quiet"])
    assert res.exit_code == 0 and "300 users" in res.output
    out = os.path.join(d, "big.parquet")
    res = r.invoke(
        snapshot_cli,
        [
            "synth",
            "--users",
            "1000",
            "--assets",
            "5",
            "--entries-per-user",
            "3",
            "--out",
            out,
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    p2 = os.path.join(d, "p2.csv")
    r.invoke(
        snapshot_cli,
        [
            "synth",
            "--users",
            "1",
            "--assets",
            "5",
            "--entries-per-user",
            "1",
            "--out",
            os.path.join(d, "x.csv"),
            "--prices-out",
            p2,
            "--quiet",
        ],
    )
    s2 = load_snapshot(out, load_prices(p2))
    assert s2.n_entries == 3000
    assert s2.amounts() == synth_snapshot(1000, 5, 3, 0).amounts()


def test_cli_errors_one_line_exit_2(tmp_path):
    r = CliRunner()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"uid": "a", "wallets": {"spot": {"BTC": "1"}}}\n{"uid": "b", "x": 1}\n')
    p = tmp_path / "p.csv"
    p.write_text("asset,price_usd\nBTC,1\n")
    out = tmp_path / "s.csv"
    res = r.invoke(
        snapshot_cli,
        [
            "build",
            str(bad),
            "--prices",
            str(p),
            "--out",
            str(out),
            "--report",
            str(tmp_path / "r.csv"),
            "--quiet",
        ],
    )
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: {bad}:2: account: unknown field 'x'"
    assert not out.exists() and not (tmp_path / "r.csv").exists()
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []
    res = r.invoke(
        snapshot_cli,
        ["synth", "--users", "3", "--assets", "2", "--entries-per-user", "3", "--out", str(out)],
    )
    assert res.exit_code == 2 and "exceeds" in res.stderr
