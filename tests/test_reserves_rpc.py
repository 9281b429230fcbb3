"""`zkpor reserves verify --rpc` against a real local EVM node (ganache from tests/evm).

The node starts on 127.0.0.1 with a free port and accounts whose keys the test holds;
the test deploys a minimal ERC-20 (tests/evm/TestToken.sol, compiled here with the
solc npm package), moves coins so that balances differ between blocks, and checks a
matching and a mismatching reserves file. Skipped only where node or npm is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("coincurve", reason="the reserves extra is not installed")

from zkpor.prover.exchange.reserves import KeyRow, derive_key, signed_row, write_reserves  # noqa: E402
from zkpor.verifier import signatures as sig  # noqa: E402
from zkpor.verifier.cli import main as verify_main  # noqa: E402
from zkpor.verifier.evm_rpc import EvmRpc  # noqa: E402

EVM = Path(__file__).resolve().parent / "evm"
GANACHE = EVM / "node_modules" / "ganache" / "dist" / "node" / "cli.js"
STARTUP_TIMEOUT_S = 90
MESSAGE = "zkpor rpc test exchange: reserves at snapshot rpc-1"
WEI = 10**18
TOKEN_SUPPLY = 10**15
TOKEN_TO_A = 1_234_567_891  # 1234.567891 TUSD (6 decimals)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_node_modules() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node or npm is not installed: the --rpc tests need ganache (tests/evm)")
    if not GANACHE.exists():  # `make test` runs this once; do it here for a bare pytest
        subprocess.run(
            ["npm", "ci", "--prefix", str(EVM), "--no-audit", "--no-fund", "--loglevel=error"],
            check=True, timeout=600, capture_output=True,
        )  # fmt: skip


@dataclass
class Node:
    url: str
    rpc: EvmRpc
    keys: dict[str, bytes]
    addresses: dict[str, str]
    token: str
    heights: dict[str, int]


def _wait_for(rpc: EvmRpc, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"ganache exited with {process.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            rpc.call("eth_blockNumber", [])
            return
        except Exception:  # noqa: BLE001 (not up yet)
            time.sleep(0.2)
    raise RuntimeError(
        f"ganache did not answer within {STARTUP_TIMEOUT_S} s: {log.read_text()[-2000:]}"
    )


def _mine(rpc: EvmRpc, tx: dict) -> dict:
    tx_hash = rpc.call("eth_sendTransaction", [tx])
    receipt, deadline = None, time.monotonic() + 30
    while receipt is None and time.monotonic() < deadline:
        receipt = rpc.call("eth_getTransactionReceipt", [tx_hash])  # eager: mined already
        time.sleep(0 if receipt else 0.1)
    assert receipt and receipt["status"] == "0x1", receipt
    return receipt


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    _ensure_node_modules()
    work = tmp_path_factory.mktemp("evm")
    compiled = subprocess.run(
        ["node", str(EVM / "compile.js")], check=True, capture_output=True, text=True, timeout=300
    )
    bytecode = json.loads(compiled.stdout)["bytecode"]
    keys = {name: derive_key("rpc-test", name) for name in ("a", "b", "deployer")}
    addresses = {
        name: sig.eip55(sig.evm_address(sig.coincurve.PrivateKey(k).public_key))
        for name, k in keys.items()
    }
    funds = {"a": 5 * WEI + 1, "b": 2 * WEI, "deployer": 100 * WEI}
    port = _free_port()
    args = ["node", str(GANACHE), "--server.host", "127.0.0.1", "--server.port", str(port)]
    args += ["--logging.quiet", "--chain.chainId", "1337", "--miner.instamine", "eager"]
    for name, k in keys.items():
        args += ["--wallet.accounts", f"0x{k.hex()},{hex(funds[name])}"]
    log = work / "ganache.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=work
        )
    try:
        url = f"http://127.0.0.1:{port}"
        rpc = EvmRpc(url, timeout=30)
        _wait_for(rpc, process, log)
        deployer = addresses["deployer"]
        receipt = _mine(rpc, {"from": deployer, "data": bytecode + TOKEN_SUPPLY.to_bytes(32, "big").hex(), "gas": hex(2_000_000)})  # fmt: skip
        token = receipt["contractAddress"]
        transfer = "0xa9059cbb" + bytes(12).hex() + addresses["a"][2:].lower() + TOKEN_TO_A.to_bytes(32, "big").hex()  # fmt: skip
        _mine(rpc, {"from": deployer, "to": token, "data": transfer, "gas": hex(200_000)})
        funded = int(rpc.call("eth_blockNumber", []), 16)
        _mine(rpc, {"from": addresses["a"], "to": addresses["b"], "value": hex(WEI)})
        moved = int(rpc.call("eth_blockNumber", []), 16)
        yield Node(url, rpc, keys, addresses, token, {"funded": funded, "moved": moved})
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def _write(node: Node, path: Path, rows: list[tuple[str, str, str, int, str]]) -> Path:
    """rows: (coin, network, key name, height, amount) -> a signed reserves file."""
    key_rows = [
        KeyRow(coin, network, str(height), "evm", amount, (node.keys[name],))
        for coin, network, name, height, amount in rows
    ]
    write_reserves(key_rows, MESSAGE, path)
    return path


def _contracts(node: Node, path: Path) -> Path:
    path.write_text(json.dumps({"USDT": {"contract": node.token, "decimals": 6}}))
    return path


def test_node_balances_differ_between_blocks(node: Node) -> None:
    a = node.addresses["a"]
    assert node.rpc.balance(a, node.heights["funded"]) == 5 * WEI + 1
    assert node.rpc.balance(a, node.heights["moved"]) < 4 * WEI + 1
    assert node.rpc.token_balance(node.token, a, node.heights["funded"]) == TOKEN_TO_A


def test_matching_file_passes(node: Node, tmp_path: Path) -> None:
    h = node.heights["funded"]
    reserves = _write(node, tmp_path / "reserves.csv", [
        ("ETH", "ETH", "a", h, "5.000000000000000001"),
        ("ETH", "Ethereum", "b", node.heights["moved"], "3.0"),
        ("USDT", "ERC20", "a", h, "1234.567891"),
    ])  # fmt: skip
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        verify_main,
        ["reserves", "verify", str(reserves), "--rpc", node.url,
         "--contracts", str(_contracts(node, tmp_path / "contracts.json")), "--json", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 row(s) of ethereum compared with the node" in result.output
    report = json.loads(out.read_text())
    assert report["pass"] and [a["reserves"] for a in report["assets"]] == [
        "8.00000000",
        "1234.56789100",
    ]


def test_mismatching_file_fails_naming_each_row(node: Node, tmp_path: Path) -> None:
    moved = node.heights["moved"]
    reserves = _write(node, tmp_path / "reserves.csv", [
        ("ETH", "ETH", "a", moved, "5.000000000000000001"),  # spent 1 ETH + gas at `moved`
        ("USDT", "ERC20", "a", moved, "1234.567892"),  # one unit too many
        ("ETH", "ETH", "b", node.heights["funded"], "2"),  # right
        ("DAI", "ERC20", "b", moved, "1"),  # no contract in the map
        ("BNB", "BSC", "b", moved, "7"),  # another chain: not asked
    ])  # fmt: skip
    a_wei = node.rpc.balance(node.addresses["a"], moved)
    result = CliRunner().invoke(
        verify_main,
        ["reserves", "verify", str(reserves), "--rpc", node.url,
         "--contracts", str(_contracts(node, tmp_path / "contracts.json"))],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    got = f"{a_wei // WEI}.{a_wei % WEI:018d}"
    assert (
        f"FAIL {reserves}:2: on-chain balance at block {moved} is {got}, the file says 5.000000000000000001"
        in lines
    )
    assert (
        f"FAIL {reserves}:3: on-chain balance at block {moved} is 1234.567891, the file says 1234.567892"
        in lines
    )
    assert (
        f"FAIL {reserves}:5: balance not checked: no contract for DAI in the contract map" in lines
    )
    assert not any(f"{reserves}:4:" in line or f"{reserves}:6:" in line for line in lines)
    assert (
        "4 row(s) of ethereum compared with the node, 1 verified row(s) of other networks not"
        in result.output
    )


def test_rpc_network_selects_the_rows(node: Node, tmp_path: Path) -> None:
    reserves = _write(
        node, tmp_path / "bsc.csv", [("BNB", "BSC", "b", node.heights["funded"], "2")]
    )
    result = CliRunner().invoke(
        verify_main,
        ["reserves", "verify", str(reserves), "--rpc", node.url, "--rpc-network", "BEP20"],
    )
    assert result.exit_code == 0, result.output  # BNB is BSC's native coin: eth_getBalance
    assert "1 row(s) of bsc compared with the node" in result.output
    result = CliRunner().invoke(
        verify_main, ["reserves", "verify", str(reserves), "--rpc", node.url]
    )
    assert result.exit_code == 0 and "0 row(s) of ethereum compared" in result.output
    result = CliRunner().invoke(
        verify_main,
        ["reserves", "verify", str(reserves), "--rpc", node.url, "--rpc-network", "BTC"],
    )
    assert result.exit_code == 2 and "not an EVM network" in result.output


def test_node_signatures_verify(node: Node) -> None:
    """An independent EIP-191 implementation: ganache's eth_sign verifies with ours."""
    a = node.addresses["a"]
    signature = node.rpc.call("eth_sign", [a, "0x" + MESSAGE.encode().hex()])
    assert sig.verify_evm(a, MESSAGE, [signature]) == "personal_sign(message)"
    row = signed_row(KeyRow("ETH", "ETH", "1", "evm", "1", (node.keys["a"],)), MESSAGE)
    assert row["signature1"].lower() == signature.lower()  # RFC 6979: the same bytes
