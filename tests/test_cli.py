"""The command line end to end: prove, verify, export and check inclusion, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from blocked import HEAVY, run_verifier_without
from click.testing import CliRunner

from zkpor.prover.cli.main import main
from zkpor.verifier.cli import main as verify_main

SNAPSHOT = """uid,asset,amount
alice,BTC,0.5
alice,USDT,-100
bob,ETH,-3
bob,USDT,12300
carol,USDT,5000
"""
PRICES = "asset,price_usd\nBTC,90000\nETH,3000\nUSDT,1\n"


@pytest.fixture(scope="module")
def proved(dev_srs_dir, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    work = tmp_path_factory.mktemp("cli")
    (work / "snap.csv").write_text(SNAPSHOT)
    (work / "prices.csv").write_text(PRICES)
    result = CliRunner().invoke(
        main,
        [
            "prove", str(work / "snap.csv"), "--prices", str(work / "prices.csv"),
            "--srs", str(dev_srs_dir(16)), "--out", str(work / "out"), "--snapshot-id", "cli-1",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "proved 3 users" in result.output
    return work


def test_verify_passes_with_reserves_table(proved: Path) -> None:
    (proved / "reserves.csv").write_text("asset,amount\nBTC,1\nUSDT,20000\n")
    result = CliRunner().invoke(
        main, ["verify", str(proved / "out" / "public"), "--reserves", str(proved / "reserves.csv"),
              "--allow-insecure"]
    )
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "INSECURE" in result.output
    btc = next(line for line in result.output.splitlines() if line.startswith("BTC"))
    assert "0.50000000" in btc and "200.00%" in btc


def test_public_folder_contents(proved: Path) -> None:
    public = proved / "out" / "public"
    assert sorted(p.name for p in public.iterdir()) == [
        "fingerprints.bin", "proof.bin", "proof.json", "statement.json", "vk.json",
    ]  # fmt: skip
    statement = json.loads((public / "statement.json").read_text())
    assert [a["total"] for a in statement["assets"]] == ["50000000", "-300000000", "1720000000000"]
    assert (public / "fingerprints.bin").stat().st_size == 32 * statement["n_fingerprints"]


def test_tampered_proof_fails_with_exit_1(proved: Path, tmp_path: Path) -> None:
    import shutil

    public = tmp_path / "public"
    shutil.copytree(proved / "out" / "public", public)
    data = bytearray((public / "proof.bin").read_bytes())
    data[-100] ^= 1
    (public / "proof.bin").write_bytes(bytes(data))
    result = CliRunner().invoke(verify_main, ["verify", str(public), "--allow-insecure"])
    assert result.exit_code == 1
    assert result.output.startswith("FAIL:")
    (public / "proof.bin").write_bytes(bytes(data[:-1]))
    result = CliRunner().invoke(verify_main, ["verify", str(public), "--allow-insecure"])
    assert result.exit_code == 1 and "bytes, expected" in result.output


def test_missing_input_is_unusable_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(verify_main, ["verify", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_inclusion_export_and_verify(proved: Path) -> None:
    runner = CliRunner()
    out = proved / "bob.json"
    result = runner.invoke(
        main,
        ["inclusion", "export", str(proved / "out" / "private"), "--uid", "bob", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main, ["inclusion", "verify", str(out), "--public", str(proved / "out" / "public"),
         "--allow-insecure"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "-3.00000000" in result.output and "$3,300.00" in result.output and "PASS" in result.output
    )
    record = json.loads(out.read_text())
    record["balances"][0]["amount"] = "-2.99999999"
    out.write_text(json.dumps(record))
    result = runner.invoke(
        verify_main, ["inclusion", "verify", str(out), "--public", str(proved / "out" / "public"),
         "--allow-insecure"]
    )
    assert result.exit_code == 1 and "FAIL" in result.output


def test_export_all(proved: Path) -> None:
    target = proved / "all"
    result = CliRunner().invoke(
        main, ["inclusion", "export", str(proved / "out" / "private"), "--all", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["alice.json", "bob.json", "carol.json"]
    result = CliRunner().invoke(
        main,
        [
            "inclusion",
            "export",
            str(proved / "out" / "private"),
            "--uid",
            "mallory",
            "-o",
            str(proved / "m.json"),
        ],
    )
    assert result.exit_code == 2 and "mallory" in result.output
    assert not (proved / "m.json").exists()


def test_prove_refuses_negative_equity_naming_user(proved: Path, dev_srs_dir) -> None:  # noqa: ANN001
    (proved / "bad.csv").write_text(SNAPSHOT + "dan,ETH,-1\ndan,USDT,2999.99999999\n")
    result = CliRunner().invoke(
        main,
        [
            "prove",
            str(proved / "bad.csv"),
            "--prices",
            str(proved / "prices.csv"),
            "--srs",
            str(dev_srs_dir(16)),
            "--out",
            str(proved / "bad-out"),
        ],
    )
    assert result.exit_code == 2
    assert "'dan' has negative net equity" in result.output
    assert not (proved / "bad-out").exists()


def test_prove_reports_bad_input_with_file_and_line(proved: Path, dev_srs_dir) -> None:  # noqa: ANN001
    (proved / "bad2.csv").write_text("uid,asset,amount\nx,BTC,1\nx,DOGE,1\n")
    result = CliRunner().invoke(
        main,
        [
            "prove",
            str(proved / "bad2.csv"),
            "--prices",
            str(proved / "prices.csv"),
            "--srs",
            str(dev_srs_dir(16)),
            "--out",
            str(proved / "bad2-out"),
        ],
    )
    assert result.exit_code == 2
    assert "bad2.csv:3:" in result.output and "DOGE" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_verifier_runs_without_numba_or_numpy(proved: Path) -> None:
    """`zkpor-verify` with numpy and numba unimportable: the base install's path."""
    result = run_verifier_without(HEAVY, "verify", str(proved / "out" / "public"), "--allow-insecure")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout


def _signed_reserves(path: Path, amounts: dict[str, str], message: str = "cli-1 reserves") -> Path:
    from zkpor.prover.exchange.reserves import KeyRow, derive_key, write_reserves

    kinds = {"BTC": ("BTC", "p2wpkh"), "ETH": ("ETH", "evm"), "USDT": ("TRC20", "tron")}
    rows = [
        KeyRow(coin, kinds[coin][0], "100", kinds[coin][1], amount, (derive_key("cli", coin),))
        for coin, amount in amounts.items()
    ]
    write_reserves(rows, message, path)
    return path


def test_reserves_verify_against_the_proof(proved: Path) -> None:
    """Coverage from the verified statement: BTC 0.5, ETH -3 (n/a), USDT 17,200 owed."""
    pytest.importorskip("coincurve", reason="the reserves extra is not installed")
    public = str(proved / "out" / "public")
    ok = _signed_reserves(proved / "signed.csv", {"BTC": "0.5", "USDT": "17200"})
    result = CliRunner().invoke(main, ["reserves", "verify", str(ok), "--public", public, "--allow-insecure"])
    assert result.exit_code == 0, result.output
    assert "INSECURE" in result.output and "snapshot cli-1" in result.output
    usdt = next(line for line in result.output.splitlines() if line.strip().startswith("USDT"))
    assert usdt.split() == ["USDT", "17200.00000000", "17200.00000000", "100.00%"]
    eth = next(line for line in result.output.splitlines() if line.strip().startswith("ETH"))
    assert eth.split() == ["ETH", "-3.00000000", "0.00000000", "n/a"]
    assert "name no snapshot" not in result.output  # the message names the statement's id

    short = _signed_reserves(proved / "short.csv", {"BTC": "0.49999999", "USDT": "17200.000000001"})
    result = CliRunner().invoke(verify_main, ["reserves", "verify", str(short), "--public", public,
                                                   "--allow-insecure"])
    assert result.exit_code == 1, result.output
    assert "FAIL BTC: reserves 0.49999999 < liabilities 0.50000000" in result.output.splitlines()
    assert not any("FAIL USDT" in line for line in result.output.splitlines())
    btc = next(line for line in result.output.splitlines() if line.strip().startswith("BTC"))
    assert btc.rstrip().endswith("SHORT")


def test_reserves_verify_runs_without_numba_or_numpy(proved: Path) -> None:
    """`zkpor-verify reserves verify --public` with numpy and numba unimportable."""
    pytest.importorskip("coincurve", reason="the reserves extra is not installed")
    path = _signed_reserves(proved / "signed-nonumpy.csv", {"BTC": "1", "USDT": "20000"})
    public = str(proved / "out" / "public")
    result = run_verifier_without(HEAVY, "reserves", "verify", str(path), "--public", public,
                                  "--allow-insecure")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS: every row verifies; reserves cover the proven liabilities" in result.stdout
