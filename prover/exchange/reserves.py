"""Signed reserves files from local keys: for demos and tests only.

A real exchange's custody signs elsewhere (hardware, MPC); this module exists so that
the demo can publish a reserves file and the tests can make valid and tampered rows
for every address type that ``zkpor.verifier.signatures`` checks. Addresses are
derived with the verifier's own functions, so what is signed here is what is checked
there; the tests also check fixed vectors from other implementations.

Key file (``zkpor reserves sign``), CSV with a header:

    coin,network,snapshot height,type,amount,private keys
    BTC,BTC,871000,p2wpkh,1.5,<64 hex>
    BTC,BTC,871000,p2wsh 2-of-3,10,<hex> <hex> <hex>
    ETH,ETH,21000000,evm,3.25,<hex>

Types: p2pkh, p2pkh-uncompressed, p2wpkh, p2sh-p2wpkh, ``p2sh|p2wsh|p2sh-p2wsh M-of-N``
(N keys, the first M sign), evm (personal_sign of the message), evm-hash
(personal_sign of its Keccak-256), tron (TIP-191).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import coincurve

from zkpor.prover.atomic import atomic_write
from zkpor.verifier import signatures as sig
from zkpor.verifier.amounts import format_units
from zkpor.verifier.reserves import header_key

HEADER = [
    "coin", "network", "snapshot height", "address", "amount", "message",
    "signature1", "signature2", "signature3", "redeem script/public key",
]  # fmt: skip
"""The layout exchanges publish (docs/formats.md); signatures beyond three go in the
last signature cell, separated by spaces."""

SINGLE = ("p2pkh", "p2pkh-uncompressed", "p2wpkh", "p2sh-p2wpkh", "evm", "evm-hash", "tron")
MULTI = ("p2sh", "p2wsh", "p2sh-p2wsh")
_MULTI_TYPE = re.compile(r"^(p2sh|p2wsh|p2sh-p2wsh)\s+(\d+)-of-(\d+)$")
_HEADER_OFFSET = {"p2pkh": 31, "p2pkh-uncompressed": 27, "p2sh-p2wpkh": 35, "p2wpkh": 39}
"""BIP-137 header base per address type (27 + 4 compressed + 4 or 8 for segwit)."""


class KeyFileError(ValueError):
    """A key file row is unusable: one line, FILE:LINE: reason."""


@dataclass(frozen=True)
class KeyRow:
    coin: str
    network: str
    height: str
    kind: str
    """One of SINGLE or MULTI."""
    amount: str
    keys: tuple[bytes, ...]
    """32-byte private keys."""
    m: int = 1


def derive_key(seed: str, label: str) -> bytes:
    """A deterministic private key for demos and tests (never for real funds)."""
    counter = 0
    while True:
        key = hashlib.sha256(f"zkpor-demo-key|{seed}|{label}|{counter}".encode()).digest()
        if 0 < int.from_bytes(key, "big") < sig.ORDER:
            return key
        counter += 1


def public_key(private: bytes, compressed: bool = True) -> bytes:
    return coincurve.PrivateKey(private).public_key.format(compressed=compressed)


def sign_bitcoin(private: bytes, message: str, params: sig.BitcoinParams, header: int) -> str:
    """A base64 compact message signature with BIP-137 header base ``header`` (27..39)."""
    digest = params.message_digest(message)
    raw = coincurve.PrivateKey(private).sign_recoverable(digest, hasher=None)
    return base64.b64encode(bytes([header + raw[64]]) + raw[:64]).decode()


def sign_eip191(private: bytes, data: bytes, header: str = "Ethereum") -> str:
    """0x r || s || v (v = 27 or 28) over the EIP-191 (or TIP-191) digest of ``data``."""
    raw = coincurve.PrivateKey(private).sign_recoverable(
        sig.eip191_digest(data, header), hasher=None
    )
    return "0x" + (raw[:64] + bytes([27 + raw[64]])).hex()


def signed_row(row: KeyRow, message: str) -> dict[str, str]:
    """One row of the exchange layout: address derived from the keys, message signed."""
    chain = sig.chain_of(row.network)
    out = {"coin": row.coin, "network": row.network, "snapshot height": row.height}
    out.update({"amount": row.amount, "message": message})
    signatures: list[str] = []
    script = ""
    if row.kind in ("evm", "evm-hash", "tron"):
        if (row.kind == "tron") != (chain.scheme == "tron") or chain.scheme == "bitcoin":
            raise KeyFileError(f"type {row.kind} does not fit network {row.network}")
        key = coincurve.PrivateKey(row.keys[0]).public_key
        body = message.encode()
        if row.kind == "tron":
            address = sig.tron_address(key)
            signatures.append(sign_eip191(row.keys[0], body, "TRON"))
        else:
            address = sig.eip55(sig.evm_address(key))
            data = sig.keccak256(body) if row.kind == "evm-hash" else body
            signatures.append(sign_eip191(row.keys[0], data))
    else:
        params = chain.bitcoin
        if params is None:
            raise KeyFileError(f"type {row.kind} does not fit network {row.network}")
        if row.kind in MULTI:
            publics = [public_key(k) for k in row.keys]
            script_bytes = sig.multisig_script(row.m, publics)
            address = sig.bitcoin_address(row.kind, script_bytes, params)
            script = script_bytes.hex()
            signatures += [sign_bitcoin(k, message, params, 31) for k in row.keys[: row.m]]
        else:
            compressed = row.kind != "p2pkh-uncompressed"
            kind = "p2pkh" if row.kind == "p2pkh-uncompressed" else row.kind
            address = sig.bitcoin_address(kind, public_key(row.keys[0], compressed), params)
            signatures.append(sign_bitcoin(row.keys[0], message, params, _HEADER_OFFSET[row.kind]))
    out["address"] = address
    cells = (signatures + ["", ""])[:2] + [" ".join(signatures[2:])]
    out.update({f"signature{i}": cell for i, cell in enumerate(cells, start=1)})
    out["redeem script/public key"] = script
    return out


def reserves_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def write_reserves(rows: list[KeyRow], message: str, path: str | Path) -> list[dict[str, str]]:
    """Sign every row and write the reserves file atomically; returns the rows written."""
    signed = [signed_row(row, message) for row in rows]
    atomic_write(path, reserves_csv(signed))
    return signed


def parse_type(text: str) -> tuple[str, int, int | None]:
    """'p2wsh 2-of-3' -> ('p2wsh', 2, 3); 'p2wpkh' -> ('p2wpkh', 1, None)."""
    text = " ".join(text.lower().split())
    if text in SINGLE:
        return text, 1, None
    match = _MULTI_TYPE.match(text)
    if not match:
        raise ValueError(f"type {text!r} is not one of {', '.join(SINGLE)} or '{MULTI[0]} M-of-N'")
    m, n = int(match.group(2)), int(match.group(3))
    if not 1 <= m <= n <= 15:
        raise ValueError(f"{m}-of-{n} is not a standard multisig (1 <= M <= N <= 15)")
    return match.group(1), m, n


def read_key_file(path: str | Path) -> list[KeyRow]:
    """The key file of ``zkpor reserves sign``; errors are KeyFileError naming FILE:LINE."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(
            f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    names = [header_key(n) for n in reader.fieldnames or []]
    need = ["coin", "network", "snapshotheight", "type", "amount", "privatekeys"]
    if [n for n in need if n not in names]:
        raise KeyFileError(f"{path}:1: header must be {', '.join(need)}")
    rows = []
    for record in reader:
        line = reader.line_num
        cells = {header_key(k): (v or "").strip() for k, v in record.items() if k is not None}
        try:
            kind, m, n = parse_type(cells["type"])
            keys = tuple(bytes.fromhex(k.removeprefix("0x")) for k in cells["privatekeys"].split())
            if n is not None and len(keys) != n:
                raise ValueError(f"{n} keys needed, {len(keys)} given")
            if n is None and len(keys) != 1:
                raise ValueError(f"one key needed, {len(keys)} given")
            for key in keys:
                if len(key) != 32 or not 0 < int.from_bytes(key, "big") < sig.ORDER:
                    raise ValueError("a private key is not 32 bytes in [1, n)")
            sig.chain_of(cells["network"])
        except (ValueError, sig.SignatureError) as exc:
            raise KeyFileError(f"{path}:{line}: {exc}") from None
        rows.append(
            KeyRow(
                cells["coin"],
                cells["network"],
                cells["snapshotheight"],
                kind,
                cells["amount"],
                keys,
                m,
            )
        )
    return rows


# --- the demo's reserves -----------------------------------------------------------

_DEMO_TYPES: dict[str, list[tuple[str, str]]] = {
    "BTC": [("BTC", "p2pkh"), ("BTC", "p2wpkh"), ("BTC", "p2sh-p2wpkh"), ("BTC", "p2sh 2-of-3"),
            ("BTC", "p2wsh 2-of-3"), ("BTC", "p2sh-p2wsh 2-of-3")],
    "LTC": [("LTC", "p2wpkh"), ("LTC", "p2sh 2-of-3")],
    "DOGE": [("DOGE", "p2pkh")],
    "ETH": [("ETH", "evm"), ("ETH", "evm-hash")],
    "TRX": [("TRON", "tron")],
    "USDT": [("ERC20", "evm"), ("TRC20", "tron")],
    "BNB": [("BSC", "evm")],
}  # fmt: skip
_DEMO_HEIGHTS = {"BTC": 871_000, "LTC": 2_790_000, "DOGE": 5_480_000, "TRON": 66_500_000}


def demo_key_rows(assets: list[tuple[str, int]], seed: str, percent: int = 105) -> list[KeyRow]:
    """Addresses of several types holding ``percent`` % of each positive liability (1e-8 units).

    Keys derive from ``seed`` (``derive_key``); assets the table does not name sit on
    ERC-20 addresses, as wrapped or bridged tokens would.
    """
    rows = []
    for symbol, total in assets:
        if total <= 0:
            continue
        targets = _DEMO_TYPES.get(symbol, [("ERC20", "evm")])
        held = total * percent // 100 + (1 if total * percent % 100 else 0)
        share, extra = divmod(held, len(targets))
        for i, (network, type_text) in enumerate(targets):
            kind, m, n = parse_type(type_text)
            keys = tuple(derive_key(seed, f"{symbol}|{network}|{kind}|{j}") for j in range(n or 1))
            height = _DEMO_HEIGHTS.get(network, 21_000_000)
            amount = format_units(share + (extra if i == 0 else 0))
            rows.append(KeyRow(symbol, network, str(height), kind, amount, keys, m))
    return rows
