"""Unit tests of the pure-Python verifier pieces: transcript, Merkle tree, amounts, statement."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkpor.verifier.amounts import format_units, parse_units
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R, batch_inv, root_of_unity
from zkpor.verifier.fingerprint import fingerprint, hash_to_field, user_mask, user_masks
from zkpor.verifier.merkle import (
    EMPTY,
    leaf_hash,
    merkle_path,
    merkle_root,
    node_hash,
    root_from_path,
    tree_levels,
)
from zkpor.verifier.statement import AssetInfo, Statement
from zkpor.verifier.transcript import Transcript


def test_transcript_is_deterministic_and_label_sensitive() -> None:
    def run(label: str, data: bytes) -> int:
        t = Transcript()
        t.absorb(label, data)
        return t.challenge("rho")

    assert run("a", b"x") == run("a", b"x")
    assert run("a", b"x") != run("b", b"x")
    assert run("a", b"x") != run("a", b"y")
    # length prefixing: moving a byte between label and data changes the challenge
    assert run("ab", b"c") != run("a", b"bc")


def test_successive_challenges_differ() -> None:
    t = Transcript()
    assert t.challenge("eta") != t.challenge("eta")


def test_merkle_paths_verify_and_reject_tampering() -> None:
    fps = sorted({hash_to_field(bytes([i])) for i in range(11)})
    levels = tree_levels(fps)
    root = merkle_root(fps)
    assert len(levels[0]) == 16 and levels[0][-1] == EMPTY
    for i, fp in enumerate(fps):
        path = merkle_path(levels, i)
        assert root_from_path(fp, i, path) == root
        assert root_from_path((fp + 1) % R, i, path) != root
        assert root_from_path(fp, i ^ 1, path) != root


def test_merkle_single_leaf_and_layout() -> None:
    assert merkle_root([5]) == leaf_hash(5)
    assert merkle_root([5, 7]) == node_hash(leaf_hash(5), leaf_hash(7))
    assert merkle_root([5, 7, 9]) == node_hash(
        node_hash(leaf_hash(5), leaf_hash(7)), node_hash(leaf_hash(9), EMPTY)
    )


@given(st.integers(min_value=-(2**127), max_value=2**127 - 1))
def test_amount_round_trip(units: int) -> None:
    assert parse_units(format_units(units)) == units


@pytest.mark.parametrize(
    "text", ["1e5", "0x10", "", "1,000", "--1", ".", "1.000000001", "NaN", " 1 2"]
)
def test_bad_amounts_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_units(text)


def test_fingerprint_is_linear_in_balances() -> None:
    mask = user_mask("snap", bytes(32), "alice")
    rho = 123456789
    assert fingerprint(mask, [(0, 5), (2, -3)], rho) == (mask + rho * 5 - rho**3 * 3) % R
    assert fingerprint(mask, [(0, 2), (0, 3)], rho) == fingerprint(mask, [(0, 5)], rho)
    assert user_mask("snap", bytes(32), "alice") != user_mask("snap", bytes(32), "alicf")


def test_masks_follow_the_definition() -> None:
    """user_mask and user_masks (the trace's) are SHA256(d || 0) || SHA256(d || 1) mod r of
    d = "zkpor-mask" || snapshot_id || salt || uid, odd uids included; they refuse a
    short salt and mismatched lists."""
    uids = ["alice", "", "ü\u200b名前", "a" * 300, "x\ny"]
    salts = [bytes([i]) * 32 for i in range(len(uids))]
    want = []
    for salt, uid in zip(salts, uids, strict=True):
        d = b"zkpor-mask" + "snap-ü".encode() + salt + uid.encode()
        wide = hashlib.sha256(d + b"\x00").digest() + hashlib.sha256(d + b"\x01").digest()
        want.append(int.from_bytes(wide, "big") % R)
    assert user_masks("snap-ü", salts, uids) == want
    assert [user_mask("snap-ü", s, u) for s, u in zip(salts, uids, strict=True)] == want
    assert hash_to_field(b"abc") == int.from_bytes(
        hashlib.sha256(b"abc\x00").digest() + hashlib.sha256(b"abc\x01").digest(), "big"
    ) % R
    for bad in (lambda: user_masks("snap", [bytes(31)], ["alice"]),
                lambda: user_mask("snap", bytes(33), "alice"),
                lambda: user_masks("snap", salts, uids[:2])):  # fmt: skip
        with pytest.raises(ValueError):
            bad()


def test_field_helpers() -> None:
    xs = [1, 2, R - 1, 12345]
    assert [x * y % R for x, y in zip(xs, batch_inv(xs), strict=True)] == [1] * 4
    w = root_of_unity(1 << 16)
    assert pow(w, 1 << 16, R) == 1 and pow(w, 1 << 15, R) != 1


def _statement(**changes: object) -> Statement:
    base = dict(
        snapshot_id="s1",
        snapshot_time="2026-11-24T00:00:00Z",
        n=1 << 16,
        n_u=3,
        assets=(AssetInfo("BTC", 9_000_000_000_000, 10**8), AssetInfo("USDT", 10**8, -5)),
        srs_digest=bytes(32),
        srs_insecure=True,
        merkle_root=bytes(32),
    )
    base.update(changes)
    return Statement(**base)  # type: ignore[arg-type]


def test_statement_round_trip() -> None:
    s = _statement()
    s.check()
    assert Statement.loads(s.dumps()) == s


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"n": 1 << 15}, "domain size"),
        ({"n": (1 << 16) + 1}, "domain size"),
        ({"n": 1 << 27}, "domain size"),
        ({"n_u": 0}, "fingerprint count"),
        ({"n_u": (1 << 16) + 1}, "fingerprint count"),
        ({"assets": ()}, "asset count"),
        ({"assets": (AssetInfo("BTC", 1, 0), AssetInfo("BTC", 1, 0))}, "unique"),
        ({"assets": (AssetInfo("BTC", 2**64, 0),)}, "price"),
        ({"assets": (AssetInfo("BTC", -1, 0),)}, "price"),
        ({"assets": (AssetInfo("BTC", 1, 2**160),)}, "total"),
        ({"assets": (AssetInfo("BTC", 1, -(2**160)),)}, "total"),
        ({"assets": (AssetInfo("BTC", 1, R - 1),)}, "total"),
    ],
)
def test_statement_bounds_are_enforced(changes: dict, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        _statement(**changes).check()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("merkle_root"),
        lambda d: d.update(version=2),
        lambda d: d.update(domain_size="65536"),
        lambda d: d["assets"][0].update(price=5),
        lambda d: d["assets"][0].update(price="05"),
        lambda d: d["assets"][0].update(total="1.5"),
        lambda d: d.update(srs_digest="zz"),
    ],
)
def test_malformed_statement_json_is_rejected(mutate) -> None:
    data = _statement().to_json()
    mutate(data)
    with pytest.raises(VerificationError):
        Statement.from_json(data)


def test_format_price_is_exact_with_at_least_cents() -> None:
    from zkpor.verifier.amounts import format_price

    assert format_price(9_123_456_000_000) == "$91,234.56"
    assert format_price(1_234) == "$0.00001234"  # a cheap coin is not shown as $0.00
    assert format_price(100_000_000) == "$1.00" and format_price(0) == "$0.00"
    assert format_price(52_000_001) == "$0.52000001"
