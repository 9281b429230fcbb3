"""Balances from an Ethereum JSON-RPC node, at a row's snapshot height (stdlib only).

``eth_getBalance(address, block)`` for the chain's native coin (wei, 18 decimals) and
``eth_call`` of ERC-20 ``balanceOf(address)`` for tokens named in a contract map:

    {"USDT": {"contract": "0xdAC17F958D2ee523a2206206994597C13D831ec7", "decimals": 6}}

Comparison is exact: the file's decimal amount times 10^decimals must be the integer
the node returns. The node is trusted to answer for the right chain; which chain that
is, the auditor chooses (``--rpc-network``, Ethereum by default).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from zkpor.verifier.errors import InputError

BALANCE_OF = bytes.fromhex("70a08231")
"""keccak256("balanceOf(address)")[:4]."""
NATIVE_DECIMALS = 18
ATTO_DECIMALS = 18
"""The reserves file's amounts are read as integers in 1e-18 coin."""
MAX_RESPONSE_BYTES = 1 << 20


class RpcError(Exception):
    """The node answered with an error, or with something that is not a balance."""


@dataclass(frozen=True)
class Token:
    contract: str
    decimals: int


def read_contracts(path: Path) -> dict[str, Token]:
    """The contract map file: {COIN: {"contract": "0x...", "decimals": N}}."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object {{COIN: {{contract, decimals}}}}")
    tokens = {}
    for coin, entry in data.items():
        contract = entry.get("contract") if isinstance(entry, dict) else None
        decimals = entry.get("decimals") if isinstance(entry, dict) else None
        if not (isinstance(contract, str) and len(contract) == 42 and contract[:2] == "0x"):
            raise InputError(f"{path}: {coin!r}: 'contract' must be 0x and 40 hex digits")
        try:
            bytes.fromhex(contract[2:])
        except ValueError:
            raise InputError(f"{path}: {coin!r}: 'contract' must be 0x and 40 hex digits") from None
        if type(decimals) is not int or not 0 <= decimals <= 36:
            raise InputError(f"{path}: {coin!r}: 'decimals' must be an integer 0..36")
        tokens[str(coin).upper()] = Token(contract, decimals)
    return tokens


class EvmRpc:
    """A minimal JSON-RPC client over HTTP(S) with urllib."""

    def __init__(self, url: str, timeout: float = 20.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"--rpc {url!r}: not an http(s) URL")
        self.url, self.timeout, self._id = url, timeout, 0

    def call(self, method: str, params: list) -> object:
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        request = urllib.request.Request(
            self.url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise InputError(f"--rpc {self.url}: HTTP {exc.code} for {method}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(f"--rpc {self.url}: cannot reach the node ({reason})") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise RpcError(f"{method}: response larger than {MAX_RESPONSE_BYTES} bytes")
        try:
            reply = json.loads(raw)
        except ValueError:
            raise RpcError(f"{method}: the node's answer is not JSON") from None
        if not isinstance(reply, dict):
            raise RpcError(f"{method}: the node's answer is not a JSON-RPC object")
        if reply.get("error") is not None:
            error = reply["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise RpcError(f"{method}: node error: {str(message)[:200]}")
        return reply.get("result")

    @staticmethod
    def _quantity(value: object, method: str) -> int:
        if not isinstance(value, str) or not value.startswith("0x") or len(value) > 66 + 2:
            raise RpcError(f"{method}: the node returned {str(value)[:80]!r}, not a quantity")
        try:
            return int(value, 16) if len(value) > 2 else 0
        except ValueError:
            raise RpcError(f"{method}: the node returned {value[:80]!r}, not hex") from None

    def balance(self, address: str, block: int) -> int:
        """Native balance in wei at ``block``."""
        return self._quantity(self.call("eth_getBalance", [address, hex(block)]), "eth_getBalance")

    def token_balance(self, contract: str, address: str, block: int) -> int:
        """ERC-20 ``balanceOf(address)`` at ``block``, in the token's smallest unit."""
        data = "0x" + (BALANCE_OF + bytes(12) + bytes.fromhex(address[2:])).hex()
        result = self.call("eth_call", [{"to": contract, "data": data}, hex(block)])
        if result == "0x":
            raise RpcError(f"eth_call: {contract} returned nothing (no contract at that block?)")
        return self._quantity(result, "eth_call")


def to_base_units(atto: int, decimals: int) -> int | None:
    """An amount in 1e-18 coin as the token's integer units, or None if it has more decimals."""
    if decimals >= ATTO_DECIMALS:
        return atto * 10 ** (decimals - ATTO_DECIMALS)
    whole, rest = divmod(atto, 10 ** (ATTO_DECIMALS - decimals))
    return None if rest else whole


def format_base_units(value: int, decimals: int) -> str:
    """Exact decimal text of ``value`` / 10^decimals (integer arithmetic)."""
    whole, frac = divmod(value, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}" if decimals else str(whole)


class BalanceChecker:
    """Compares each verified row of ``network`` with the node; other rows are skipped.

    Called as ``check(chain, row)``: None if the node agrees (or the row is on another
    chain), else the mismatch as one line.
    """

    def __init__(self, rpc: EvmRpc, network: str, tokens: dict[str, Token]) -> None:
        self.rpc, self.network, self.tokens = rpc, network, tokens
        self.checked = self.skipped = 0

    def __call__(self, chain, row) -> str | None:  # noqa: ANN001 (signatures.Chain, reserves.ReserveRow)
        if chain.name != self.network:
            self.skipped += 1
            return None
        self.checked += 1
        if row.height is None:
            return "no snapshot height to ask the node at"
        token = self.tokens.get(row.coin)
        try:
            if token is not None:
                got = self.rpc.token_balance(token.contract, row.address, row.height)
                decimals = token.decimals
            elif row.coin == chain.native:
                got, decimals = self.rpc.balance(row.address, row.height), NATIVE_DECIMALS
            else:
                return f"balance not checked: no contract for {row.coin} in the contract map"
        except RpcError as exc:
            return f"balance not checked: {exc}"
        if to_base_units(row.atto, decimals) != got:
            return (
                f"on-chain balance at block {row.height} is {format_base_units(got, decimals)}, "
                f"the file says {row.amount}"
            )
        return None
