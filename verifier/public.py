"""The published folder: statement.json, proof.bin (+ proof.json), fingerprints.bin, vk.json."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from zkpor.verifier.errors import InputError, MalformedInput, VerificationError
from zkpor.verifier.jsonio import STATEMENT_MAX_BYTES, read_bytes
from zkpor.verifier.proof import Proof
from zkpor.verifier.srs import SrsError, VerifierKey, VkFileError, load_vk, vk_file
from zkpor.verifier.statement import Statement
from zkpor.verifier.verify import Verified, verify

STATEMENT = "statement.json"
PROOF = "proof.bin"
PROOF_JSON = "proof.json"
FINGERPRINTS = "fingerprints.bin"
VK = "vk.json"
PROOF_MAX_BYTES = 1 << 20
"""Larger proof files are refused unread; smaller wrong sizes fail in Proof.from_bytes."""


@dataclass(frozen=True)
class PublicFolder:
    statement: Statement
    proof: Proof
    fingerprints: bytes
    vk: VerifierKey

    def verify(self) -> Verified:
        return verify(self.statement, self.fingerprints, self.proof, self.vk)


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        return read_bytes(path, max_bytes)
    except MalformedInput as exc:
        raise InputError(str(exc)) from None


def _read_fingerprints(path: Path, n_u: int) -> bytes:
    """fingerprints.bin, refused by its size (32 x n_u bytes) before a byte is read."""
    expected = 32 * n_u
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size != expected:
                raise VerificationError(
                    f"{path}: fingerprint list has {size} bytes, expected 32 x {n_u}"
                )
            data = handle.read(expected + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) != expected:  # the file changed while it was read
        raise VerificationError(
            f"{path}: fingerprint list has {len(data)} bytes, expected 32 x {n_u}"
        )
    return data


def load_public(folder: str | Path, vk_path: str | Path | None = None) -> PublicFolder:
    """Read a published folder; ``vk_path`` overrides the folder's own vk.json.

    Unreadable or malformed files raise InputError (MalformedInput), naming the file.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    statement_path = root / STATEMENT
    statement = Statement.loads(_read(statement_path, STATEMENT_MAX_BYTES), str(statement_path))
    statement.check()  # bounds n_u before fingerprints.bin is sized against it
    try:
        proof = Proof.from_bytes(_read(root / PROOF, PROOF_MAX_BYTES))
    except VerificationError as exc:
        raise VerificationError(f"{root / PROOF}: {exc}") from None
    fingerprints = _read_fingerprints(root / FINGERPRINTS, statement.n_u)
    try:
        vk = load_vk(vk_file(vk_path) if vk_path else root / VK)
    except VkFileError:
        raise
    except SrsError as exc:
        raise VerificationError(str(exc)) from None
    return PublicFolder(statement, proof, fingerprints, vk)
