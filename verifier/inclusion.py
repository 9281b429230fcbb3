"""A user's inclusion check (PROTOCOL.md section 6), pure Python.

The inclusion file holds what only the user and the exchange know: uid, salt and
balances, plus the leaf index and Merkle path. The user recomputes their mask and
fingerprint with rho from the verified proof and checks the path to the statement's root.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from zkpor.circuits.haircuts import HaircutSummary, haircut_summary
from zkpor.circuits.solvency import BALANCE_OFFSET, EQUITY_BOUND
from zkpor.verifier.amounts import format_units, parse_units
from zkpor.verifier.errors import MalformedInput, VerificationError
from zkpor.verifier.fingerprint import SALT_BYTES, fingerprint, user_mask
from zkpor.verifier.jsonio import INCLUSION_MAX_BYTES
from zkpor.verifier.jsonio import loads as json_loads
from zkpor.verifier.merkle import root_from_path
from zkpor.verifier.public import Checked, PublicFolder, ShardedFolder
from zkpor.verifier.sharded import root_from_shard_path
from zkpor.verifier.verify import Verified

FORMAT = "zkpor-inclusion"
VERSION = 1
SHARDED_VERSION = 2
"""Version of a file for a sharded snapshot: adds the shard index and the shard path."""


@dataclass(frozen=True)
class InclusionRecord:
    snapshot_id: str
    uid: str
    salt: bytes
    balances: tuple[tuple[str, int], ...]
    """(symbol, amount in 1e-8 coin)."""
    leaf_index: int
    merkle_path: tuple[bytes, ...]
    shard: int | None = None
    """Index of the user's shard in a sharded snapshot (PROTOCOL.md section 9)."""
    shard_path: tuple[bytes, ...] = ()
    """Siblings from the shard root's leaf up to the global root."""

    def to_json(self) -> dict[str, Any]:
        shard = (
            {}
            if self.shard is None
            else {"shard": self.shard, "shard_path": [h.hex() for h in self.shard_path]}
        )
        return {
            "format": FORMAT,
            "version": VERSION if self.shard is None else SHARDED_VERSION,
            **shard,
            "snapshot_id": self.snapshot_id,
            "uid": self.uid,
            "salt": self.salt.hex(),
            "balances": [
                {"asset": sym, "amount": format_units(units)} for sym, units in self.balances
            ],
            "leaf_index": self.leaf_index,
            "merkle_path": [h.hex() for h in self.merkle_path],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def loads(cls, data: bytes | str, name: str = "inclusion file") -> InclusionRecord:
        """Parse an inclusion file strictly (bounded, strict UTF-8); raise MalformedInput."""
        obj = json_loads(data, name, INCLUSION_MAX_BYTES)
        try:
            return cls._from_json(obj)
        except KeyError as exc:
            raise MalformedInput(f"{name}: lacks field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise MalformedInput(f"{name}: {exc}") from None

    @classmethod
    def _from_json(cls, data: Any) -> InclusionRecord:
        if not isinstance(data, dict):
            raise TypeError("expected a JSON object")
        version = data.get("version")
        if data.get("format") != FORMAT or type(version) is not int or version not in (VERSION, SHARDED_VERSION):
            raise ValueError("not a zkpor inclusion file (format or version)")
        shard, shard_path = None, ()
        if version == SHARDED_VERSION:
            shard = data["shard"]
            if type(shard) is not int:
                raise TypeError("shard must be an integer")
            nodes = data["shard_path"]
            if not isinstance(nodes, list):
                raise TypeError("shard_path must be a list")
            shard_path = tuple(bytes.fromhex(_str(h, "a shard path node")) for h in nodes)
            if any(len(h) != 32 for h in shard_path):
                raise ValueError("every shard path node must be 32 bytes")
        salt = bytes.fromhex(_str(data["salt"], "salt"))
        if len(salt) != SALT_BYTES:
            raise ValueError(f"salt must be {SALT_BYTES} bytes")
        nodes = data["merkle_path"]
        if not isinstance(nodes, list):
            raise TypeError("merkle_path must be a list")
        path = tuple(bytes.fromhex(_str(h, "a Merkle path node")) for h in nodes)
        if any(len(h) != 32 for h in path):
            raise ValueError("every Merkle path node must be 32 bytes")
        entries = data["balances"]
        if not isinstance(entries, list) or not all(isinstance(b, dict) for b in entries):
            raise TypeError("balances must be a list of objects")
        balances = tuple(
            (_str(b["asset"], "asset"), parse_units(_str(b["amount"], "amount"))) for b in entries
        )
        leaf = data["leaf_index"]
        if type(leaf) is not int:
            raise TypeError("leaf_index must be an integer")
        return cls(
            _str(data["snapshot_id"], "snapshot_id"), _str(data["uid"], "uid"), salt, balances,
            leaf, path, shard, shard_path,
        )  # fmt: skip


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class InclusionResult:
    uid: str
    balances: tuple[tuple[str, int, int], ...]
    """(symbol, amount in 1e-8 coin, price in 1e-8 USD)."""
    equity: int
    """Net equity at the published prices, in 1e-16 USD."""
    leaf_index: int
    haircut: HaircutSummary | None = None
    """With tier tables (statement version 2): collateral after haircuts, debt and their
    difference, in 1e-16 USD x percent (PROTOCOL.md section 10), from the same function the
    verifier builds the tier table with."""


def check_inclusion(record: InclusionRecord, verified: Verified) -> InclusionResult:
    """Raise VerificationError unless the user's data hashes to a leaf of the verified F."""
    st = verified.statement
    if record.snapshot_id != st.snapshot_id:
        raise VerificationError(
            f"inclusion file is for snapshot {record.snapshot_id!r}, "
            f"the proof for {st.snapshot_id!r}"
        )
    index = {a.symbol: j for j, a in enumerate(st.assets)}
    seen: set[str] = set()
    entries, rows = [], []
    for symbol, units in record.balances:
        if symbol not in index:
            raise VerificationError(f"asset {symbol!r} is not in the published statement")
        if symbol in seen:
            raise VerificationError(f"asset {symbol!r} appears twice in the inclusion file")
        seen.add(symbol)
        if not -BALANCE_OFFSET <= units < BALANCE_OFFSET:
            raise VerificationError(
                f"your {symbol} balance {format_units(units)} is outside -2^127 <= b < 2^127 "
                "(1e-8 coin): no valid proof can hold it"
            )
        j = index[symbol]
        entries.append((j, units))
        rows.append((symbol, units, st.assets[j].price))
    try:
        mask = user_mask(record.snapshot_id, record.salt, record.uid)
    except ValueError as exc:  # a salt of another length, a uid not encodable as UTF-8
        raise VerificationError(f"your uid or salt is unusable: {exc}") from None
    fp = fingerprint(mask, entries, verified.challenges["rho"])
    if not 0 <= record.leaf_index < st.n_u or verified.fingerprints[record.leaf_index] != fp:
        raise VerificationError("your fingerprint is not in the published list at your leaf index")
    if root_from_path(fp, record.leaf_index, record.merkle_path) != st.merkle_root:
        raise VerificationError("your Merkle path does not lead to the published root")
    equity = sum(units * price for _, units, price in rows)
    haircut = None
    if st.version == 2:
        haircut = haircut_summary(
            entries, [a.price for a in st.assets], [a.tiers for a in st.assets]
        )
        if not 0 <= haircut.equity < EQUITY_BOUND:
            raise VerificationError(
                f"your haircut equity {haircut.equity} (1e-18 USD) is outside 0 <= HE < 2^128: "
                "no valid proof can hold these balances"
            )
    elif not 0 <= equity < EQUITY_BOUND:
        raise VerificationError(
            f"your net equity {equity} (1e-16 USD) is outside 0 <= E < 2^128: "
            "no valid proof can hold these balances"
        )
    return InclusionResult(record.uid, tuple(rows), equity, record.leaf_index, haircut)


@dataclass(frozen=True)
class UserCheck:
    """A user's whole check: the verified folder, their inclusion, whether the uid was compared."""

    checked: Checked
    result: InclusionResult
    record: InclusionRecord
    uid_checked: bool


def check_user(
    folder: PublicFolder | ShardedFolder, inclusion: bytes, uid: str | None, allow_insecure: bool = False,
    name: str = "inclusion file", all_shards: bool = False,
) -> UserCheck:  # fmt: skip
    """Bytes in: verify the published folder, then the user's inclusion file against it.

    ``uid`` is what the user typed; it must equal the file's uid (a file handed to the
    wrong user, with identical balances, would otherwise pass). ``None`` skips the
    comparison, and the result says so. For a sharded snapshot the top statement and the
    user's shard are verified, or every shard with ``all_shards`` (the browser page).
    """
    record = InclusionRecord.loads(inclusion, name)
    if uid is not None and uid != record.uid:
        raise VerificationError(
            f"the file is for uid {record.uid!r}, not the uid you gave ({uid!r})"
        )
    if isinstance(folder, ShardedFolder):
        if record.shard is None:
            raise VerificationError("the file is for a single proof, the snapshot is sharded")
        if not 0 <= record.shard < len(folder.top.shards):
            raise VerificationError(f"no shard {record.shard} in this snapshot")
        checked = folder.check(allow_insecure, None if all_shards else [record.shard])
        shards = checked.verified.shards  # type: ignore[union-attr]
        shard_verified = shards[record.shard if all_shards else 0]
        result = check_inclusion(record, shard_verified)
        root = shard_verified.statement.merkle_root
        if root_from_shard_path(root, record.shard, record.shard_path) != folder.top.global_root:
            raise VerificationError("your shard path does not lead to the published global root")
    else:
        if record.shard is not None:
            raise VerificationError("the file is for a sharded snapshot, the proof is a single one")
        checked = folder.check(allow_insecure)
        result = check_inclusion(record, checked.verified)  # type: ignore[arg-type]
    return UserCheck(checked, result, record, uid is not None)
