"""Address ownership: every supported address type verifies, every tampering fails with its reason.

Fixed vectors from other implementations (bitcoinjs-message's README, BIP-173, EIP-55)
pin the digest formats; keys generated in the tests (``derive_key``, and fresh random
keys) cover every address type through the demo signer.
"""

from __future__ import annotations

import base64
import os

import pytest

pytest.importorskip("coincurve", reason="the reserves extra is not installed")

from zkpor.prover.exchange.reserves import KeyRow, derive_key, signed_row  # noqa: E402
from zkpor.verifier import signatures as sig  # noqa: E402

MESSAGE = "zkpor test exchange: reserves for snapshot test-1 at height 871000"
SEED = "test-signatures"


def key(label: str) -> bytes:
    return derive_key(SEED, label)


def row_for(
    kind: str, network: str = "BTC", keys: tuple[bytes, ...] | None = None, m: int = 1
) -> dict:
    keys = keys or (key(kind),)
    return signed_row(KeyRow("X", network, "871000", kind, "1", keys, m), MESSAGE)


def check(row: dict, message: str = MESSAGE) -> str:
    signatures = [s for i in (1, 2, 3) for s in row[f"signature{i}"].split()]
    chain = sig.chain_of(row["network"])
    return sig.verify_ownership(
        chain, row["address"], message, signatures, row["redeem script/public key"]
    )


def flip_b64(signature: str, index: int = 40) -> str:
    raw = bytearray(base64.b64decode(signature))
    raw[index] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def flip_hex(signature: str, index: int = 40) -> str:
    raw = bytearray(bytes.fromhex(signature[2:]))
    raw[index] ^= 1
    return "0x" + bytes(raw).hex()


# --- fixed vectors -------------------------------------------------------------------

BITCOINJS_MESSAGE = "This is an example of a signed message."
BITCOINJS_SIG = (
    "9L5yLFjti0QTHhPyFrZCT1V/MMnBtXKmoiKDZ78NDBjERki6ZTQZdSMCtkgoNmp17By9ItJr8o7ChX0XxY91nk="
)


def test_bitcoinjs_message_vectors() -> None:
    """bitcoinjs-message README: one signature, header G (uncompressed) and H (compressed)."""
    uncompressed = "1HZwkjkeaoZfTSaJxDw6aKkxp45agDiEzN"
    compressed = "1F3sAm6ZtwLAUnj7d38pGFxtP3RVEvtsbV"
    assert (
        sig.verify_bitcoin(uncompressed, BITCOINJS_MESSAGE, ["G" + BITCOINJS_SIG], "", sig.BITCOIN)
        == "P2PKH"
    )
    assert (
        sig.verify_bitcoin(compressed, BITCOINJS_MESSAGE, ["H" + BITCOINJS_SIG], "", sig.BITCOIN)
        == "P2PKH"
    )
    with pytest.raises(sig.SignatureError, match="not by the key of the address"):
        sig.verify_bitcoin(compressed, BITCOINJS_MESSAGE, ["G" + BITCOINJS_SIG], "", sig.BITCOIN)
    with pytest.raises(sig.SignatureError, match="not by the key of the address"):
        sig.verify_bitcoin(
            uncompressed, BITCOINJS_MESSAGE + " ", ["G" + BITCOINJS_SIG], "", sig.BITCOIN
        )


def test_address_vectors() -> None:
    """Private key 1: BIP-173's P2WPKH, the well-known P2PKH/P2SH-P2WPKH; EIP-55's example."""
    one = sig.coincurve.PrivateKey((1).to_bytes(32, "big")).public_key
    compressed = one.format()
    assert (
        sig.bitcoin_address("p2pkh", compressed, sig.BITCOIN)
        == "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
    )
    assert (
        sig.bitcoin_address("p2pkh", one.format(compressed=False), sig.BITCOIN)
        == "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm"
    )
    assert (
        sig.bitcoin_address("p2wpkh", compressed, sig.BITCOIN)
        == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    )
    assert (
        sig.bitcoin_address("p2sh-p2wpkh", compressed, sig.BITCOIN)
        == "3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN"
    )
    assert (
        sig.eip55(bytes.fromhex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"))
        == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    # ganache's first deterministic account: key 0x4f3e...3b1d
    ganache = sig.coincurve.PrivateKey(
        bytes.fromhex("4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d")
    )
    assert (
        sig.eip55(sig.evm_address(ganache.public_key))
        == "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1"
    )
    assert (
        sig.keccak256(b"").hex()
        == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )


# --- every supported type verifies --------------------------------------------------

TRIO = (key("m1"), key("m2"), key("m3"))
FIVE = TRIO + (key("m4"), key("m5"))
VALID = [
    ("p2pkh", "BTC", None, 1, "P2PKH"),
    ("p2pkh-uncompressed", "BTC", None, 1, "P2PKH"),
    ("p2wpkh", "BTC", None, 1, "P2WPKH"),
    ("p2sh-p2wpkh", "BTC", None, 1, "P2SH-P2WPKH"),
    ("p2sh", "BTC", TRIO, 2, "P2SH 2-of-3"),
    ("p2wsh", "BTC", TRIO, 2, "P2WSH 2-of-3"),
    ("p2sh-p2wsh", "BTC", TRIO, 2, "P2SH-P2WSH 2-of-3"),
    ("p2wsh", "BTC", FIVE, 3, "P2WSH 3-of-5"),
    ("p2pkh", "LTC", None, 1, "P2PKH"),
    ("p2wpkh", "Litecoin", None, 1, "P2WPKH"),
    ("p2sh-p2wpkh", "LTC", None, 1, "P2SH-P2WPKH"),
    ("p2sh", "LTC", TRIO, 2, "P2SH 2-of-3"),
    ("p2pkh", "DOGE", None, 1, "P2PKH"),
    ("p2sh", "Dogecoin", TRIO, 2, "P2SH 2-of-3"),
    ("evm", "ETH", None, 1, "personal_sign(message)"),
    ("evm-hash", "ERC20", None, 1, "personal_sign(keccak256(message))"),
    ("evm", "BNB Smart Chain (BEP20)", None, 1, "personal_sign(message)"),
    ("evm", "Arbitrum One", None, 1, "personal_sign(message)"),
    ("tron", "TRC20", None, 1, "TIP-191 signMessageV2"),
]


@pytest.mark.parametrize(("kind", "network", "keys", "m", "expected"), VALID)
def test_valid_rows_verify(kind: str, network: str, keys, m: int, expected: str) -> None:  # noqa: ANN001
    assert check(row_for(kind, network, keys, m)) == expected


@pytest.mark.parametrize("kind", ["p2pkh", "p2wpkh", "p2sh-p2wpkh", "evm", "tron"])
def test_fresh_random_keys_verify(kind: str) -> None:
    network = {"evm": "ETH", "tron": "TRON"}.get(kind, "BTC")
    for _ in range(3):
        assert check(row_for(kind, network, (sig.coincurve.PrivateKey(os.urandom(32)).secret,)))


def test_tron_variants_and_ethereum_header() -> None:
    private = key("tron-variants")
    pub = sig.coincurve.PrivateKey(private).public_key
    address = sig.tron_address(pub)
    fixed = b"\x19TRON Signed Message:\n32"
    for name, digest in [
        ("trx.sign(message)", sig.keccak256(fixed + MESSAGE.encode())),
        ("trx.sign(keccak256(message))", sig.keccak256(fixed + sig.keccak256(MESSAGE.encode()))),
        ("Ethereum header", sig.eip191_digest(MESSAGE.encode())),
    ]:
        raw = sig.coincurve.PrivateKey(private).sign_recoverable(digest, hasher=None)
        signature = (raw[:64] + bytes([27 + raw[64]])).hex()  # TronWeb writes no 0x
        assert sig.verify_tron(address, MESSAGE, [signature]) == name


def test_evm_hex_message_and_v_0_1() -> None:
    private = key("evm-hex")
    address = sig.eip55(sig.evm_address(sig.coincurve.PrivateKey(private).public_key))
    data = bytes.fromhex("deadbeef")
    raw = sig.coincurve.PrivateKey(private).sign_recoverable(sig.eip191_digest(data), hasher=None)
    assert sig.verify_evm(address, "0xdeadbeef", ["0x" + raw.hex()]) == "personal_sign(hex bytes)"
    assert sig.verify_evm(address.lower(), "0xdeadbeef", ["0x" + raw.hex()])


def test_high_s_is_accepted() -> None:
    """Malleability does not change who holds the key: (r, n - s, recid ^ 1) recovers it too."""
    row = row_for("evm", "ETH")
    raw = bytes.fromhex(row["signature1"][2:])
    s = int.from_bytes(raw[32:64], "big")
    high = raw[:32] + (sig.ORDER - s).to_bytes(32, "big") + bytes([27 + ((raw[64] - 27) ^ 1)])
    row["signature1"] = "0x" + high.hex()
    assert check(row) == "personal_sign(message)"


# --- tampering -----------------------------------------------------------------------

SINGLE_BTC = [("p2pkh", "P2PKH"), ("p2wpkh", "P2WPKH"), ("p2sh-p2wpkh", "P2SH-P2WPKH")]


@pytest.mark.parametrize(("kind", "name"), SINGLE_BTC)
def test_bitcoin_single_tampering(kind: str, name: str) -> None:
    reason = f"signature is not by the key of the address ({name})"
    row = row_for(kind)
    flipped = dict(row, signature1=flip_b64(row["signature1"]))
    with pytest.raises(
        sig.SignatureError, match=rf"^{reason}$".replace("(", r"\(").replace(")", r"\)")
    ):
        check(flipped)
    with pytest.raises(sig.SignatureError) as wrong_message:
        check(row, MESSAGE + ".")
    assert str(wrong_message.value) == reason
    other = row_for(kind, keys=(key("another"),))
    with pytest.raises(sig.SignatureError) as other_key:
        check(dict(row, address=other["address"]))
    assert str(other_key.value) == reason


@pytest.mark.parametrize("kind", ["p2sh", "p2wsh", "p2sh-p2wsh"])
def test_multisig_tampering(kind: str) -> None:
    row = row_for(kind, keys=TRIO, m=2)
    assert check(row) == f"{kind.upper()} 2-of-3"

    def fails(reason: str, **change: str) -> None:
        with pytest.raises(sig.SignatureError) as info:
            check(dict(row, **change))
        assert str(info.value) == reason

    fails("1 distinct key(s) of the script signed, 2-of-3 needs 2", signature2="")
    fails("1 distinct key(s) of the script signed, 2-of-3 needs 2", signature2=row["signature1"])
    fails(
        "signature 2 is by a key not in the redeem script", signature2=flip_b64(row["signature2"])
    )
    outsider = row_for("p2pkh", keys=(key("outsider"),))["signature1"]
    fails("signature 2 is by a key not in the redeem script", signature2=outsider)
    other_script = row_for(kind, keys=(key("o1"), key("o2"), key("o3")), m=2)
    name = {"p2sh": "P2SH-P2WSH", "p2wsh": "P2WSH", "p2sh-p2wsh": "P2SH-P2WSH"}[kind]
    fails(
        f"address is not the {name} address of the redeem script",
        address=other_script["address"],
    )
    fails(
        "redeem script is not m-of-n OP_CHECKMULTISIG",
        **{"redeem script/public key": row["redeem script/public key"][:-2] + "ac"},
    )
    with pytest.raises(sig.SignatureError, match="not in the redeem script"):
        check(row, MESSAGE + "!")


@pytest.mark.parametrize(
    ("kind", "network"), [("evm", "ETH"), ("evm-hash", "ETH"), ("tron", "TRON")]
)
def test_evm_and_tron_tampering(kind: str, network: str) -> None:
    row = row_for(kind, network)
    tried = 4 if kind == "tron" else 2
    reason = f"signature is not by the key of the address (tried {tried} formats)"
    for bad in (dict(row, signature1=flip_hex(row["signature1"])),):
        with pytest.raises(sig.SignatureError) as info:
            check(bad)
        assert str(info.value) == reason
    with pytest.raises(sig.SignatureError) as info:
        check(row, MESSAGE + ".")
    assert str(info.value) == reason
    other = row_for(kind, network, keys=(key("someone else"),))
    with pytest.raises(sig.SignatureError) as info:
        check(dict(row, address=other["address"]))
    assert str(info.value) == reason


def test_malformed_signatures_and_addresses() -> None:
    btc = row_for("p2wpkh")
    cases = [
        (dict(btc, signature1="not-base64!"), "signature is not base64"),
        (
            dict(btc, signature1=base64.b64encode(b"\x1f" + bytes(63)).decode()),
            "signature is 64 bytes, expected 65",
        ),
        (
            dict(btc, signature1=base64.b64encode(b"\x2b" + bytes(64)).decode()),
            "signature header byte 43 is not in 27..42",
        ),
        (
            dict(btc, signature1=base64.b64encode(b"\x1f" + bytes(64)).decode()),
            "r or s is out of range [1, n)",
        ),
        (
            dict(
                btc,
                signature1=base64.b64encode(
                    b"\x1f" + sig.ORDER.to_bytes(32, "big") + bytes([1]) * 32
                ).decode(),
            ),
            "r or s is out of range [1, n)",
        ),
        (
            dict(btc, address=btc["address"][:-1] + ("q" if btc["address"][-1] != "q" else "p")),
            "not a valid Bitcoin bech32 address",
        ),
        (
            dict(btc, address="bc1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0sagmhkq"),
            "witness version 1 (Taproot and later need BIP-322)",
        ),
        (
            dict(btc, address="1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMX"),
            "not a valid Bitcoin address (base58check)",
        ),
        (dict(btc, signature2=btc["signature1"]), "2 signatures for a single-key address"),
        (dict(btc, signature1=""), "no signature"),
    ]
    for row, reason in cases:
        with pytest.raises(sig.SignatureError) as info:
            check(row)
        assert str(info.value) == reason, row
    ltc = row_for("p2wpkh", "LTC")
    with pytest.raises(
        sig.SignatureError, match="not a valid Bitcoin bech32|not a valid Bitcoin address"
    ):
        check(dict(ltc, network="BTC"))
    with pytest.raises(sig.Unsupported, match="Dogecoin has no segwit"):
        sig.bitcoin_address("p2wpkh", bytes(33), sig.DOGECOIN)
    evm = row_for("evm", "ETH")
    address = evm["address"]
    swapped = (
        address[:2] + (address[2].swapcase() if address[2].isalpha() else address[2]) + address[3:]
    )
    if swapped == address:  # first character a digit: find a letter to swap
        i = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
        swapped = address[:i] + address[i].swapcase() + address[i + 1 :]
    evm_cases = [
        (dict(evm, address=swapped), "address fails its EIP-55 checksum"),
        (dict(evm, address=address[:-1]), "not an EVM address (0x and 40 hex digits)"),
        (
            dict(evm, signature1=evm["signature1"][:-2] + "1d"),
            "signature v byte 29 is not 0, 1, 27 or 28",
        ),
        (dict(evm, signature1=evm["signature1"][:-2]), "signature is 64 bytes, expected 65"),
        (dict(evm, signature1="0xzz"), "signature is not hex"),
    ]
    for row, reason in evm_cases:
        with pytest.raises(sig.SignatureError) as info:
            check(row)
        assert str(info.value) == reason, row
    assert check(dict(evm, address=address.lower())) and check(
        dict(evm, address="0x" + address[2:].upper())
    )
    tron = row_for("tron", "TRON")
    with pytest.raises(
        sig.SignatureError, match=r"^not a TRON address \(version byte 0x41, 21 bytes\)$"
    ):
        check(dict(tron, address=row_for("p2pkh")["address"]))


def test_pubkey_column_must_match_the_signer() -> None:
    row = row_for("p2pkh")
    own = sig.coincurve.PrivateKey(key("p2pkh")).public_key.format().hex()
    assert check(dict(row, **{"redeem script/public key": own})) == "P2PKH"
    other = sig.coincurve.PrivateKey(key("x")).public_key.format().hex()
    with pytest.raises(
        sig.SignatureError, match="^signature is not by the public key given in the row$"
    ):
        check(dict(row, **{"redeem script/public key": other}))


def test_unknown_networks_are_unsupported() -> None:
    for label in ("SOL", "Solana", "XRP", "", "BTC-Lightning"):
        with pytest.raises(sig.Unsupported):
            sig.chain_of(label)
    assert sig.chain_of(" bnb smart chain (bep-20) ").name == "bsc"
    assert sig.chain_of("trc-20").scheme == "tron"
