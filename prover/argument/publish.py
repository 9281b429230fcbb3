"""Writing a proof's outputs: OUT/public for everyone, OUT/private for the exchange.

OUT/public holds statement.json, proof.bin, proof.json (a readable description),
fingerprints.bin (sorted, 32 bytes each) and vk.json. OUT/private holds users.sqlite
(one indexed row per user: uid, salt, leaf index, balances) and copies of the
statement and fingerprints, so inclusion files can be exported from it alone. The whole
of OUT is written under a temporary name and renamed into place when complete.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from zkpor.prover.argument.prove import ProofBundle
from zkpor.prover.atomic import atomic_dir
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.verifier.errors import MalformedInput
from zkpor.verifier.inclusion import InclusionRecord
from zkpor.verifier.jsonio import STATEMENT_MAX_BYTES
from zkpor.verifier.jsonio import loads as json_loads
from zkpor.verifier.merkle import merkle_path, tree_levels
from zkpor.verifier.public import FINGERPRINTS, PROOF, PROOF_JSON, SHARDS, STATEMENT, VK
from zkpor.verifier.sharded import TopStatement, is_sharded, shard_levels
from zkpor.verifier.statement import Statement

USERS_DB = "users.sqlite"


class PrivateDataError(ValueError):
    """The private folder is unreadable or does not know the user."""


def fingerprint_bytes(fingerprints: list[int]) -> bytes:
    return b"".join(f.to_bytes(32, "big") for f in fingerprints)


def write_outputs(out: Path, bundle: ProofBundle, snapshot: Snapshot, vk_file: Path) -> None:
    """Write OUT/public and OUT/private for a proof of ``snapshot``."""
    statement_text = bundle.statement.dumps().encode()
    fps = fingerprint_bytes(bundle.fingerprints)
    leaf_of = {f: i for i, f in enumerate(bundle.fingerprints)}
    with atomic_dir(out) as stage:
        public, private = stage / "public", stage / "private"
        public.mkdir()
        private.mkdir()
        (public / STATEMENT).write_bytes(statement_text)
        (public / PROOF).write_bytes(bundle.proof.to_bytes())
        (public / PROOF_JSON).write_text(json.dumps(bundle.proof.describe(), indent=2) + "\n")
        (public / FINGERPRINTS).write_bytes(fps)
        shutil.copyfile(vk_file, public / VK)
        (private / STATEMENT).write_bytes(statement_text)
        (private / FINGERPRINTS).write_bytes(fps)
        db = sqlite3.connect(private / USERS_DB)
        with db:
            db.execute(
                "CREATE TABLE users (uid TEXT PRIMARY KEY, salt BLOB NOT NULL, "
                "leaf INTEGER NOT NULL, balances TEXT NOT NULL)"
            )
            db.executemany(
                "INSERT INTO users VALUES (?, ?, ?, ?)",
                (
                    (
                        uid,
                        bundle.salts[u],
                        leaf_of[bundle.user_fingerprints[u]],
                        _balances_json(snapshot, u),
                    )
                    for u, uid in enumerate(snapshot.uids)
                ),
            )
        db.close()


def user_balances(snapshot: Snapshot, u: int) -> tuple[tuple[str, int], ...]:
    """Per-symbol balances of user u (entries of one asset merged), in 1e-8 coin."""
    merged: dict[int, int] = {}
    for asset, amount in snapshot.user_balances(u):
        merged[asset] = merged.get(asset, 0) + amount
    return tuple((snapshot.symbols[a], v) for a, v in sorted(merged.items()))


def _balances_json(snapshot: Snapshot, u: int) -> str:
    return json.dumps([[sym, str(v)] for sym, v in user_balances(snapshot, u)])


def inclusion_record(
    bundle: ProofBundle, snapshot: Snapshot, u: int, levels: list[list[bytes]]
) -> InclusionRecord:
    """User u's inclusion file straight from a proof bundle (``levels`` of the F tree)."""
    leaf = bundle.fingerprints.index(bundle.user_fingerprints[u])
    return InclusionRecord(
        snapshot_id=bundle.statement.snapshot_id,
        uid=snapshot.uids[u],
        salt=bundle.salts[u],
        balances=user_balances(snapshot, u),
        leaf_index=leaf,
        merkle_path=tuple(merkle_path(levels, leaf)),
    )


class PrivateFolder:
    """Reads OUT/private to export users' inclusion files (one proof, or every shard's)."""

    def __init__(self, folder: str | Path) -> None:
        root = Path(folder)
        try:
            raw = (root / STATEMENT).read_bytes()
        except OSError as exc:
            raise PrivateDataError(f"{root}: not a zkpor private folder ({exc.strerror})") from None
        try:
            data = json_loads(raw, str(root / STATEMENT), STATEMENT_MAX_BYTES)
            self.top = TopStatement.from_json(data) if is_sharded(data) else None
        except MalformedInput as exc:
            raise PrivateDataError(str(exc)) from None
        self.shards: list[_OneProof] = []
        if self.top is not None:
            self.shards = [_OneProof(root / SHARDS / str(i)) for i in range(len(self.top.shards))]
            self.shard_levels = shard_levels([e.merkle_root for e in self.top.shards])
        else:
            self.shards = [_OneProof(root)]

    def uids(self) -> Iterator[str]:
        """Every uid, shard by shard (ascending within a shard)."""
        for shard in self.shards:
            yield from shard.uids()

    def record(self, uid: str) -> InclusionRecord:
        for index, shard in enumerate(self.shards):
            record = shard.record(uid)
            if record is None:
                continue
            if self.top is None:
                return record
            return replace(
                record, shard=index, shard_path=tuple(merkle_path(self.shard_levels, index))
            )
        raise PrivateDataError(f"no user with uid {uid!r} in this snapshot")


class _OneProof:
    """One proof's private data: users.sqlite, statement and fingerprints."""

    def __init__(self, root: Path) -> None:
        try:
            raw = (root / STATEMENT).read_bytes()
            data = (root / FINGERPRINTS).read_bytes()
        except OSError as exc:
            raise PrivateDataError(f"{root}: not a zkpor private folder ({exc.strerror})") from None
        try:
            self.statement = Statement.loads(raw, str(root / STATEMENT))
        except MalformedInput as exc:
            raise PrivateDataError(str(exc)) from None
        if not (root / USERS_DB).is_file():
            raise PrivateDataError(f"{root}: not a zkpor private folder (no {USERS_DB})")
        self.db = sqlite3.connect(f"file:{root / USERS_DB}?mode=ro", uri=True)
        fingerprints = [int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data), 32)]
        self.levels = tree_levels(fingerprints)

    def uids(self) -> Iterator[str]:
        for (uid,) in self.db.execute("SELECT uid FROM users ORDER BY uid"):
            yield uid

    def record(self, uid: str) -> InclusionRecord | None:
        row = self.db.execute(
            "SELECT salt, leaf, balances FROM users WHERE uid = ?", (uid,)
        ).fetchone()
        if row is None:
            return None
        salt, leaf, balances = row
        return InclusionRecord(
            snapshot_id=self.statement.snapshot_id,
            uid=uid,
            salt=bytes(salt),
            balances=tuple((sym, int(v)) for sym, v in json.loads(balances)),
            leaf_index=leaf,
            merkle_path=tuple(merkle_path(self.levels, leaf)),
        )
