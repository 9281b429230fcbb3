"""A sharded snapshot: the top statement and its aggregation rule (PROTOCOL.md section 9).

The top statement lists K shards (digest, Merkle root, fingerprint count, totals) and
the global root over the shard roots. :func:`check_top` checks what the top statement
alone implies (indices, bounds, totals summing to the global totals, the global root);
:func:`check_shard_matches` ties one shard's own statement to its entry; and
:func:`verify_shards` verifies every shard with one folded pairing check.
"""

from __future__ import annotations

import heapq
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from zkpor.circuits.solvency import MAX_ASSETS, PRICE_BOUND, TOTAL_BOUND
from zkpor.verifier.errors import MalformedInput, VerificationError
from zkpor.verifier.kzg import pairings_hold
from zkpor.verifier.merkle import EMPTY, node_hash
from zkpor.verifier.srs import VerifierKey
from zkpor.verifier.statement import (
    MAX_SHARDS,
    PROTOCOL_ID,
    AssetInfo,
    Statement,
    field_bool,
    field_int,
    field_int_str,
    field_str,
)
from zkpor.verifier.verify import Verified, verify_algebra

LAYOUT = "sharded"
TOP_VERSION = 1
"""Version of the top statement's own format (``"layout": "sharded"``)."""
WEIGHT_BITS = 128


@dataclass(frozen=True)
class ShardEntry:
    index: int
    digest: bytes
    """Published digest of the shard's statement.json, proof.bin and fingerprints.bin."""
    merkle_root: bytes
    n_u: int
    totals: tuple[int, ...]
    """Per asset, in the top statement's asset order, 1e-8 coin."""


@dataclass(frozen=True)
class TopStatement:
    snapshot_id: str
    snapshot_time: str
    assets: tuple[AssetInfo, ...]
    """Prices and the global totals."""
    srs_digest: bytes
    srs_insecure: bool
    shards: tuple[ShardEntry, ...]
    global_root: bytes

    @property
    def n_u(self) -> int:
        return sum(s.n_u for s in self.shards)

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_ID.decode(),
            "version": TOP_VERSION,
            "layout": LAYOUT,
            "snapshot_id": self.snapshot_id,
            "snapshot_time": self.snapshot_time,
            "units": {"price": "1e-8 USD per coin", "total": "1e-8 coin"},
            "assets": [a.to_json() for a in self.assets],
            "srs_digest": self.srs_digest.hex(),
            "srs_insecure": self.srs_insecure,
            "shard_count": len(self.shards),
            "shards": [
                {
                    "index": s.index,
                    "digest": s.digest.hex(),
                    "merkle_root": s.merkle_root.hex(),
                    "n_fingerprints": s.n_u,
                    "totals": [str(t) for t in s.totals],
                }
                for s in self.shards
            ],
            "global_root": self.global_root.hex(),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def from_json(cls, data: Any) -> TopStatement:
        """Parse strictly; any missing or mistyped field raises VerificationError."""
        try:
            if data["protocol"] != PROTOCOL_ID.decode() or data["layout"] != LAYOUT:
                raise MalformedInput("not a zkpor sharded statement")
            if type(data["version"]) is not int or data["version"] != TOP_VERSION:
                raise MalformedInput(f"unsupported statement version {data['version']!r}")
            assets = tuple(AssetInfo.from_json(a) for a in _list(data["assets"], MAX_ASSETS))
            shards = tuple(
                ShardEntry(
                    index=field_int(s["index"]),
                    digest=_hex32(s["digest"]),
                    merkle_root=_hex32(s["merkle_root"]),
                    n_u=field_int(s["n_fingerprints"]),
                    totals=tuple(field_int_str(t) for t in _list(s["totals"], MAX_ASSETS)),
                )
                for s in _list(data["shards"], MAX_SHARDS)
            )
            if field_int(data["shard_count"]) != len(shards):
                raise MalformedInput(
                    f"shard_count {data['shard_count']} but {len(shards)} shards listed"
                )
            return cls(
                snapshot_id=field_str(data["snapshot_id"]),
                snapshot_time=field_str(data["snapshot_time"]),
                assets=assets,
                srs_digest=_hex32(data["srs_digest"]),
                srs_insecure=field_bool(data["srs_insecure"]),
                shards=shards,
                global_root=_hex32(data["global_root"]),
            )
        except KeyError as exc:
            raise MalformedInput(f"sharded statement lacks field {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise MalformedInput(f"sharded statement field is malformed: {exc}") from None


def is_sharded(data: Any) -> bool:
    """Whether a decoded statement.json is a top statement (rather than one proof's)."""
    return isinstance(data, dict) and data.get("layout") == LAYOUT


def _list(x: Any, cap: int) -> list[Any]:
    if type(x) is not list or len(x) > cap:
        raise TypeError(f"expected a list of at most {cap} items")
    return x


def _hex32(x: Any) -> bytes:
    data = bytes.fromhex(field_str(x))
    if len(data) != 32:
        raise ValueError("expected 32 bytes of hex")
    return data


# -- the global root ------------------------------------------------------------------
def shard_leaf(root: bytes) -> bytes:
    return sha256(b"\x02" + root).digest()


def shard_levels(roots: Sequence[bytes]) -> list[list[bytes]]:
    """Levels of the tree over the shard roots, leaves first (padded with EMPTY)."""
    level = [shard_leaf(r) for r in roots]
    size = 1
    while size < len(level):
        size *= 2
    level += [EMPTY] * (size - len(level))
    levels = [level]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def global_root(roots: Sequence[bytes]) -> bytes:
    return shard_levels(roots)[-1][0]


def root_from_shard_path(root: bytes, index: int, path: Sequence[bytes]) -> bytes:
    """The global root implied by a shard root, its index and its path."""
    if not 0 <= index < 1 << len(path):
        raise VerificationError(f"shard index {index} does not fit a path of length {len(path)}")
    node = shard_leaf(root)
    for sibling in path:
        node = node_hash(sibling, node) if index & 1 else node_hash(node, sibling)
        index //= 2
    return node


# -- the aggregation rule -------------------------------------------------------------
def check_top(top: TopStatement) -> None:
    """What the top statement implies by itself (PROTOCOL.md section 9)."""
    k = len(top.shards)
    if not 1 <= k <= MAX_SHARDS:
        raise VerificationError(f"shard count {k} is not in [1, {MAX_SHARDS}]")
    if not 1 <= len(top.assets) <= MAX_ASSETS:
        raise VerificationError(f"asset count {len(top.assets)} is not in [1, {MAX_ASSETS}]")
    for asset in top.assets:
        if not 0 <= asset.price < PRICE_BOUND:
            raise VerificationError(f"price of {asset.symbol} is outside [0, 2^64)")
        if not -TOTAL_BOUND < asset.total < TOTAL_BOUND:
            raise VerificationError(f"total of {asset.symbol} is outside (-2^160, 2^160)")
    for i, entry in enumerate(top.shards):
        if entry.index != i:
            raise VerificationError(f"shard entry {i} names index {entry.index}: shards must be 0..K-1 in order")
        if len(entry.totals) != len(top.assets):
            raise VerificationError(f"shard {i} lists {len(entry.totals)} totals for {len(top.assets)} assets")
    for j, asset in enumerate(top.assets):
        if sum(entry.totals[j] for entry in top.shards) != asset.total:
            raise VerificationError(f"shard totals of {asset.symbol} do not sum to its total")
    if global_root([e.merkle_root for e in top.shards]) != top.global_root:
        raise VerificationError("the global root does not match the shard roots")


def check_shard_matches(top: TopStatement, index: int, statement: Statement, digest: bytes) -> None:
    """Shard ``index``'s own statement and files agree with its entry in the top statement."""
    entry = top.shards[index]
    if digest != entry.digest:
        raise VerificationError(f"shard {index}: files do not match the digest in the top statement")
    if statement.shard != (index, len(top.shards)):
        raise VerificationError(f"shard {index}: its statement names shard {statement.shard}")
    if (statement.snapshot_id, statement.snapshot_time) != (top.snapshot_id, top.snapshot_time):
        raise VerificationError(f"shard {index}: its statement is for another snapshot")
    if [(a.symbol, a.price, a.tiers) for a in statement.assets] != [
        (a.symbol, a.price, a.tiers) for a in top.assets
    ]:
        raise VerificationError(
            f"shard {index}: its assets, prices or tier tables differ from the top statement"
        )
    if (statement.srs_digest, statement.srs_insecure) != (top.srs_digest, top.srs_insecure):
        raise VerificationError(f"shard {index}: its statement names another SRS")
    if statement.merkle_root != entry.merkle_root or statement.n_u != entry.n_u:
        raise VerificationError(f"shard {index}: its root or fingerprint count differs from the top statement")
    if tuple(a.total for a in statement.assets) != entry.totals:
        raise VerificationError(f"shard {index}: its totals differ from the top statement")


@dataclass(frozen=True)
class VerifiedSharded:
    """A verified sharded snapshot: the top statement and each shard's verified proof."""

    top: TopStatement
    shards: tuple[Verified, ...]


def check_disjoint(fingerprint_lists: Sequence[Sequence[int]]) -> None:
    """No fingerprint in two shards (each list is already strictly ascending)."""
    previous = None
    for value in heapq.merge(*fingerprint_lists):
        if value == previous:
            raise VerificationError("a fingerprint appears in two shards")
        previous = value


def random_weights(count: int) -> list[int]:
    """The folding weights, drawn by the verifier itself in [1, 2^128)."""
    return [1 + secrets.randbelow((1 << WEIGHT_BITS) - 1) for _ in range(count)]


def verify_shards(
    top: TopStatement,
    shards: Sequence[tuple[Statement, bytes, object, bytes]],
    vk: VerifierKey,
    only: Sequence[int] | None = None,
) -> VerifiedSharded:
    """Verify the top statement and shards (statement, fingerprint bytes, proof, digest).

    ``only`` limits the proofs verified to those indices (a user's check of their own
    shard); the top statement and the given shards' entries are always checked.
    """
    check_top(top)
    if top.srs_digest != vk.digest or top.srs_insecure != vk.insecure:
        raise VerificationError("the top statement names another SRS")
    indices = list(range(len(top.shards))) if only is None else list(only)
    if len(shards) != len(indices):
        raise VerificationError(f"{len(shards)} shard folders for {len(indices)} shards")
    verified, terms = [], []
    for index, (statement, fps, proof, digest) in zip(indices, shards, strict=True):
        check_shard_matches(top, index, statement, digest)
        try:
            result, term = verify_algebra(statement, fps, proof, vk)  # type: ignore[arg-type]
        except VerificationError as exc:
            raise VerificationError(f"shard {index}: {exc}") from None
        verified.append(result)
        terms.append(term)
    if only is None:
        check_disjoint([v.fingerprints for v in verified])
    if not pairings_hold(vk, terms, random_weights(len(terms))):
        raise VerificationError("the KZG opening proofs do not verify (folded pairing check fails)")
    return VerifiedSharded(top, tuple(verified))
