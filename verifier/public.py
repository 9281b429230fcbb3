"""The published folder: statement.json, proof.bin (+ proof.json), fingerprints.bin, vk.json.

:func:`parse_public` is the bytes-in entry point (the CLI and the browser page both call
it); :func:`load_public` reads a folder into it. :meth:`PublicFolder.check` decides
whether the key may be trusted (``zkpor.verifier.ceremonies.key_origin``), verifies the
proof and returns the published digest that users compare with the auditor's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from zkpor.verifier.ceremonies import key_origin
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.proof import Proof
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

    verified: Verified
    key_origin: str
    insecure: bool
    digest: bytes


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
    try:
        parsed_vk = parse_vk(json.loads(vk.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{vk_name}: not a JSON verifier key") from None
    except SrsError as exc:
        raise VerificationError(f"{vk_name}: {exc}") from None
    digest = published_digest(statement, proof, fingerprints)
    return PublicFolder(parsed_statement, parsed_proof, fingerprints, parsed_vk, digest, own_key)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def load_public(folder: str | Path, vk_path: str | Path | None = None) -> PublicFolder:
    """Read a published folder; ``vk_path`` (a vk.json or SRS folder) is the auditor's own key."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    vk_file = Path(vk_path) if vk_path else root / VK
    if vk_file.is_dir():
        vk_file = vk_file / VK
    paths = (root / STATEMENT, root / PROOF, root / FINGERPRINTS, vk_file)
    data = [_read(p) for p in paths]
    return parse_public(*data, own_key=vk_path is not None, names=tuple(str(p) for p in paths))  # type: ignore[arg-type]
