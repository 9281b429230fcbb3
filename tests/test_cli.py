"""The command line end to end: prove, verify, export and check inclusion, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
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
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('numpy', 'numba', 'llvmlite', 'pyarrow'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from zkpor.verifier.cli import main\n"
        "sys.exit(main())\n"
    )
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-c", blocker, "verify", str(proved / "out" / "public"), "--allow-insecure"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout
