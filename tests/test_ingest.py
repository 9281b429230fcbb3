"""Snapshot readers: formats, layouts, exact conversion and one-line errors."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpor.prover.exchange.ingest import (
    format_decimal,
    load_prices,
    load_snapshot,
    parse_amount_array,
    parse_decimal,
    write_prices_csv,
    write_snapshot_csv,
)
from zkpor.prover.exchange.snapshot import SnapshotError

PRICES = {"BTC": 9_123_456_000_000, "ETH": 301_250_000_000, "USDT": 100_000_000}


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def long_rows():
    return [("b", "ETH", "-2.5"), ("a", "BTC", "1.00000001"), ("b", "BTC", "3"), ("c", "USDT", "0")]


def expected_long(s):
    assert s.symbols == ["BTC", "ETH", "USDT"]
    assert s.uids == ["b", "a", "c"]  # first appearance
    assert s.to_users() == {
        "b": [(0, 300_000_000), (1, -250_000_000)],
        "a": [(0, 100_000_001)],
        "c": [],
    }


def make_file(tmp_path, fmt, layout):
    if layout == "long":
        rows = long_rows()
        cols = {
            "uid": [r[0] for r in rows],
            "asset": [r[1] for r in rows],
            "amount": [r[2] for r in rows],
        }
    else:
        cols = {"uid": ["b", "a", "c"], "BTC": ["3", "1.00000001", ""], "ETH": ["-2.5", "", "0"]}
    n = len(cols["uid"])
    if fmt == "csv":
        lines = [",".join(cols)] + [",".join(cols[c][i] for c in cols) for i in range(n)]
        return write(tmp_path, "s.csv", "\n".join(lines) + "\n")
    if fmt == "parquet":
        p = str(tmp_path / "s.parquet")
        pq.write_table(pa.table(cols), p)
        return p
    lines = []
    for i in range(n):
        obj = {c: cols[c][i] for c in cols if not (layout == "wide" and cols[c][i] == "")}
        lines.append(json.dumps(obj))
    return write(tmp_path, "s.jsonl", "\n".join(lines) + "\n")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("layout", ["long", "wide"])
def test_formats_and_layouts_agree(tmp_path, fmt, layout):
    s = load_snapshot(make_file(tmp_path, fmt, layout), PRICES)
    expected_long(s)


def test_prices_csv_and_json(tmp_path):
    a = load_prices(write(tmp_path, "p.csv", "asset,price_usd\nBTC,91234.56\nETH,3012.5\nUSDT,1\n"))
    b = load_prices(write(tmp_path, "p.json", '{"BTC": "91234.56", "ETH": 3012.50, "USDT": 1}'))
    assert a == b == PRICES
    assert list(a) == ["BTC", "ETH", "USDT"]


@pytest.mark.parametrize(
    "text,msg",
    [
        ("asset,price_usd\nBTC,1e5\n", "p.csv:2: malformed price"),
        ("asset,price_usd\nBTC,\n", "p.csv:2: missing price"),
        ("asset,price_usd\nBTC,1\nBTC,2\n", "p.csv:3: duplicate asset"),
        ("asset,price_usd\nBTC,-1\n", "p.csv:2: price '-1'"),
        ("asset,price_usd\nBTC,184467440737.09551616\n", "outside"),
        ("asset,price_usd\nBTC,0.000000001\n", "more than 8"),
        ("asset,usd\nBTC,1\n", "p.csv:1: missing column 'price_usd'"),
        ("asset,price_usd\n", "header only"),
        ("", "p.csv: empty file"),
    ],
)
def test_price_errors(tmp_path, text, msg):
    with pytest.raises(SnapshotError) as e:
        load_prices(write(tmp_path, "p.csv", text))
    assert msg in str(e.value)
    assert "\n" not in str(e.value)


def test_price_max(tmp_path):
    p = load_prices(write(tmp_path, "p.csv", "asset,price_usd\nBTC,184467440737.09551615\n"))
    assert p["BTC"] == (1 << 64) - 1


@pytest.mark.parametrize(
    "bad",
    [
        "1e5",
        "0x10",
        "",
        "NaN",
        "1,000",
        "--1",
        ".",
        "1.2.3",
        "12abc",
        " 1",
        "1.",
        ".5",
        "inf",
        "+-1",
        "١",
    ],
)
def test_malformed_amounts(tmp_path, bad):
    q = f'"{bad}"' if "," in bad else bad
    path = write(tmp_path, "s.csv", f"uid,asset,amount\na,BTC,1\nb,ETH,{q}\n")
    with pytest.raises(SnapshotError) as e:
        load_snapshot(path, PRICES)
    assert str(e.value).startswith(f"{path}:3: ")
    assert "amount" in str(e.value)


@pytest.mark.parametrize(
    "text,line,msg",
    [
        ("uid,asset,amount\na,BTC,1\na,BTC,2\n", 3, "duplicate entry for uid 'a' and asset BTC"),
        ("uid,asset,amount\na,BTC,1\nb,DOGE,2\n", 3, "unknown asset 'DOGE'"),
        ("uid,asset,amount\na,BTC,1\n,BTC,2\n", 3, "empty uid"),
        ("uid,asset,amount\na,BTC,1\nb,,2\n", 3, "empty asset"),
        ("uid,asset,amount\na,BTC,1\nb,BTC,1.123456789\n", 3, "more than 8 decimal places"),
        ("uid,asset,amount\na,BTC,1\nb,BTC,1,2\n", 3, "expected 3 fields"),
        ("uid,BTC,ETH\na,1,2\nb,3,\na,4,5\n", 4, "duplicate uid 'a' (first at line 2)"),
        ("uid,BTC,DOGE\na,1,2\n", 1, "unknown asset 'DOGE'"),
        ("uid,asset\na,BTC\n", 1, "missing column 'amount'"),
        ("user,BTC\na,1\n", 1, "missing column 'uid'"),
        ("uid,BTC,BTC\na,1,1\n", 1, "duplicate column"),
        ("uid,asset,amount\n", None, "header only"),
        ("uid,asset,amount\na,BTC,2" + "0" * 40 + "\n", 2, "outside"),
    ],
)
def test_csv_errors(tmp_path, text, line, msg):
    path = write(tmp_path, "s.csv", text)
    with pytest.raises(SnapshotError) as e:
        load_snapshot(path, PRICES)
    prefix = f"{path}:{line}: " if line else f"{path}: "
    assert str(e.value).startswith(prefix), str(e.value)
    assert msg in str(e.value)


def test_empty_file(tmp_path):
    for name in ("s.csv", "s.jsonl"):
        path = write(tmp_path, name, "")
        with pytest.raises(SnapshotError, match="empty file"):
            load_snapshot(path, PRICES)


def test_unknown_extension(tmp_path):
    with pytest.raises(SnapshotError, match="unknown file type"):
        load_snapshot(write(tmp_path, "s.txt", "x"), PRICES)


def test_round_up(tmp_path):
    path = write(
        tmp_path,
        "s.csv",
        "uid,asset,amount\na,BTC,1.000000001\nb,BTC,-1.000000009\nc,BTC,2.5000000000\n",
    )
    with pytest.raises(SnapshotError, match="s.csv:2: "):
        load_snapshot(path, PRICES)
    s = load_snapshot(path, PRICES, round_up=True)
    assert s.amounts() == [100_000_001, -100_000_000, 250_000_000]


def test_jsonl_errors(tmp_path):
    path = write(
        tmp_path,
        "s.jsonl",
        '{"uid":"a","asset":"BTC","amount":"1"}\n\n{"uid":"b","asset":"BTC","amount":1.5}\n',
    )
    with pytest.raises(SnapshotError) as e:
        load_snapshot(path, PRICES)
    assert str(e.value).startswith(f"{path}:3: ") and "JSON string" in str(e.value)
    path = write(
        tmp_path,
        "s.jsonl",
        '{"uid":"a","asset":"BTC","amount":"1"}\n\n\n{"uid":"b","asset":"BTC","amount":"x"}\n',
    )
    with pytest.raises(SnapshotError, match=r"s.jsonl:4: malformed amount 'x'"):
        load_snapshot(path, PRICES)
    path = write(tmp_path, "w.jsonl", '{"uid":"a","BTC":"1"}\n{"uid":"b","DOGE":"1"}\n')
    with pytest.raises(SnapshotError, match=r"w.jsonl:2: unknown asset 'DOGE'"):
        load_snapshot(path, PRICES)
    path = write(tmp_path, "w.jsonl", '{"uid":"a","BTC":"1"}\n{"uid":"b","BTC":"1"\n')
    with pytest.raises(SnapshotError, match=r"w.jsonl:2: invalid JSON"):
        load_snapshot(path, PRICES)


def test_parquet_float_rejected(tmp_path):
    p = str(tmp_path / "s.parquet")
    pq.write_table(pa.table({"uid": ["a"], "asset": ["BTC"], "amount": [1.5]}), p)
    with pytest.raises(SnapshotError, match="never floating point"):
        load_snapshot(p, PRICES)


def test_parquet_decimal_and_int(tmp_path):
    p = str(tmp_path / "s.parquet")
    t = pa.table(
        {
            "uid": pa.array([1, 2]),
            "BTC": pa.array([Decimal("1.50000000"), None], pa.decimal128(20, 8)),
            "ETH": pa.array([None, 3]),
        }
    )
    pq.write_table(t, p)
    s = load_snapshot(p, PRICES)
    assert s.to_users() == {"1": [(0, 150_000_000)], "2": [(1, 300_000_000)]}


def test_parquet_error_row(tmp_path):
    p = str(tmp_path / "s.parquet")
    pq.write_table(
        pa.table({"uid": ["a", "b"], "asset": ["BTC", "BTC"], "amount": ["1", "1e5"]}), p
    )
    with pytest.raises(SnapshotError, match=r"s.parquet:2: malformed amount"):
        load_snapshot(p, PRICES)


def test_blank_line_in_csv_is_reported(tmp_path):
    path = write(tmp_path, "s.csv", "uid,asset,amount\na,BTC,1\n\nb,BTC,2\n")
    with pytest.raises(SnapshotError, match=r"s.csv:3: "):
        load_snapshot(path, PRICES)


def test_wide_and_huge_amounts(tmp_path):
    big = "170141183460469231731.68730371"  # (2^127 - 1) * 1e-8 coin... minus a bit
    path = write(
        tmp_path,
        "s.csv",
        f"uid,asset,amount\na,BTC,{big}\nb,BTC,-{big}\n"
        "c,ETH,92233720368.54775807\nd,ETH,-92233720368.54775808\n",
    )
    s = load_snapshot(path, PRICES)
    assert s.amounts() == [
        17014118346046923173168730371,
        -17014118346046923173168730371,
        (1 << 63) - 1,
        -(1 << 63),
    ]
    top = (1 << 127) - 1
    text = format_decimal(top)
    path = write(
        tmp_path, "t.csv", f"uid,asset,amount\na,BTC,{text}\nb,BTC,-{format_decimal(top + 1)}\n"
    )
    assert load_snapshot(path, PRICES).amounts() == [top, -(top + 1)]
    path = write(tmp_path, "u.csv", f"uid,asset,amount\na,BTC,{format_decimal(top + 1)}\n")
    with pytest.raises(SnapshotError, match="u.csv:2: .*outside"):
        load_snapshot(path, PRICES)


def test_roundtrip_writer(tmp_path):
    path = make_file(tmp_path, "csv", "long")
    s = load_snapshot(path, PRICES)
    out = str(tmp_path / "out.csv")
    write_snapshot_csv(s, out)
    s2 = load_snapshot(out, PRICES)
    assert s2.to_users() == s.to_users()  # zero-entry users survive (one 0 row)
    pp = str(tmp_path / "pp.csv")
    write_prices_csv(s.symbols, s.prices, pp)
    assert load_prices(pp) == PRICES


@settings(max_examples=200, deadline=None)
@given(st.integers(-(1 << 127), (1 << 127) - 1))
def test_parse_format_roundtrip(v):
    text = format_decimal(v)
    assert parse_decimal(text) == v
    hi, lo = parse_amount_array(pa.array([text, "0", text]))
    assert (int(hi[0]) << 64) + int(lo[0]) == v == (int(hi[2]) << 64) + int(lo[2])


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        places=12,
        min_value=Decimal("-1e20"),
        max_value=Decimal("1e20"),
    )
)
def test_round_up_is_ceiling(d):
    text = format(d, "f")
    v = parse_decimal(text, round_up=True)
    with localcontext() as ctx:
        ctx.prec = 100
        scaled = d.scaleb(8)
        assert Decimal(v) >= scaled > Decimal(v) - 1
    hi, lo = parse_amount_array(pa.array([text]), round_up=True)
    assert (int(hi[0]) << 64) + int(lo[0]) == v
