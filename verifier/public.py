"""The published folder: statement.json, proof.bin (+ proof.json), fingerprints.bin, vk.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.proof import Proof
from zkpor.verifier.srs import SrsError, VerifierKey, load_vk
from zkpor.verifier.statement import Statement
from zkpor.verifier.verify import Verified, verify

STATEMENT = "statement.json"
PROOF = "proof.bin"
PROOF_JSON = "proof.json"
FINGERPRINTS = "fingerprints.bin"
VK = "vk.json"


@dataclass(frozen=True)
class PublicFolder:
    statement: Statement
    proof: Proof
    fingerprints: bytes
    vk: VerifierKey

    def verify(self) -> Verified:
        return verify(self.statement, self.fingerprints, self.proof, self.vk)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def load_public(folder: str | Path, vk_path: str | Path | None = None) -> PublicFolder:
    """Read a published folder; ``vk_path`` overrides the folder's own vk.json."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    try:
        statement = Statement.loads(_read(root / STATEMENT).decode("utf-8", errors="replace"))
    except VerificationError as exc:
        raise VerificationError(f"{root / STATEMENT}: {exc}") from None
    try:
        proof = Proof.from_bytes(_read(root / PROOF))
    except VerificationError as exc:
        raise VerificationError(f"{root / PROOF}: {exc}") from None
    fingerprints = _read(root / FINGERPRINTS)
    vk_file = Path(vk_path) if vk_path else root / VK
    _read(vk_file if vk_file.is_file() else vk_file / VK)
    try:
        vk = load_vk(vk_file)
    except SrsError as exc:
        raise VerificationError(str(exc)) from None
    return PublicFolder(statement, proof, fingerprints, vk)
