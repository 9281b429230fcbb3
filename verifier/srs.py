"""The verifier's view of the SRS: ``vk.json`` (pure Python, py_ecc and hashlib only).

``vk.json`` holds the SRS size, where it came from, whether it is insecure (a
development SRS from a known tau), the three points the verifier uses ([1]_1, [1]_2,
[tau]_2), the SHA-256 ``g1_digest`` of all prover-side G1 points, and ``digest``::

    digest = SHA256(b"zkpor-srs-v1" || log_n (4 bytes BE) || g1_digest || enc(g1)
                    || enc(g2) || enc(tau_g2) || insecure (1 byte))

Proofs name ``digest``; :func:`load_vk` recomputes it and checks every point.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from py_ecc.optimized_bn128 import G1, G2, is_inf, multiply
from py_ecc.optimized_bn128 import eq as point_eq

from zkpor.verifier.encoding import EncodingError, decode_g1, decode_g2, encode_g1, encode_g2
from zkpor.verifier.errors import MalformedInput
from zkpor.verifier.field import TWO_ADICITY, R
from zkpor.verifier.jsonio import VK_MAX_BYTES, read_bytes
from zkpor.verifier.jsonio import loads as json_loads

VK_VERSION = 1
VK_FILE = "vk.json"
DIGEST_TAG = b"zkpor-srs-v1"


class SrsError(ValueError):
    """A verifier key is malformed or inconsistent."""


class VkFileError(SrsError, MalformedInput):
    """vk.json cannot be read or is not bounded, valid JSON: unusable input (exit 2)."""


@dataclass(frozen=True)
class VerifierKey:
    """What the verifier needs of the SRS; points are py_ecc optimized_bn128 points."""

    log_n: int
    n: int
    g1: tuple
    g2: tuple
    tau_g2: tuple
    digest: bytes
    insecure: bool
    source: str
    g1_digest: bytes = b""

    @property
    def digest_hex(self) -> str:
        return self.digest.hex()


def compute_digest(
    log_n: int, g1_digest: bytes, g1: bytes, g2: bytes, tau_g2: bytes, insecure: bool
) -> bytes:
    """The SRS digest from its parts (encoded points, raw 32-byte g1_digest)."""
    if len(g1_digest) != 32 or len(g1) != 64 or len(g2) != 128 or len(tau_g2) != 128:
        raise SrsError("SRS digest inputs have the wrong lengths")
    return hashlib.sha256(
        DIGEST_TAG
        + log_n.to_bytes(4, "big")
        + g1_digest
        + g1
        + g2
        + tau_g2
        + (b"\x01" if insecure else b"\x00")
    ).digest()


def g2_in_subgroup(p: tuple) -> bool:
    """Whether a G2 point on the twist lies in the order-r subgroup."""
    return is_inf(multiply(p, R))


def vk_dict(
    log_n: int,
    source: str,
    insecure: bool,
    g1: bytes,
    g2: bytes,
    tau_g2: bytes,
    g1_digest: bytes,
) -> dict[str, Any]:
    """The JSON object of ``vk.json`` for the given encoded parts (digest filled in)."""
    digest = compute_digest(log_n, g1_digest, g1, g2, tau_g2, insecure)
    return {
        "version": VK_VERSION,
        "log_n": log_n,
        "n": 1 << log_n,
        "source": source,
        "insecure": insecure,
        "g1": g1.hex(),
        "g2": g2.hex(),
        "tau_g2": tau_g2.hex(),
        "g1_digest": g1_digest.hex(),
        "digest": digest.hex(),
    }


def _hex(obj: dict[str, Any], key: str, size: int) -> bytes:
    val = obj.get(key)
    if not isinstance(val, str):
        raise SrsError(f"vk.json: '{key}' must be a hex string")
    try:
        data = bytes.fromhex(val)
    except ValueError:
        raise SrsError(f"vk.json: '{key}' is not valid hex") from None
    if len(data) != size:
        raise SrsError(f"vk.json: '{key}' must be {size} bytes, got {len(data)}")
    return data


def parse_vk(obj: Any) -> VerifierKey:
    """Check a decoded ``vk.json`` object and build the :class:`VerifierKey`."""
    if not isinstance(obj, dict):
        raise SrsError("vk.json: expected a JSON object")
    version = obj.get("version")
    if type(version) is not int or version != VK_VERSION:
        raise SrsError(f"vk.json: unsupported version {version!r}")
    log_n, n = obj.get("log_n"), obj.get("n")
    if type(log_n) is not int or not 1 <= log_n <= TWO_ADICITY:
        raise SrsError(f"vk.json: bad log_n {log_n!r}")
    if type(n) is not int or n != 1 << log_n:
        raise SrsError(f"vk.json: n {n!r} is not 2^log_n")
    insecure = obj.get("insecure")
    if not isinstance(insecure, bool):
        raise SrsError("vk.json: 'insecure' must be true or false")
    source = obj.get("source")
    if not isinstance(source, str):
        raise SrsError("vk.json: 'source' must be a string")
    g1b, g2b, tg2b = _hex(obj, "g1", 64), _hex(obj, "g2", 128), _hex(obj, "tau_g2", 128)
    g1_digest, digest = _hex(obj, "g1_digest", 32), _hex(obj, "digest", 32)
    try:
        g1, g2, tau_g2 = decode_g1(g1b), decode_g2(g2b), decode_g2(tg2b)
    except EncodingError as exc:
        raise SrsError(f"vk.json: {exc}") from None
    if not point_eq(g1, G1):
        raise SrsError("vk.json: g1 is not the BN254 G1 generator")
    if not point_eq(g2, G2):
        raise SrsError("vk.json: g2 is not the BN254 G2 generator")
    if is_inf(tau_g2) or not g2_in_subgroup(tau_g2):
        raise SrsError("vk.json: tau_g2 is not a non-zero point of the G2 subgroup")
    if compute_digest(log_n, g1_digest, g1b, g2b, tg2b, insecure) != digest:
        raise SrsError("vk.json: digest does not match its contents")
    return VerifierKey(log_n, n, g1, g2, tau_g2, digest, insecure, source, g1_digest)


def vk_file(path: str | Path) -> Path:
    """The key file itself: ``path``, or ``path/vk.json`` when ``path`` is a directory."""
    p = Path(path)
    return p / VK_FILE if p.is_dir() else p


def load_vk(path: str | Path) -> VerifierKey:
    """Load and check ``vk.json`` (``path`` is the file or the SRS directory).

    A file that cannot be read or parsed raises :class:`VkFileError`; a parsed key that
    is wrong raises :class:`SrsError`.
    """
    p = vk_file(path)
    try:
        data = read_bytes(p, VK_MAX_BYTES)
    except MalformedInput as exc:
        raise VkFileError(f"verifier key {exc}") from None
    return loads_vk(data, str(p))


def loads_vk(data: bytes, name: str = VK_FILE) -> VerifierKey:
    """Parse and check the bytes of a ``vk.json`` (``name`` labels errors)."""
    try:
        obj = json_loads(data, name, VK_MAX_BYTES)
    except MalformedInput as exc:
        raise VkFileError(f"verifier key {exc}") from None
    return parse_vk(obj)


def encode_vk_points(vk: VerifierKey) -> tuple[bytes, bytes, bytes]:
    """The canonical encodings of (g1, g2, tau_g2)."""
    return encode_g1(vk.g1), encode_g2(vk.g2), encode_g2(vk.tau_g2)


__all__ = [
    "DIGEST_TAG",
    "SrsError",
    "VK_FILE",
    "VK_VERSION",
    "VerifierKey",
    "VkFileError",
    "compute_digest",
    "encode_vk_points",
    "g2_in_subgroup",
    "load_vk",
    "loads_vk",
    "parse_vk",
    "vk_dict",
    "vk_file",
]
