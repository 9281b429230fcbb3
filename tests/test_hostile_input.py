"""Hostile input (issue 10): never pass a forged inclusion, never crash, never mislead.

Every malformed file gives exit code 2 and one line ``error: FILE[:LINE]: reason``;
impossible balances FAIL (exit 1); nothing raises a traceback or overflows the C stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkpor.prover.cli.main import main
from zkpor.verifier.amounts import format_units, parse_units
from zkpor.verifier.cli import main as verify_main
from zkpor.verifier.errors import InputError, MalformedInput, VerificationError
from zkpor.verifier.field import R
from zkpor.verifier.fingerprint import fingerprint, user_mask
from zkpor.verifier.inclusion import InclusionRecord, check_inclusion
from zkpor.verifier.jsonio import MAX_DEPTH, loads, parse_int
from zkpor.verifier.merkle import merkle_path, merkle_root, tree_levels
from zkpor.verifier.public import load_public
from zkpor.verifier.statement import AssetInfo, Statement, is_symbol
from zkpor.verifier.verify import Verified

SNAPSHOT = "uid,asset,amount\nalice,BTC,0.5\nbob,ETH,-3\nbob,USDT,12300\ncarol,USDT,5000\n"
PRICES = "asset,price_usd\nBTC,90000\nETH,3000\nUSDT,1\n"
HUGE = "1" * 5000
ARABIC = "\u0661\u0662\u0663\u0660\u0660"  # 12300 in Arabic-Indic digits
CYRILLIC_BTC = "\u0412\u0422\u0421"  # 'ВТС'


@pytest.fixture(scope="module")
def proved(dev_srs_dir, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    work = tmp_path_factory.mktemp("hostile")
    (work / "snap.csv").write_text(SNAPSHOT)
    (work / "prices.csv").write_text(PRICES)
    result = CliRunner().invoke(
        main,
        [
            "prove", str(work / "snap.csv"), "--prices", str(work / "prices.csv"),
            "--srs", str(dev_srs_dir(16)), "--out", str(work / "out"), "--snapshot-id", "h-1",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        main,
        ["inclusion", "export", str(work / "out" / "private"), "--uid", "bob",
         "-o", str(work / "bob.json")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return work


@pytest.fixture
def public(proved: Path, tmp_path: Path) -> Path:
    """A private copy of the published folder, free to tamper with."""
    folder = tmp_path / "public"
    shutil.copytree(proved / "out" / "public", folder)
    return folder


def bob(proved: Path) -> dict:
    return json.loads((proved / "bob.json").read_text())


def check_inclusion_cli(proved: Path, record: dict | bytes | str, public: Path | None = None):
    path = proved / "tampered.json"
    if isinstance(record, dict):
        record = json.dumps(record)
    if isinstance(record, str):
        record = record.encode("utf-8", errors="surrogatepass")
    path.write_bytes(record)
    public = public or proved / "out" / "public"
    return CliRunner().invoke(
        verify_main, ["inclusion", "verify", str(path), "--public", str(public), "--allow-insecure"]
    )


def verify_cli(public: Path, *extra: str):
    return CliRunner().invoke(verify_main, ["verify", str(public), "--allow-insecure", *extra])


def assert_unusable(result, name: str) -> None:  # noqa: ANN001
    """Exit 2 with one line naming the file, no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and name in lines[0], lines[0]
    assert "PASS" not in result.output


def edit_statement(public: Path, change) -> None:  # noqa: ANN001
    data = json.loads((public / "statement.json").read_text())
    change(data)
    (public / "statement.json").write_text(json.dumps(data))


# ---------------------------------------------------------------------------
# item 2: impossible balances in an inclusion file
# ---------------------------------------------------------------------------


def test_honest_inclusion_passes(proved: Path) -> None:
    result = check_inclusion_cli(proved, bob(proved))
    assert result.exit_code == 0 and "PASS" in result.output, result.output


def test_inclusion_amount_plus_r_fails(proved: Path) -> None:
    """bob's 12,300 USDT + r units hashes to the same fingerprint (mod r)."""
    record = bob(proved)
    usdt = record["balances"][1]
    usdt["amount"] = format_units(parse_units(usdt["amount"]) + R)
    result = check_inclusion_cli(proved, record)
    assert result.exit_code == 1, result.output
    assert "PASS" not in result.output and "outside -2^127 <= b < 2^127" in result.output


def test_inclusion_negative_equity_fails(proved: Path) -> None:
    """12,300 USDT - r units: same fingerprint, net equity about -2^254 USD."""
    record = bob(proved)
    usdt = record["balances"][1]
    usdt["amount"] = format_units(parse_units(usdt["amount"]) - R)
    result = check_inclusion_cli(proved, record)
    assert result.exit_code == 1, result.output
    assert "PASS" not in result.output and "-$" not in result.output


def _fake_verified(balances: tuple[tuple[str, int], ...]) -> tuple[InclusionRecord, Verified]:
    """A one-user 'verified' statement built around the record (check_inclusion's view)."""
    assets = (AssetInfo("BTC", 9_000_000_000_000, 0), AssetInfo("USDT", 100_000_000, 0))
    rho, salt = 12345, bytes(range(32))
    index = {a.symbol: j for j, a in enumerate(assets)}
    fp = fingerprint(user_mask("s", salt, "u"), [(index[s], b) for s, b in balances], rho)
    fps = sorted([fp, fp + 1])
    st = Statement("s", "t", 1 << 16, 2, assets, bytes(32), True, merkle_root(fps))
    leaf = fps.index(fp)
    path = tuple(merkle_path(tree_levels(fps), leaf))
    record = InclusionRecord("s", "u", salt, balances, leaf, path)
    return record, Verified(st, {"rho": rho}, fps)


def test_inclusion_equity_bounds_with_amounts_in_range() -> None:
    record, verified = _fake_verified((("BTC", 10**8), ("USDT", 5 * 10**8)))
    assert check_inclusion(record, verified).equity == 9_000_000_000_000 * 10**8 + 5 * 10**16
    for balances in ((("BTC", -(10**8)), ("USDT", 5 * 10**8)), (("BTC", (1 << 127) - 1),)):
        record, verified = _fake_verified(balances)
        with pytest.raises(VerificationError, match="net equity"):
            check_inclusion(record, verified)


def test_inclusion_amount_bounds_unit() -> None:
    for units in (1 << 127, -(1 << 127) - 1, R + 5):
        record, verified = _fake_verified((("USDT", units),))
        with pytest.raises(VerificationError, match="outside -2\\^127"):
            check_inclusion(record, verified)


# ---------------------------------------------------------------------------
# item 3a: asset symbols
# ---------------------------------------------------------------------------


def test_symbol_rule() -> None:
    for good in ("BTC", "USDT", "1INCH", "BTC.B", "A_B-C", "X" * 16):
        assert is_symbol(good), good
    for bad in (CYRILLIC_BTC, "btc", "", "X" * 17, "BTC ", "B\u200bTC", "B\nC", "\ud800", 5):
        assert not is_symbol(bad), bad


def test_statement_refuses_a_look_alike_symbol(proved: Path) -> None:
    st = Statement.loads((proved / "out" / "public" / "statement.json").read_bytes())
    st.check()
    assets = (*st.assets[:1], replace(st.assets[1], symbol=CYRILLIC_BTC), *st.assets[2:])
    with pytest.raises(VerificationError, match="symbol"):
        replace(st, assets=assets).check()
    with pytest.raises(VerificationError, match="symbol"):
        replace(st, assets=(*st.assets[:2], replace(st.assets[2], symbol="usdt"))).check()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot_check(snapshot: Path, prices: Path):
    return CliRunner().invoke(
        main, ["snapshot", "check", str(snapshot), "--prices", str(prices), "--quiet", "--totals"]
    )


def snapshot_build(accounts: Path, prices: Path, tmp_path: Path):
    out, report = str(tmp_path / "o.csv"), str(tmp_path / "r.csv")
    args = ["snapshot", "build", str(accounts), "--prices", str(prices)]
    return CliRunner().invoke(main, [*args, "--out", out, "--report", report])


def test_ingestion_refuses_a_look_alike_symbol(tmp_path: Path) -> None:
    prices = write(tmp_path, "p.csv", PRICES)
    bad_prices = write(tmp_path, "bad.csv", PRICES + f"{CYRILLIC_BTC},90000\n")
    assert_unusable(snapshot_check(write(tmp_path, "s.csv", SNAPSHOT), bad_prices), "bad.csv:5:")
    bad_json = write(tmp_path, "bad.json", json.dumps({"BTC": "1", CYRILLIC_BTC: "1"}))
    assert_unusable(snapshot_check(write(tmp_path, "s.csv", SNAPSHOT), bad_json), "bad.json")
    for name, text, where in (
        ("long.csv", f"uid,asset,amount\na,BTC,1\nb,{CYRILLIC_BTC},1\n", "long.csv:3:"),
        ("wide.csv", f"uid,BTC,{CYRILLIC_BTC}\na,1,1\n", "wide.csv:1:"),
        ("w.jsonl", json.dumps({"uid": "a", "BTC": "1", CYRILLIC_BTC: "1"}) + "\n", "w.jsonl:1:"),
        (
            "w2.jsonl",
            '{"uid": "a", "BTC": "1"}\n' + json.dumps({"uid": "b", CYRILLIC_BTC: "1"}) + "\n",
            "w2.jsonl:2:",
        ),
    ):
        result = snapshot_check(write(tmp_path, name, text), prices)
        assert_unusable(result, where)
        assert "A-Z" in result.output or "unknown asset" in result.output


def test_ingestion_normalises_lowercase_symbols(tmp_path: Path) -> None:
    upper = snapshot_check(write(tmp_path, "s.csv", SNAPSHOT), write(tmp_path, "p.csv", PRICES))
    assert upper.exit_code == 0, upper.output
    lower_prices = write(tmp_path, "lp.csv", PRICES.replace("BTC", "btc").replace("ETH", "Eth"))
    for name, text in (
        ("l.csv", SNAPSHOT.replace("USDT", "usdt")),
        ("w.csv", "uid,btc,ETH,usdt\nalice,0.5,,\nbob,,-3,12300\ncarol,,,5000\n"),
        (
            "w.jsonl",
            '{"uid": "alice", "btc": "0.5"}\n{"uid": "bob", "ETH": "-3", "usdt": "12300"}\n'
            '{"uid": "carol", "USDT": "5000"}\n',
        ),
    ):
        result = snapshot_check(write(tmp_path, name, text), lower_prices)
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[:3] == upper.output.splitlines()[:3], result.output


def test_ingestion_refuses_symbols_that_collide_after_normalising(tmp_path: Path) -> None:
    prices = write(tmp_path, "p.csv", PRICES)
    snap = write(tmp_path, "s.csv", SNAPSHOT)
    assert_unusable(snapshot_check(snap, write(tmp_path, "c.csv", PRICES + "btc,1\n")), "c.csv:5:")
    assert_unusable(
        snapshot_check(snap, write(tmp_path, "c.json", '{"BTC": "1", "btc": "2"}')), "c.json"
    )
    for name, text, where in (
        ("w.csv", "uid,BTC,btc\na,1,2\n", "w.csv:1:"),
        ("l.csv", "uid,asset,amount\na,btc,1\na,BTC,2\n", "l.csv:3:"),
        (
            "w.jsonl",
            '{"uid": "a", "btc": "1"}\n{"uid": "b", "btc": "1", "BTC": "1"}\n',
            "w.jsonl:2:",
        ),
    ):
        assert_unusable(snapshot_check(write(tmp_path, name, text), prices), where)
    accounts = write(
        tmp_path, "a.jsonl", '{"uid": "a", "wallets": {"funding": {"btc": "1", "BTC": "2"}}}\n'
    )
    result = snapshot_build(accounts, prices, tmp_path)
    assert_unusable(result, "a.jsonl:1:")
    assert "twice" in result.output


# ---------------------------------------------------------------------------
# item 5: crashes instead of one-line errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["price", "total"])
def test_statement_with_a_5000_digit_number(public: Path, field: str) -> None:
    edit_statement(public, lambda d: d["assets"][0].__setitem__(field, HUGE))
    assert_unusable(verify_cli(public), "statement.json")


def test_statement_with_a_5000_digit_json_integer(public: Path) -> None:
    text = (public / "statement.json").read_text()
    (public / "statement.json").write_text(
        text.replace('"domain_size": 65536', f'"domain_size": {HUGE}')
    )
    assert_unusable(verify_cli(public), "statement.json")


def test_inclusion_with_a_5000_digit_amount(proved: Path) -> None:
    record = bob(proved)
    record["balances"][1]["amount"] = HUGE
    assert_unusable(check_inclusion_cli(proved, record), "tampered.json")
    leaf = bob(proved)["leaf_index"]
    text = json.dumps(bob(proved)).replace(f'"leaf_index": {leaf}', f'"leaf_index": {HUGE}')
    assert HUGE in text
    assert_unusable(check_inclusion_cli(proved, text), "tampered.json")


def test_ingestion_of_5000_digit_amounts_and_prices(tmp_path: Path) -> None:
    prices = write(tmp_path, "p.csv", PRICES)
    for name, text, where in (
        ("s.csv", f"uid,asset,amount\na,BTC,{HUGE}\n", "s.csv:2:"),
        ("w.csv", f"uid,BTC\na,{HUGE}.5\n", "w.csv:2:"),
        ("s.jsonl", json.dumps({"uid": "a", "asset": "BTC", "amount": HUGE}) + "\n", "s.jsonl:1:"),
    ):
        result = snapshot_check(write(tmp_path, name, text), prices)
        assert_unusable(result, where)
        assert "out of range" in result.output and "4300" not in result.output
    snap = write(tmp_path, "ok.csv", SNAPSHOT)
    result = snapshot_check(snap, write(tmp_path, "big.csv", f"asset,price_usd\nBTC,{HUGE}\n"))
    assert_unusable(result, "big.csv:2:")
    assert "4300" not in result.output
    result = snapshot_check(snap, write(tmp_path, "big.json", '{"BTC": ' + HUGE + "}"))
    assert_unusable(result, "big.json")
    accounts = write(tmp_path, "a.jsonl", json.dumps({"uid": "a", "wallets": {"w": {"BTC": HUGE}}}))
    result = snapshot_build(accounts, prices, tmp_path)
    assert_unusable(result, "a.jsonl:1:")


def test_lone_surrogates_in_statement(public: Path) -> None:
    for field in ("symbol", "snapshot_id"):
        text = (public / "statement.json").read_text()
        data = json.loads(text)
        old = data["assets"][0]["symbol"] if field == "symbol" else data["snapshot_id"]
        bad = text.replace(f'"{old}"', f'"{old}\\ud800"', 1)
        assert bad != text
        (public / "statement.json").write_text(bad)
        result = verify_cli(public)
        assert_unusable(result, "statement.json")
        assert "surrogate" in result.output
        (public / "statement.json").write_text(text)


def test_lone_surrogates_in_inclusion_file(proved: Path) -> None:
    for field in ("uid", "snapshot_id"):
        text = json.dumps(bob(proved)).replace(f'"{field}": "', f'"{field}": "\\ud800', 1)
        result = check_inclusion_cli(proved, text)
        assert_unusable(result, "tampered.json")
        assert "surrogate" in result.output


def test_lone_surrogates_at_ingestion(tmp_path: Path) -> None:
    prices = write(tmp_path, "p.csv", PRICES)
    line = '{"uid": "a\\ud800", "asset": "BTC", "amount": "1"}\n'
    assert_unusable(snapshot_check(write(tmp_path, "s.jsonl", line), prices), "s.jsonl:1:")
    accounts = write(tmp_path, "a.jsonl", '{"uid": "a\\udc00"}\n')
    result = snapshot_build(accounts, prices, tmp_path)
    assert_unusable(result, "a.jsonl:1:")
    result = snapshot_check(
        write(tmp_path, "ok.csv", SNAPSHOT), write(tmp_path, "p.json", '{"B\\ud800": "1"}')
    )
    assert_unusable(result, "p.json")


def test_non_utf8_inclusion_file_and_statement(proved: Path, public: Path) -> None:
    data = json.dumps(bob(proved)).encode().replace(b'"bob"', b'"b\xffb"')
    result = check_inclusion_cli(proved, data)
    assert_unusable(result, "tampered.json:1:")
    assert "UTF-8" in result.output
    raw = (public / "statement.json").read_bytes()
    (public / "statement.json").write_bytes(raw.replace(b'"h-1"', b'"h-\xe9"'))
    result = verify_cli(public)
    assert_unusable(result, "statement.json:")
    assert "UTF-8" in result.output
    result = check_inclusion_cli(proved, bob(proved), public)
    assert_unusable(result, "statement.json:")


DEEP = "[" * 99_000 + "]" * 99_000

RUN_CLI = "import sys\nfrom zkpor.verifier.cli import main\nsys.exit(main())\n"


def _run_verifier(*args: str) -> subprocess.CompletedProcess:
    """In a subprocess: a C stack overflow must fail the test, not kill pytest."""
    return subprocess.run(
        [sys.executable, "-c", RUN_CLI, *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("which", ["statement.json", "vk.json", "inclusion"])
def test_deeply_nested_json(proved: Path, public: Path, which: str) -> None:
    inclusion = proved / "bob.json"
    if which == "inclusion":
        inclusion = public.parent / "deep.json"
        inclusion.write_text(DEEP)
    else:
        (public / which).write_text(DEEP)
    result = _run_verifier(
        "inclusion", "verify", str(inclusion), "--public", str(public), "--allow-insecure"
    )
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "nested deeper" in lines[0] or "(at most 65,536)" in lines[0], lines  # vk.json cap


# ---------------------------------------------------------------------------
# item 6: fingerprints.bin is sized before it is read
# ---------------------------------------------------------------------------


def test_huge_sparse_fingerprint_file_is_refused_unread(public: Path) -> None:
    with open(public / "fingerprints.bin", "r+b") as handle:
        handle.truncate(2 << 30)  # sparse: no disk used
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(VerificationError, match="2147483648 bytes, expected 32 x"):
            load_public(public)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 64 << 20, peak
    result = verify_cli(public)
    assert result.exit_code == 1 and "2147483648 bytes" in result.output


# ---------------------------------------------------------------------------
# item 10: exact integers, ASCII digits, the key path
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1.0", "true"])
def test_version_must_be_an_exact_int(proved: Path, public: Path, value: str) -> None:
    text = (public / "statement.json").read_text()
    (public / "statement.json").write_text(text.replace('"version": 1', f'"version": {value}'))
    assert_unusable(verify_cli(public), "statement.json")
    (public / "statement.json").write_text(text)
    text = (public / "vk.json").read_text()
    (public / "vk.json").write_text(text.replace('"version": 1', f'"version": {value}'))
    result = verify_cli(public)
    assert result.exit_code in (1, 2) and "unsupported version" in result.output
    (public / "vk.json").write_text(text)
    record = json.dumps(bob(proved)).replace('"version": 1', f'"version": {value}')
    assert_unusable(check_inclusion_cli(proved, record), "tampered.json")


def test_arabic_indic_digits_are_not_amounts(proved: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        parse_units(ARABIC)
    with pytest.raises(ValueError):
        parse_units("\uff11")  # fullwidth 1
    record = bob(proved)
    record["balances"][1]["amount"] = ARABIC
    assert_unusable(check_inclusion_cli(proved, record), "tampered.json")
    from zkpor.prover.exchange.ingest import parse_decimal

    with pytest.raises(ValueError):
        parse_decimal(ARABIC)
    result = snapshot_check(
        write(tmp_path, "s.csv", f"uid,asset,amount\na,BTC,{ARABIC}\n"),
        write(tmp_path, "p.csv", PRICES),
    )
    assert_unusable(result, "s.csv:2:")
    with pytest.raises(ValueError):
        parse_int(ARABIC)


def test_arabic_indic_digits_in_a_statement(public: Path) -> None:
    edit_statement(public, lambda d: d["assets"][0].__setitem__("price", ARABIC))
    assert_unusable(verify_cli(public), "statement.json")


def test_missing_key_names_the_file_once(public: Path, tmp_path: Path) -> None:
    (public / "vk.json").unlink()
    result = verify_cli(public)
    assert_unusable(result, "vk.json")
    assert "vk.json/vk.json" not in result.output
    result = verify_cli(public, "--srs", str(tmp_path / "no-such-srs"))
    assert_unusable(result, "no-such-srs")
    assert "vk.json/vk.json" not in result.output


# ---------------------------------------------------------------------------
# the bounded reader itself
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"a": NaN}', "NaN"),
        ("[Infinity]", "Infinity"),
        ("[-Infinity]", "Infinity"),
        ('["\\ud800"]', "surrogate"),
        ('{"\\udfff": 1}', "surrogate"),
        ("[" + "1" * 81 + "]", "digits"),
        ("[1." + "0" * 100 + "]", "characters"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested deeper"),
        ('{"a": 1,}', "not valid JSON"),
        ("\n\n[1", "x.json:3:"),
    ],
)
def test_bounded_reader_refuses(text: str, reason: str) -> None:
    with pytest.raises(MalformedInput, match=reason) as info:
        loads(text.encode(), "x.json", 1 << 20)
    assert isinstance(info.value, InputError) and "\n" not in str(info.value)


def test_bounded_reader_accepts() -> None:
    assert loads(b'{"a": ["[[[[{{{{", "\\ud83d\\ude00"], "b": -12}', "x", 100) == {
        "a": ["[[[[{{{{", "\U0001f600"],
        "b": -12,
    }
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x", 100) is not None
    with pytest.raises(MalformedInput, match="larger than"):
        loads(b"[1, 2, 3]", "x", 5)
    assert loads(b'{"p": 1.50}', "x", 100, exact_numbers=True) == {"p": "1.50"}


def test_statement_round_trip_still_works(proved: Path) -> None:
    raw = (proved / "out" / "public" / "statement.json").read_bytes()
    st = Statement.loads(raw)
    assert Statement.loads(st.dumps()) == st
    assert os.path.getsize(proved / "out" / "public" / "fingerprints.bin") == 32 * st.n_u


def test_prove_refuses_a_snapshot_id_that_is_not_utf8(tmp_path: Path, dev_srs_dir) -> None:  # noqa: ANN001
    """A --snapshot-id from bytes that are not UTF-8 arrives as lone surrogates (argv)."""
    snap, prices = write(tmp_path, "s.csv", SNAPSHOT), write(tmp_path, "p.csv", PRICES)
    result = CliRunner().invoke(
        main,
        ["prove", str(snap), "--prices", str(prices), "--srs", str(dev_srs_dir(16)),
         "--out", str(tmp_path / "out"), "--snapshot-id", "id-\udcff"],
    )  # fmt: skip
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception
    assert "snapshot id" in result.output and not (tmp_path / "out").exists()
