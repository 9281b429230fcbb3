"""The published folder: statement.json, proof.bin (+ proof.json), fingerprints.bin, vk.json,
or, for a sharded snapshot (PROTOCOL.md section 9), the top statement.json, vk.json and
shards/<i>/ with each shard's statement, proof and fingerprints.

Bytes in: :func:`parse_folder` reads either layout through a :class:`Files` source (a
folder on disk, or files in memory as the browser page has them). Every read is bounded before it happens (fingerprints.bin by
32 x n_u). ``check()`` decides whether the key may be trusted
(``zkpor.verifier.ceremonies.key_origin``), verifies, and returns the published digest
that users compare with the auditor's.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from zkpor.verifier.ceremonies import key_origin
from zkpor.verifier.errors import InputError, MalformedInput, VerificationError
from zkpor.verifier.jsonio import STATEMENT_MAX_BYTES, VK_MAX_BYTES, read_bytes
from zkpor.verifier.jsonio import loads as json_loads
from zkpor.verifier.proof import Proof
from zkpor.verifier.sharded import TopStatement, VerifiedSharded, is_sharded, verify_shards
from zkpor.verifier.srs import VK_FILE, SrsError, VerifierKey, VkFileError, loads_vk, vk_file
from zkpor.verifier.statement import Statement
from zkpor.verifier.verify import Verified, verify

STATEMENT = "statement.json"
PROOF = "proof.bin"
PROOF_JSON = "proof.json"
FINGERPRINTS = "fingerprints.bin"
VK = VK_FILE
SHARDS = "shards"
PROOF_MAX_BYTES = 1 << 20
"""Larger proof files are refused unread; smaller wrong sizes fail in Proof.from_bytes."""
DIGEST_TAG = b"zkpor-published-v1"


def published_digest(statement: bytes, proof: bytes, fingerprints: bytes) -> bytes:
    """SHA-256 over the three published files, each length-prefixed (PROTOCOL.md section 8)."""
    h = hashlib.sha256(DIGEST_TAG)
    for part in (statement, proof, fingerprints):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.digest()


def format_digest(digest: bytes) -> str:
    """The digest as users read it aloud: hex in groups of eight."""
    text = digest.hex()
    return " ".join(text[i : i + 8] for i in range(0, len(text), 8))


# -- where the bytes come from --------------------------------------------------------
class Files(Protocol):
    """The files of a published folder by relative path ('shards/3/proof.bin')."""

    def label(self, name: str) -> str:
        """How errors name the file."""

    def size(self, name: str) -> int:
        """The file's size, without reading it."""

    def read(self, name: str, max_bytes: int) -> bytes:
        """The file's bytes; larger than ``max_bytes`` is refused unread (MalformedInput)."""


class FolderFiles:
    """A published folder on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def label(self, name: str) -> str:
        return str(self.root / name)

    def size(self, name: str) -> int:
        try:
            return os.stat(self.root / name).st_size
        except OSError as exc:
            raise InputError(f"{self.label(name)}: cannot read ({exc.strerror or exc})") from None

    def read(self, name: str, max_bytes: int) -> bytes:
        return read_bytes(self.root / name, max_bytes)


class MemoryFiles:
    """A published folder held in memory (the browser page's files)."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files

    def label(self, name: str) -> str:
        return name

    def size(self, name: str) -> int:
        if name not in self.files:
            raise InputError(f"{name}: missing")
        return len(self.files[name])

    def read(self, name: str, max_bytes: int) -> bytes:
        if self.size(name) > max_bytes:
            raise MalformedInput(f"{name}: larger than {max_bytes:,} bytes")
        return self.files[name]


def _read_fingerprints(files: Files, name: str, n_u: int) -> bytes:
    """fingerprints.bin, refused by its size (32 x n_u bytes) before a byte is read."""
    expected = 32 * n_u
    size = files.size(name)
    if size != expected:
        raise VerificationError(
            f"{files.label(name)}: fingerprint list has {size} bytes, expected 32 x {n_u}"
        )
    data = files.read(name, expected)
    if len(data) != expected:  # the file changed while it was read
        raise VerificationError(
            f"{files.label(name)}: fingerprint list has {len(data)} bytes, expected 32 x {n_u}"
        )
    return data


def _parse_vk(data: bytes, name: str) -> VerifierKey:
    try:
        return loads_vk(data, name)
    except VkFileError:
        raise
    except SrsError as exc:
        raise VerificationError(str(exc)) from None


# -- one proof ------------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    """A verified published folder: what was proven, whose key, and the published digest."""

    verified: Verified | VerifiedSharded
    key_origin: str
    insecure: bool
    digest: bytes

    @property
    def statement(self) -> Statement | TopStatement:
        """The statement users and auditors read: the proof's, or the top statement."""
        v = self.verified
        return v.top if isinstance(v, VerifiedSharded) else v.statement

    def summary(self) -> list[str]:
        """What the CLI prints about a verified folder, before any table."""
        st = self.statement
        if isinstance(st, TopStatement):
            head = f"{len(st.shards)} shards, {st.n_u} fingerprints"
            root = f"global root {st.global_root.hex()}"
        else:
            head = f"N = {st.n}, {st.n_u} fingerprints"
            root = f"Merkle root {st.merkle_root.hex()}"
        lines = [f"snapshot {st.snapshot_id} ({st.snapshot_time}): {head}, {len(st.assets)} assets"]
        if self.insecure:
            lines.append("WARNING: INSECURE development SRS (known tau): this proof proves nothing.")
        lines += [
            f"key: {self.key_origin}",
            f"SRS digest {st.srs_digest.hex()}",
            f"published digest {format_digest(self.digest)}",
            root,
        ]
        return lines


@dataclass(frozen=True)
class PublicFolder:
    statement: Statement
    proof: Proof
    fingerprints: bytes
    vk: VerifierKey
    digest: bytes
    own_key: bool
    """The auditor supplied the key (``--srs``) rather than taking the published one."""

    def names(self) -> list[str]:
        """The folder's files a verifier reads, as relative paths."""
        return [*proof_names(), VK]

    def verify(self) -> Verified:
        """The proof's algebra only; :meth:`check` adds the trust decision."""
        return verify(self.statement, self.fingerprints, self.proof, self.vk)

    def check(self, allow_insecure: bool = False) -> Checked:
        origin = key_origin(self.vk, own_key=self.own_key, allow_insecure=allow_insecure)
        return Checked(self.verify(), origin, self.vk.insecure, self.digest)


def proof_names(base: str = "") -> tuple[str, str, str]:
    """The three published files of one proof (a whole snapshot's, or shard ``base``'s)."""
    return base + STATEMENT, base + PROOF, base + FINGERPRINTS


def _one_proof(
    files: Files, base: str, statement_bytes: bytes, statement: Statement | None = None
) -> tuple[Statement, bytes, Proof, bytes]:
    """Parse statement (unless given), proof and fingerprints of one proof under ``base``;
    the last item is the proof's published digest (each file is read once)."""
    st_name, proof_name, fps_name = proof_names(base)
    if statement is None:
        statement = Statement.loads(statement_bytes, files.label(st_name))
    statement.check()  # bounds n_u before fingerprints.bin is sized against it
    proof_bytes = files.read(proof_name, PROOF_MAX_BYTES)
    try:
        proof = Proof.from_bytes(proof_bytes)
    except VerificationError as exc:
        raise VerificationError(f"{files.label(proof_name)}: {exc}") from None
    fps = _read_fingerprints(files, fps_name, statement.n_u)
    return statement, fps, proof, published_digest(statement_bytes, proof_bytes, fps)


# -- a sharded snapshot ---------------------------------------------------------------
@dataclass(frozen=True)
class ShardedFolder:
    """A sharded published folder (PROTOCOL.md section 9); shard files are read on use."""

    top: TopStatement
    vk: VerifierKey
    digest: bytes
    own_key: bool
    files: Files

    def names(self) -> list[str]:
        """The folder's files a verifier reads, as relative paths."""
        shards = [n for i in range(len(self.top.shards)) for n in proof_names(f"{SHARDS}/{i}/")]
        return [STATEMENT, VK, *shards]

    def shard(self, index: int) -> tuple[Statement, bytes, Proof, bytes]:
        """Shard ``index``'s (statement, fingerprint bytes, proof, published digest)."""
        base = f"{SHARDS}/{index}/"
        st_bytes = self.files.read(base + STATEMENT, STATEMENT_MAX_BYTES)
        try:
            statement, fps, proof, digest = _one_proof(self.files, base, st_bytes)
        except VerificationError as exc:
            raise VerificationError(f"shard {index}: {exc}") from None
        if digest != self.top.shards[index].digest:
            raise VerificationError(f"shard {index}: files do not match the digest in the top statement")
        return statement, fps, proof, digest

    def check(self, allow_insecure: bool = False, only: Sequence[int] | None = None) -> Checked:
        """Trust the key, then verify every shard (or those in ``only``) and the aggregation."""
        origin = key_origin(self.vk, own_key=self.own_key, allow_insecure=allow_insecure)
        indices = range(len(self.top.shards)) if only is None else only
        for index in indices:
            if not 0 <= index < len(self.top.shards):
                raise VerificationError(f"no shard {index} in this snapshot")
        shards = [self.shard(i) for i in indices]
        verified = verify_shards(self.top, shards, self.vk, only)
        return Checked(verified, origin, self.vk.insecure, self.digest)


# -- either layout --------------------------------------------------------------------
def parse_folder(
    files: Files, own_vk: bytes | None = None, own_vk_name: str = VK,
    vk_fallback: bytes | None = None,
) -> PublicFolder | ShardedFolder:  # fmt: skip
    """A published folder of either layout. ``own_vk`` is the auditor's own key (trusted
    as theirs); without it the folder's vk.json (or ``vk_fallback``) is used."""
    statement = files.read(STATEMENT, STATEMENT_MAX_BYTES)
    if own_vk is not None:
        vk = _parse_vk(own_vk, own_vk_name)
    else:
        vk_bytes = vk_fallback if vk_fallback is not None else files.read(VK, VK_MAX_BYTES)
        vk = _parse_vk(vk_bytes, files.label(VK))
    own_key = own_vk is not None
    name = files.label(STATEMENT)
    data = json_loads(statement, name, STATEMENT_MAX_BYTES)
    try:
        if is_sharded(data):
            top = TopStatement.from_json(data)
            return ShardedFolder(top, vk, published_digest(statement, b"", b""), own_key, files)
        parsed = Statement.from_json(data)
    except MalformedInput as exc:
        raise MalformedInput(f"{name}: {exc}") from None
    parsed, fps, proof, digest = _one_proof(files, "", statement, parsed)
    return PublicFolder(parsed, proof, fps, vk, digest, own_key)


def load_public(
    folder: str | Path, vk_path: str | Path | None = None
) -> PublicFolder | ShardedFolder:
    """Read a published folder; ``vk_path`` (a vk.json or SRS folder) is the auditor's own key.

    Unreadable or malformed files raise InputError (MalformedInput), naming the file.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    if vk_path is None:
        return parse_folder(FolderFiles(root))
    key = vk_file(vk_path)
    try:
        own = read_bytes(key, VK_MAX_BYTES)
    except MalformedInput as exc:
        raise VkFileError(f"verifier key {exc}") from None
    return parse_folder(FolderFiles(root), own, str(key))
