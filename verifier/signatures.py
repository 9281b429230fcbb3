"""Address ownership: message signatures of Bitcoin-family, EVM and TRON addresses.

One function per scheme; each returns a short name of what it verified (for example
``"P2WSH 2-of-3"`` or ``"personal_sign(keccak256(message))"``) or raises
``SignatureError`` with the exact reason. The reserves report (``verifier/reserves.py``)
picks the scheme from a row's network (``CHAINS``) and calls one of them.

What is asserted, for every signature:

* it is 65 bytes: a recovery header or ``v`` byte and ``r``, ``s`` with 1 <= r, s < n
  (the secp256k1 group order); a high ``s`` is accepted, since malleability does not
  change who holds the key;
* the public key recovered from it, for the digest of the scheme's signed-message
  format over the row's message, is the key of the row's address: for a single-key
  address its hash (or, for EVM and TRON, its Keccak-256) equals the address's payload;
  for an m-of-n multisig address, the address is derived from the given redeem (or
  witness) script, which must be a standard ``OP_m <keys> OP_n OP_CHECKMULTISIG``, and
  at least m signatures recover m distinct keys of that script, and no signature
  recovers a key outside it;
* the address is well formed: base58check with the network's version byte, bech32
  (witness version 0) with the network's prefix, EIP-55 checksum when mixed case,
  TRON's ``0x41`` version byte.

What is assumed, not checked here: that the message names the exchange and the
snapshot (``verifier/reserves.py`` compares it with ``--expect-message`` or warns that it
is replayable), and that the address held the amount at the snapshot (``--rpc`` checks
EVM balances against a node; other chains are the auditor's own look-up).

Out of scope: Taproot and BIP-322 signatures, Bitcoin Cash and other chains' formats,
contract wallets (EIP-1271), and whether the exchange, rather than someone who lent it
a signature, controls the key. Any of these is "unsupported", never verified.

Library choice, measured on the project's 2-core machine: public-key recovery takes
about 40-70 us with coincurve (libsecp256k1) and about 5.2-5.5 ms with py_ecc's
pure-Python ``secp256k1`` (about 100 times slower); with up to five message variants
per EVM or TRON row, a file of 100,000 addresses would take most of an hour with
py_ecc and seconds with coincurve, so coincurve it is. Keccak-256 (not
``hashlib.sha3_256``, whose padding differs) and RIPEMD-160 (missing from some
OpenSSL builds of hashlib) come from pycryptodome; base58check from ``base58``;
bech32 segwit addresses from ``bech32`` (the reference implementation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

import base58
import bech32
import coincurve
from Crypto.Hash import RIPEMD160, keccak

ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""n, the order of the secp256k1 group."""

OP_CHECKMULTISIG = 0xAE
MAX_SCRIPT_BYTES = 520
"""The consensus limit on a pushed redeem script (witness scripts allow more, but no
standard multisig needs more than 15 compressed keys = 513 bytes)."""


class SignatureError(Exception):
    """A signature, address or script does not prove ownership (the row FAILS)."""


class Unsupported(SignatureError):
    """The row's scheme is not one this verifier checks: it is never counted."""


# --- hashing -----------------------------------------------------------------------


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash160(data: bytes) -> bytes:
    return RIPEMD160.new(sha256(data)).digest()


def compact_size(n: int) -> bytes:
    """Bitcoin's variable-length integer (CompactSize)."""
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


# --- recovery ------------------------------------------------------------------------


def recover(digest: bytes, r: int, s: int, recid: int) -> coincurve.PublicKey:
    """The public key for a signature (r, s, recid) of a 32-byte digest; asserts ranges."""
    if not (1 <= r < ORDER and 1 <= s < ORDER):
        raise SignatureError("r or s is out of range [1, n)")
    if recid not in (0, 1, 2, 3):
        raise SignatureError(f"recovery id {recid} is not in 0..3")
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recid])
    try:
        return coincurve.PublicKey.from_signature_and_message(compact, digest, hasher=None)
    except ValueError:
        raise SignatureError("no public key recovers from the signature") from None


def _rs(sig: bytes) -> tuple[int, int]:
    return int.from_bytes(sig[0:32], "big"), int.from_bytes(sig[32:64], "big")


# --- Bitcoin family ------------------------------------------------------------------


@dataclass(frozen=True)
class BitcoinParams:
    """A Bitcoin-family network: message header, address version bytes, bech32 prefix."""

    name: str
    magic: str
    p2pkh: int
    p2sh: tuple[int, ...]
    hrp: str | None

    def message_digest(self, message: str) -> bytes:
        magic, body = self.magic.encode(), message.encode("utf-8")
        data = compact_size(len(magic)) + magic + compact_size(len(body)) + body
        return sha256(sha256(data))


BITCOIN = BitcoinParams("Bitcoin", "Bitcoin Signed Message:\n", 0x00, (0x05,), "bc")
LITECOIN = BitcoinParams("Litecoin", "Litecoin Signed Message:\n", 0x30, (0x32, 0x05), "ltc")
DOGECOIN = BitcoinParams("Dogecoin", "Dogecoin Signed Message:\n", 0x1E, (0x16,), None)


def decode_bitcoin_address(address: str, params: BitcoinParams) -> tuple[str, bytes]:
    """('p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh', payload) or SignatureError."""
    if params.hrp and address.lower().startswith(params.hrp + "1"):
        if address != address.lower() and address != address.upper():
            raise SignatureError("bech32 address mixes upper and lower case")
        version, program = bech32.decode(params.hrp, address.lower())
        if version is None:
            raise SignatureError(f"not a valid {params.name} bech32 address")
        if version != 0:
            raise Unsupported(f"witness version {version} (Taproot and later need BIP-322)")
        program = bytes(program)
        return ("p2wpkh" if len(program) == 20 else "p2wsh"), program
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        raise SignatureError(f"not a valid {params.name} address (base58check)") from None
    if len(raw) == 21 and raw[0] == params.p2pkh:
        return "p2pkh", raw[1:]
    if len(raw) == 21 and raw[0] in params.p2sh:
        return "p2sh", raw[1:]
    raise SignatureError(f"not a {params.name} address (version byte or length)")


def parse_multisig(script: bytes) -> tuple[int, list[bytes]]:
    """(m, keys) of a standard ``OP_m <key>... OP_n OP_CHECKMULTISIG`` script."""
    if not 4 <= len(script) <= MAX_SCRIPT_BYTES:
        raise SignatureError("redeem script has an impossible length")
    if script[-1] != OP_CHECKMULTISIG:
        raise SignatureError("redeem script is not m-of-n OP_CHECKMULTISIG")
    m_op, n_op = script[0], script[-2]
    if not (0x51 <= m_op <= 0x60 and 0x51 <= n_op <= 0x60):
        raise SignatureError("redeem script does not start with OP_m and end with OP_n")
    m, n = m_op - 0x50, n_op - 0x50
    keys, i = [], 1
    while i < len(script) - 2:
        size = script[i]
        if size not in (33, 65) or i + 1 + size > len(script) - 2:
            raise SignatureError("redeem script holds something other than public keys")
        keys.append(script[i + 1 : i + 1 + size])
        i += 1 + size
    if len(keys) != n or not 1 <= m <= n:
        raise SignatureError(f"redeem script says {m}-of-{n} but holds {len(keys)} keys")
    for key in keys:
        try:
            coincurve.PublicKey(key)
        except ValueError:
            raise SignatureError("redeem script holds an invalid public key") from None
    return m, keys


def multisig_script(m: int, keys: list[bytes]) -> bytes:
    """The standard script for m of ``keys`` (for signing tools and tests)."""
    body = b"".join(bytes([len(k)]) + k for k in keys)
    return bytes([0x50 + m]) + body + bytes([0x50 + len(keys), OP_CHECKMULTISIG])


def bitcoin_address(kind: str, data: bytes, params: BitcoinParams) -> str:
    """The address of a key (p2pkh, p2wpkh, p2sh-p2wpkh) or a script (p2sh, p2wsh, p2sh-p2wsh)."""
    if kind == "p2pkh":
        return base58.b58encode_check(bytes([params.p2pkh]) + hash160(data)).decode()
    if kind == "p2sh":
        return base58.b58encode_check(bytes([params.p2sh[0]]) + hash160(data)).decode()
    if kind == "p2sh-p2wpkh":
        return bitcoin_address("p2sh", b"\x00\x14" + hash160(data), params)
    if kind == "p2sh-p2wsh":
        return bitcoin_address("p2sh", b"\x00\x20" + sha256(data), params)
    if kind not in ("p2wpkh", "p2wsh"):
        raise ValueError(f"unknown address kind {kind!r}")
    if params.hrp is None:
        raise Unsupported(f"{params.name} has no segwit addresses")
    return bech32.encode(params.hrp, 0, hash160(data) if kind == "p2wpkh" else sha256(data))


def recover_bitcoin(message: str, signature: str, params: BitcoinParams) -> tuple[bytes, bool]:
    """(serialised public key, compressed) from a base64 compact message signature.

    The header byte is 27 + recid, +4 for a compressed key, +8 (P2SH-P2WPKH) or +12
    (P2WPKH) in BIP-137; Electrum and others write 31..34 for every compressed key. Only
    the compression is taken from it: the address, not the header, fixes the type.
    """
    try:
        sig = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("signature is not base64") from None
    if len(sig) != 65:
        raise SignatureError(f"signature is {len(sig)} bytes, expected 65")
    header = sig[0]
    if not 27 <= header <= 42:
        raise SignatureError(f"signature header byte {header} is not in 27..42")
    compressed = header >= 31
    r, s = _rs(sig[1:])
    key = recover(params.message_digest(message), r, s, (header - 27) & 3)
    return key.format(compressed=compressed), compressed


def verify_bitcoin(
    address: str, message: str, signatures: list[str], script_hex: str, params: BitcoinParams
) -> str:
    """A Bitcoin-family address: P2PKH, P2WPKH, P2SH-P2WPKH; m-of-n P2SH, P2WSH, P2SH-P2WSH."""
    kind, payload = decode_bitcoin_address(address, params)
    script = _hex(script_hex, "redeem script") if script_hex.strip() else b""
    is_key = len(script) in (33, 65) and script[0] in (2, 3, 4)
    if kind == "p2wsh" or (kind == "p2sh" and script and not is_key):
        return _verify_multisig(kind, payload, message, signatures, script, params)
    if len(signatures) != 1:
        raise SignatureError(f"{len(signatures)} signatures for a single-key address")
    key, compressed = recover_bitcoin(message, signatures[0], params)
    if is_key and coincurve.PublicKey(script) != coincurve.PublicKey(key):
        raise SignatureError("signature is not by the public key given in the row")
    if kind == "p2pkh":
        derived, name = hash160(key), "P2PKH"
    elif not compressed:
        raise SignatureError("a segwit address needs a compressed key (header 31..42)")
    elif kind == "p2wpkh":
        derived, name = hash160(key), "P2WPKH"
    else:
        derived, name = hash160(b"\x00\x14" + hash160(key)), "P2SH-P2WPKH"
    if derived != payload:
        raise SignatureError(f"signature is not by the key of the address ({name})")
    return name


def _verify_multisig(
    kind: str,
    payload: bytes,
    message: str,
    signatures: list[str],
    script: bytes,
    params: BitcoinParams,
) -> str:
    if not script:
        raise SignatureError("a P2WSH address needs its witness script")
    m, keys = parse_multisig(script)
    if kind == "p2wsh":
        matches, name = sha256(script) == payload, "P2WSH"
    elif hash160(script) == payload:
        matches, name = True, "P2SH"
    else:
        matches, name = hash160(b"\x00\x20" + sha256(script)) == payload, "P2SH-P2WSH"
    if not matches:
        raise SignatureError(f"address is not the {name} address of the redeem script")
    points = [coincurve.PublicKey(k) for k in keys]
    found: set[int] = set()
    for i, signature in enumerate(signatures, start=1):
        try:
            key, _ = recover_bitcoin(message, signature, params)
        except SignatureError as exc:
            raise SignatureError(f"signature {i}: {exc}") from None
        point = coincurve.PublicKey(key)
        if point not in points:
            raise SignatureError(f"signature {i} is by a key not in the redeem script")
        found.add(points.index(point))
    if len(found) < m:
        raise SignatureError(
            f"{len(found)} distinct key(s) of the script signed, {m}-of-{len(keys)} needs {m}"
        )
    return f"{name} {m}-of-{len(keys)}"


def _hex(text: str, what: str) -> bytes:
    text = text.strip()
    text = text[2:] if text[:2] in ("0x", "0X") else text
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise SignatureError(f"{what} is not hex") from None


# --- EVM -----------------------------------------------------------------------------


def evm_address(key: coincurve.PublicKey) -> bytes:
    """The 20-byte address: the last 20 bytes of Keccak-256 of the uncompressed key."""
    return keccak256(key.format(compressed=False)[1:])[12:]


def eip55(address: bytes) -> str:
    """The EIP-55 mixed-case checksum form of a 20-byte address."""
    plain = address.hex()
    digest = keccak256(plain.encode()).hex()
    return "0x" + "".join(
        c.upper() if int(h, 16) >= 8 else c for c, h in zip(plain, digest[:40], strict=True)
    )


def decode_evm_address(address: str) -> bytes:
    if len(address) != 42 or address[:2] not in ("0x", "0X"):
        raise SignatureError("not an EVM address (0x and 40 hex digits)")
    try:
        raw = bytes.fromhex(address[2:])
    except ValueError:
        raise SignatureError("not an EVM address (0x and 40 hex digits)") from None
    body = address[2:]
    if body != body.lower() and body != body.upper() and eip55(raw) != "0x" + body:
        raise SignatureError("address fails its EIP-55 checksum")
    return raw


def eip191_digest(data: bytes, header: str = "Ethereum") -> bytes:
    """Keccak-256 of ``\\x19<header> Signed Message:\\n<len><data>`` (personal_sign)."""
    return keccak256(f"\x19{header} Signed Message:\n{len(data)}".encode() + data)


def _evm_signature(signature: str) -> tuple[int, int, int]:
    sig = _hex(signature, "signature")
    if len(sig) != 65:
        raise SignatureError(f"signature is {len(sig)} bytes, expected 65")
    v = sig[64]
    if v not in (0, 1, 27, 28):
        raise SignatureError(f"signature v byte {v} is not 0, 1, 27 or 28")
    r, s = _rs(sig)
    if not (1 <= r < ORDER and 1 <= s < ORDER):
        raise SignatureError("r or s is out of range [1, n)")
    return r, s, v % 27


def _match_variants(variants: list[tuple[str, bytes]], signature: str, want: bytes) -> str:
    r, s, recid = _evm_signature(signature)
    for name, digest in variants:
        try:
            key = recover(digest, r, s, recid)
        except SignatureError:
            continue
        if evm_address(key) == want:
            return name
    raise SignatureError(
        f"signature is not by the key of the address (tried {len(variants)} formats)"
    )


def _single(signatures: list[str]) -> str:
    if len(signatures) != 1:
        raise SignatureError(f"{len(signatures)} signatures for a single-key address")
    return signatures[0]


def verify_evm(address: str, message: str, signatures: list[str]) -> str:
    """personal_sign (EIP-191) of the message, of its bytes if it is 0x-hex, or of its Keccak-256."""
    want = decode_evm_address(address)
    body = message.encode("utf-8")
    variants = [("personal_sign(message)", eip191_digest(body))]
    if message[:2] == "0x" and len(message) > 2:
        try:
            variants.append(("personal_sign(hex bytes)", eip191_digest(bytes.fromhex(message[2:]))))
        except ValueError:
            pass
    variants.append(("personal_sign(keccak256(message))", eip191_digest(keccak256(body))))
    return _match_variants(variants, _single(signatures), want)


# --- TRON ----------------------------------------------------------------------------

TRON_VERSION = 0x41


def tron_address(key: coincurve.PublicKey) -> str:
    return base58.b58encode_check(bytes([TRON_VERSION]) + evm_address(key)).decode()


def decode_tron_address(address: str) -> bytes:
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        raise SignatureError("not a valid TRON address (base58check)") from None
    if len(raw) != 21 or raw[0] != TRON_VERSION:
        raise SignatureError("not a TRON address (version byte 0x41, 21 bytes)")
    return raw[1:]


def verify_tron(address: str, message: str, signatures: list[str]) -> str:
    """TRON's signed messages: TIP-191 (signMessageV2), the fixed ``\\n32`` header of
    ``trx.sign`` over the message or its Keccak-256, and the Ethereum header."""
    want = decode_tron_address(address)
    body = message.encode("utf-8")
    fixed = b"\x19TRON Signed Message:\n32"
    variants = [
        ("TIP-191 signMessageV2", eip191_digest(body, "TRON")),
        ("trx.sign(message)", keccak256(fixed + body)),
        ("trx.sign(keccak256(message))", keccak256(fixed + keccak256(body))),
        ("Ethereum header", eip191_digest(body)),
    ]
    return _match_variants(variants, _single(signatures), want)


# --- networks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    """A network label's scheme: 'bitcoin' (with params), 'evm' or 'tron'."""

    name: str
    scheme: str
    native: str
    bitcoin: BitcoinParams | None = None


_CHAINS = [
    (Chain("bitcoin", "bitcoin", "BTC", BITCOIN), ["BTC", "BITCOIN"]),
    (Chain("litecoin", "bitcoin", "LTC", LITECOIN), ["LTC", "LITECOIN"]),
    (Chain("dogecoin", "bitcoin", "DOGE", DOGECOIN), ["DOGE", "DOGECOIN"]),
    (Chain("ethereum", "evm", "ETH"), ["ETH", "ETHEREUM", "ERC20", "ETHERC20"]),
    (Chain("bsc", "evm", "BNB"), ["BSC", "BEP20", "BNBSMARTCHAIN", "BNBSMARTCHAINBEP20"]),
    (Chain("arbitrum", "evm", "ETH"), ["ARBITRUM", "ARB", "ARBITRUMONE", "ARBONE"]),
    (Chain("optimism", "evm", "ETH"), ["OPTIMISM", "OP", "OPMAINNET"]),
    (Chain("base", "evm", "ETH"), ["BASE"]),
    (Chain("polygon", "evm", "POL"), ["POLYGON", "MATIC", "POL", "POLYGONPOS"]),
    (Chain("avalanche", "evm", "AVAX"), ["AVAXC", "AVAXCCHAIN", "AVALANCHE", "AVALANCHECCHAIN"]),
    (Chain("tron", "tron", "TRX"), ["TRX", "TRON", "TRC20"]),
]
CHAINS: dict[str, Chain] = {alias: chain for chain, aliases in _CHAINS for alias in aliases}
"""Network labels, normalised by ``network_key`` (upper case, letters and digits only)."""


def network_key(label: str) -> str:
    return "".join(c for c in label.upper() if c.isascii() and c.isalnum())


def chain_of(label: str) -> Chain:
    chain = CHAINS.get(network_key(label))
    if chain is None:
        raise Unsupported("network is not one whose signatures this verifier checks")
    return chain


def normal_address(chain: Chain, address: str) -> str:
    """The form in which two listings of one address compare equal."""
    params = chain.bitcoin
    if chain.scheme == "evm" or (
        params and params.hrp and address.lower().startswith(params.hrp + "1")
    ):
        return address.lower()
    return address


def verify_ownership(
    chain: Chain, address: str, message: str, signatures: list[str], script: str
) -> str:
    """Dispatch on the chain's scheme; returns what was verified or raises SignatureError."""
    if not signatures:
        raise SignatureError("no signature")
    if chain.scheme == "bitcoin":
        assert chain.bitcoin is not None
        return verify_bitcoin(address, message, signatures, script, chain.bitcoin)
    if chain.scheme == "evm":
        return verify_evm(address, message, signatures)
    if chain.scheme == "tron":
        return verify_tron(address, message, signatures)
    raise Unsupported(f"scheme {chain.scheme}")
