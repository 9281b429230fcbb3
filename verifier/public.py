"""The published folder: statement.json, proof.bin (+ proof.json), fingerprints.bin, vk.json.

:func:`parse_public` is the bytes-in entry point (the CLI and the browser page both call
it); :func:`load_public` reads a folder into it. :meth:`PublicFolder.check` decides
whether the key may be trusted (``zkpor.verifier.ceremonies.key_origin``), verifies the
proof and returns the published digest that users compare with the auditor's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from zkpor.verifier.ceremonies import key_origin
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.proof import Proof
from zkpor.verifier.sharded import TopStatement, VerifiedSharded, is_sharded, verify_shards
from zkpor.verifier.srs import VK_FILE, SrsError, VerifierKey, parse_vk
from zkpor.verifier.statement import Statement
from zkpor.verifier.verify import Verified, verify

STATEMENT = "statement.json"
PROOF = "proof.bin"
PROOF_JSON = "proof.json"
FINGERPRINTS = "fingerprints.bin"
VK = VK_FILE
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

    def verify(self) -> Verified:
        """The proof's algebra only; :meth:`check` adds the trust decision."""
        return verify(self.statement, self.fingerprints, self.proof, self.vk)

    def check(self, allow_insecure: bool = False) -> Checked:
        origin = key_origin(self.vk, own_key=self.own_key, allow_insecure=allow_insecure)
        return Checked(self.verify(), origin, self.vk.insecure, self.digest)


def parse_public(
    statement: bytes, proof: bytes, fingerprints: bytes, vk: bytes, *, own_key: bool,
    names: tuple[str, str, str, str] = (STATEMENT, PROOF, FINGERPRINTS, VK),
) -> PublicFolder:  # fmt: skip
    """Parse the published files (``names`` label errors: the paths they came from)."""
    st_name, proof_name, _, vk_name = names
    try:
        parsed_statement = Statement.loads(statement.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{st_name}: not UTF-8 text") from None
    except VerificationError as exc:
        raise VerificationError(f"{st_name}: {exc}") from None
    try:
        parsed_proof = Proof.from_bytes(proof)
    except VerificationError as exc:
        raise VerificationError(f"{proof_name}: {exc}") from None
    parsed_vk = _parse_vk(vk, vk_name)
    digest = published_digest(statement, proof, fingerprints)
    return PublicFolder(parsed_statement, parsed_proof, fingerprints, parsed_vk, digest, own_key)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


SHARDS = "shards"
Reader = Callable[[str], bytes]
"""Reads a file of the published folder by its relative path ('shards/3/proof.bin')."""


@dataclass(frozen=True)
class ShardedFolder:
    """A sharded published folder (PROTOCOL.md section 9); shard files are read on use."""

    top: TopStatement
    vk: VerifierKey
    digest: bytes
    own_key: bool
    read: Reader

    def shard(self, index: int) -> tuple[Statement, bytes, Proof, bytes]:
        """Shard ``index``'s (statement, fingerprint bytes, proof, published digest)."""
        base = f"{SHARDS}/{index}/"
        st_bytes, proof_bytes, fps = (self.read(base + n) for n in (STATEMENT, PROOF, FINGERPRINTS))
        digest = published_digest(st_bytes, proof_bytes, fps)
        if digest != self.top.shards[index].digest:
            raise VerificationError(f"shard {index}: files do not match the digest in the top statement")
        try:
            statement = Statement.loads(st_bytes.decode("utf-8"))
            proof = Proof.from_bytes(proof_bytes)
        except UnicodeDecodeError:
            raise InputError(f"{base}{STATEMENT}: not UTF-8 text") from None
        except VerificationError as exc:
            raise VerificationError(f"shard {index}: {exc}") from None
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


def parse_folder(
    read: Reader, vk: bytes | None = None, vk_name: str = VK, where: str = ""
) -> PublicFolder | ShardedFolder:
    """Bytes in: a published folder of either layout from a reader of its files.

    ``vk`` is the auditor's own key (trusted as theirs); without it the folder's vk.json.
    ``where`` prefixes file names in errors (the folder's path).
    """
    statement = read(STATEMENT)
    try:
        data = json.loads(statement.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None  # reported with the file name by parse_public
    own_key = vk is not None
    vk_bytes = vk if vk is not None else read(VK)
    if not is_sharded(data):
        return parse_public(
            statement, read(PROOF), read(FINGERPRINTS), vk_bytes, own_key=own_key,
            names=(where + STATEMENT, where + PROOF, where + FINGERPRINTS, vk_name),
        )  # fmt: skip
    try:
        top = TopStatement.from_json(data)
    except VerificationError as exc:
        raise VerificationError(f"{where}{STATEMENT}: {exc}") from None
    parsed_vk = _parse_vk(vk_bytes, vk_name)
    return ShardedFolder(top, parsed_vk, published_digest(statement, b"", b""), own_key, read)


def _parse_vk(vk: bytes, vk_name: str) -> VerifierKey:
    try:
        return parse_vk(json.loads(vk.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{vk_name}: not a JSON verifier key") from None
    except SrsError as exc:
        raise VerificationError(f"{vk_name}: {exc}") from None


def load_public(
    folder: str | Path, vk_path: str | Path | None = None
) -> PublicFolder | ShardedFolder:
    """Read a published folder; ``vk_path`` (a vk.json or SRS folder) is the auditor's own key."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    vk_file = Path(vk_path) if vk_path else None
    if vk_file is not None and vk_file.is_dir():
        vk_file = vk_file / VK

    def read(name: str) -> bytes:
        return _read(root / name)

    where = f"{root}/"
    if vk_file is None:
        return parse_folder(read, None, str(root / VK), where)
    return parse_folder(read, _read(vk_file), str(vk_file), where)
