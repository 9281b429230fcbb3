"""The signed reserves file: layouts, duplicates, freshness, report, exit codes, hostile input.

Coverage against a proven statement (``--public``) is tested in tests/test_cli.py,
beside the proof it needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from blocked import run_verifier_without
from click.testing import CliRunner

pytest.importorskip("coincurve", reason="the reserves extra is not installed")

from zkpor.prover.cli.main import main  # noqa: E402
from zkpor.prover.exchange.reserves import KeyRow, derive_key, reserves_csv, signed_row  # noqa: E402
from zkpor.verifier.cli import main as verify_main  # noqa: E402
from zkpor.verifier.reserves import read_signed_reserves  # noqa: E402

MESSAGE = "Exchange Z proves its reserves for snapshot 2026-11-24"
TRIO = tuple(derive_key("reserves", f"ms{i}") for i in range(3))


def rows(message: str = MESSAGE) -> list[dict[str, str]]:
    specs = [
        ("BTC", "BTC", "p2wpkh", "1.5", 1, (derive_key("reserves", "w"),)),
        ("BTC", "Bitcoin", "p2wsh", "10", 2, TRIO),
        ("ETH", "ERC20", "evm", "3.000000000000000001", 1, (derive_key("reserves", "e"),)),
        ("USDT", "TRC20", "tron", "2500.25", 1, (derive_key("reserves", "t"),)),
    ]
    return [
        signed_row(KeyRow(coin, net, "871000", kind, amount, keys, m), message)
        for coin, net, kind, amount, m, keys in specs
    ]


def write(path: Path, data: list[dict[str, str]]) -> Path:
    path.write_bytes(reserves_csv(data))
    return path


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(verify_main, ["reserves", "verify", *map(str, args)])


def test_valid_file_passes_with_table_and_json(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", rows())
    result = run(path, "--json", tmp_path / "out.json")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"reserves {path}: 4 rows, 4 verified, 0 failed, 0 duplicate")
    assert any(line.split()[:2] == ["BTC", "-"] and "11.50000000" in line for line in lines)
    assert "PASS: every row verifies" in result.output
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["pass"] is True and report["format"] == "zkpor-reserves-report"
    assert [r["detail"] for r in report["rows"]] == [
        "bitcoin P2WPKH", "bitcoin P2WSH 2-of-3", "ethereum personal_sign(message)",
        "tron TIP-191 signMessageV2",
    ]  # fmt: skip
    assert {a["asset"]: a["reserves"] for a in report["assets"]}["ETH"] == "3.00000000"


def test_exchange_layout_headers_vary_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    data = rows()
    text = '"Coin ", NETWORK,Snapshot_Height,Address,Amount,Message,Signature 1,signature-2,Signature3,Redeem Script / Public Key,Comment\n'
    for r in data:
        cells = [r["coin"], r["network"], r["snapshot height"], r["address"], r["amount"]]
        cells += [r["message"], r["signature1"], r["signature2"], r["signature3"]]
        cells += [r["redeem script/public key"], "cold wallet"]
        text += ",".join(f'"{c}"' for c in cells) + "\n"
    path = tmp_path / "exchange.csv"
    path.write_text(text)
    assert [r.coin for r in read_signed_reserves(path)] == ["BTC", "BTC", "ETH", "USDT"]
    assert run(path).exit_code == 0


def test_zkpor_layout(tmp_path: Path) -> None:
    """asset,network,height,address,amount,message,signatures,script (docs/formats.md)."""
    lines = ["asset,network,height,address,amount,message,signatures,script"]
    for r in rows():
        sigs = " ".join(s for s in (r["signature1"], r["signature2"], r["signature3"]) if s)
        cells = [r["coin"], r["network"], r["snapshot height"], r["address"], r["amount"]]
        cells += [r["message"], sigs, r["redeem script/public key"]]
        lines.append(",".join(cells))
    path = tmp_path / "zkpor.csv"
    path.write_text("\n".join(lines) + "\n")
    parsed = read_signed_reserves(path)
    assert len(parsed[1].signatures) == 2 and parsed[0].height == 871000
    assert run(path).exit_code == 0


def test_failing_rows_are_named_and_exit_1(tmp_path: Path) -> None:
    data = rows()
    data[1]["signature2"] = ""  # one signature of a 2-of-3
    data[2]["message"] = MESSAGE + "!"  # signed another text
    data.append(dict(data[0], network="Solana"))  # unsupported scheme
    path = write(tmp_path / "bad.csv", data)
    result = run(path, "--json", tmp_path / "bad.json")
    assert result.exit_code == 1, result.output
    out = result.output.splitlines()
    assert f"FAIL {path}:3: 1 distinct key(s) of the script signed, 2-of-3 needs 2" in out
    assert f"FAIL {path}:4: signature is not by the key of the address (tried 2 formats)" in out
    assert f"FAIL {path}:6: unsupported: network 'Solana' (never counted)" in out
    assert out[-2].startswith("FAIL: 3 problem(s)")
    report = json.loads((tmp_path / "bad.json").read_text())
    assert [r["status"] for r in report["rows"]] == [
        "verified",
        "failed",
        "failed",
        "verified",
        "failed",
    ]
    # failing rows are never counted
    assert {a["asset"]: a["reserves"] for a in report["assets"]} == {
        "BTC": "1.50000000",
        "USDT": "2500.25000000",
    }


def test_duplicates_are_counted_once_and_reported(tmp_path: Path) -> None:
    data = rows()
    upper = dict(data[0], address=data[0]["address"].upper())  # bech32: same address
    evm_lower = dict(data[2], address=data[2]["address"].lower())
    path = write(tmp_path / "dup.csv", data + [upper, evm_lower])
    result = run(path)
    assert result.exit_code == 0, result.output
    assert "6 rows, 4 verified, 0 failed, 2 duplicate" in result.output
    assert (
        f"warning: {path}:6: {upper['address']} (BTC on bitcoin) is listed again (first at line 2): counted once"
        in result.output
    )
    assert any(
        line.startswith("BTC ") and "11.50000000" in line for line in result.output.split("\n  ")
    )


def test_expect_message_and_replayable_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", rows())
    assert run(path, "--expect-message", MESSAGE).exit_code == 0
    result = run(path, "--expect-message", "Exchange Z, snapshot 2026-11-25")
    assert result.exit_code == 1
    assert f"FAIL {path}:2: message is not the expected text" in result.output.splitlines()
    stale = write(tmp_path / "stale.csv", rows("Exchange Z owns this address"))
    result = run(stale)
    assert result.exit_code == 0  # a warning, not a failure
    assert (
        "4 message(s) name no snapshot" in result.output and "line(s) 2, 3, 4, 5" in result.output
    )
    assert "name no snapshot" not in run(path).output  # names a date
    height = write(tmp_path / "height.csv", rows("Exchange Z at block 871000"))
    assert "name no snapshot" not in run(height).output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"coin,network,address,amount,message\n", "missing column(s) signatures"),
        (b"coin,network,address,amount,message,signature\n", "no rows after the header"),
        (
            b"coin,network,address,amount,message,signature\nBTC,BTC,1x,1e5,m,s\n",
            ":2: amount '1e5' is not",
        ),
        (
            b"coin,network,address,amount,message,signature\nBTC,BTC,1x,-1,m,s\n",
            ":2: amount '-1' is not",
        ),
        (
            b"coin,network,address,amount,message,signature\nBTC,BTC\n",
            ":2: 2 fields, the header has 6",
        ),
        (b"coin,network,address,amount,message,signature\n,BTC,1x,1,m,s\n", ":2: empty coin"),
        (
            b"coin,network,height,address,amount,message,signature\nBTC,BTC,-5,1x,1,m,s\n",
            ":2: snapshot height '-5'",
        ),
        (
            b"coin,network,address,amount,message,signature\nBTC,BTC,1x,1,m,s\n\xff\xfe\n",
            ":3: not UTF-8",
        ),
        (
            b'coin,network,address,amount,message,signature\nBTC,BTC,1x,1,"'
            + b"m" * 20000
            + b'",s\n',
            ":2: malformed CSV",
        ),
        (b"coin,coin,network,address,amount,message,signature\n", "two columns mean 'coin'"),
        (
            b"coin,network,address,amount,message,signature\nBTC,BTC,1x,\x1b[31m1,m,s\n",
            "'\\x1b[31m1'",
        ),
    ],
)
def test_unusable_input_is_one_line_exit_2(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    result = run(path)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}"), result.output
    assert expected in lines[0]
    assert "\x1b" not in result.output and "Traceback" not in result.output


def test_hostile_text_is_escaped_in_the_report(tmp_path: Path) -> None:
    data = rows()
    data[0]["network"] = "BTC\x1b[2J\u202e"
    path = write(tmp_path / "esc.csv", data)
    result = run(path)
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "unsupported: network 'BTC\\x1b[2J\\u202e'" in result.output


def test_too_large_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zkpor.verifier import reserves

    monkeypatch.setattr(reserves, "MAX_FILE_BYTES", 1000)
    path = write(tmp_path / "big.csv", rows() * 3)
    result = run(path)
    assert result.exit_code == 2 and "more than the 1,000-byte limit" in result.output


def test_missing_file_and_unreachable_rpc_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path / "nope.csv")
    assert result.exit_code == 2 and "cannot read" in result.output
    path = write(tmp_path / "r.csv", rows())
    result = run(path, "--rpc", "http://127.0.0.1:9")
    assert result.exit_code == 2 and "cannot reach the node" in result.output
    result = run(path, "--rpc", "file:///etc/passwd")
    assert result.exit_code == 2 and "not an http(s) URL" in result.output
    (tmp_path / "c.json").write_text('{"USDT": {"contract": "0x12", "decimals": 6}}')
    result = run(path, "--rpc", "http://127.0.0.1:9", "--contracts", tmp_path / "c.json")
    assert result.exit_code == 2 and "'contract' must be 0x and 40 hex digits" in result.output


def test_sign_command_round_trip_and_bad_key_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys.csv"
    k = [derive_key("cli", str(i)).hex() for i in range(4)]
    keys.write_text(
        "coin,network,snapshot height,type,amount,private keys\n"
        f"BTC,BTC,871000,p2sh-p2wpkh,1,{k[0]}\n"
        f"BTC,BTC,871000,p2sh-p2wsh 2-of-3,2,{k[1]} {k[2]} {k[3]}\n"
        f"DOGE,DOGE,5000000,p2pkh,1000,{k[0]}\n"
        f"ETH,ETH,21000000,evm-hash,1.25,{k[1]}\n"
    )
    out = tmp_path / "signed.csv"
    result = CliRunner().invoke(
        main, ["reserves", "sign", str(keys), "--message", MESSAGE, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["reserves", "verify", str(out), "--expect-message", MESSAGE])
    assert result.exit_code == 0, result.output
    assert "4 verified" in result.output
    keys.write_text(
        "coin,network,snapshot height,type,amount,private keys\nBTC,BTC,1,p2wsh 2-of-3,1,00\n"
    )
    result = CliRunner().invoke(
        main, ["reserves", "sign", str(keys), "--message", "m", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2 and f"{keys}:2: 3 keys needed, 1 given" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_without_the_extra_one_line_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", rows())
    result = run_verifier_without(("coincurve", "Crypto"), "reserves", "verify", str(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "pip install '.[reserves]'" in result.stderr and "coincurve" in result.stderr


def test_demo_reserves_verify_and_cover(tmp_path: Path) -> None:
    from zkpor.prover.exchange.reserves import demo_key_rows, write_reserves
    from zkpor.verifier.reserves import check_reserves
    from zkpor.verifier.statement import AssetInfo, Statement

    totals = {"BTC": 672_022_650, "ETH": -3, "USDT": 514_797_343_811_437, "LTC": 10**8, "SOL": 7}
    assets = tuple(AssetInfo(s, 1, t) for s, t in totals.items())
    statement = Statement("demo-x", "t", 1 << 16, 10, assets, bytes(32), True, bytes(32))
    path = tmp_path / "demo.csv"
    message = "demo exchange, snapshot demo-x"
    write_reserves(demo_key_rows(list(totals.items()), "seed"), message, path)
    report = check_reserves(path, read_signed_reserves(path), statement, message)
    assert report.passed, report.lines()
    kinds = {r.detail for r in report.results}
    assert {
        "bitcoin P2PKH",
        "bitcoin P2SH-P2WSH 2-of-3",
        "litecoin P2SH 2-of-3",
        "tron TIP-191 signMessageV2",
    } <= kinds
    assert [c.ratio for c in report.assets] == ["105.00%", "n/a", "105.00%", "105.00%", "114.28%"]


def test_large_amounts_sum_exactly(tmp_path: Path) -> None:
    """40 integer digits and 18 decimals: no Decimal context rounds the sum."""
    data = rows()
    big = "1234567890123456789012345.123456789012345678"
    data[0]["amount"] = data[1]["amount"] = big
    result = run(write(tmp_path / "big.csv", data), "--json", tmp_path / "big.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "big.json").read_text())
    assert report["assets"][0] == {
        "asset": "BTC", "reserves": "2469135780246913578024690.24691357",
        "liabilities": None, "coverage": "n/a", "covered": True,
    }  # fmt: skip
