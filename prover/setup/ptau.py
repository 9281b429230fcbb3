"""Reader for snarkjs BN254 powers-of-tau files (``.ptau``).

Layout (all integers little-endian): magic ``b"ptau"``, version (u32), section count
(u32), then sections, each ``id (u32) || size (u64) || data``. Section 1 (header):
``n8 (u32) || q (n8 bytes) || power (u32) || ceremonyPower (u32)``. Section 2 holds
2^(power+1) - 1 G1 points [tau^i]_1, section 3 holds 2^power G2 points [tau^i]_2,
and section 12 (written by ``snarkjs powersoftau prepare phase2``) holds [L_i(tau)]_1
for the domains of size 2^0, 2^1, ..., 2^(power+1) one after another, each in natural
order of omega^i with omega = 5^((r-1)/2^k) (checked against the fixture). The last
block (2^(power+1)) cannot be right, as tauG1 has only 2^(power+1) - 1 powers; only
blocks up to 2^power are used. Coordinates are n8-byte little-endian
integers in Montgomery form (R = 2^256); G1 is x || y, G2 is x.c0 || x.c1 || y.c0 || y.c1.

A G1 point of the file is therefore bit-for-bit the project's (2, 4) uint64 Montgomery
layout, so the arrays returned here are zero-copy memory-mapped views.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zkpor.verifier.field import Q

MAGIC = b"ptau"
SECTION_HEADER = 1
SECTION_TAU_G1 = 2
SECTION_TAU_G2 = 3
SECTION_LAGRANGE_G1 = 12
N8 = 32
G1_SIZE = 2 * N8
G2_SIZE = 4 * N8
_MONT_INV = pow(1 << 256, -1, Q)
_Q_LIMBS = np.array([(Q >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(4)], dtype=np.uint64)


class PtauError(ValueError):
    """The file is not a well-formed BN254 snarkjs powers-of-tau file."""


@dataclass(frozen=True)
class PtauHeader:
    """Section 1 of a ``.ptau`` file."""

    n8: int
    q: int
    power: int
    ceremony_power: int


class PtauFile:
    """A parsed ``.ptau`` file: header, section table and memory-mapped point views."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as exc:
            raise PtauError(f"cannot read {self.path}: {exc}") from None
        self.sections = self._section_table()
        self.header = self._parse_header()

    # -- structure -----------------------------------------------------------------
    def _section_table(self) -> dict[int, tuple[int, int]]:
        buf = self._buf
        if len(buf) < 12 or bytes(buf[:4]) != MAGIC:
            raise PtauError(f"{self.path.name} is not a .ptau file (bad magic)")
        version, n_sections = struct.unpack("<II", bytes(buf[4:12]))
        if version != 1:
            raise PtauError(f"unsupported .ptau version {version} (expected 1)")
        sections: dict[int, tuple[int, int]] = {}
        off = 12
        for _ in range(n_sections):
            if off + 12 > len(buf):
                raise PtauError("truncated .ptau file: section table runs past the end")
            sid, size = struct.unpack("<IQ", bytes(buf[off : off + 12]))
            off += 12
            if off + size > len(buf):
                raise PtauError(f"truncated .ptau file: section {sid} runs past the end")
            if sid in sections:
                raise PtauError(f"duplicate section {sid} in .ptau file")
            sections[sid] = (off, size)
            off += size
        if off != len(buf):
            raise PtauError("trailing bytes after the last .ptau section")
        for sid in (SECTION_HEADER, SECTION_TAU_G1, SECTION_TAU_G2):
            if sid not in sections:
                raise PtauError(f".ptau file has no section {sid}")
        return sections

    def _bytes(self, sid: int) -> bytes:
        off, size = self.sections[sid]
        return bytes(self._buf[off : off + size])

    def _parse_header(self) -> PtauHeader:
        data = self._bytes(SECTION_HEADER)
        if len(data) < 4:
            raise PtauError("malformed .ptau header section")
        (n8,) = struct.unpack("<I", data[:4])
        if len(data) != 4 + n8 + 8:
            raise PtauError("malformed .ptau header section (size does not match n8)")
        q = int.from_bytes(data[4 : 4 + n8], "little")
        power, ceremony_power = struct.unpack("<II", data[4 + n8 :])
        if n8 != N8 or q != Q:
            raise PtauError(f"not a BN254 file: header prime is {q:#x} ({n8} bytes)")
        if not 1 <= power <= 28:
            raise PtauError(f"bad power {power} in .ptau header")
        hdr = PtauHeader(n8, q, power, ceremony_power)
        expect = {
            SECTION_TAU_G1: ((1 << (power + 1)) - 1) * G1_SIZE,
            SECTION_TAU_G2: (1 << power) * G2_SIZE,
        }
        if SECTION_LAGRANGE_G1 in self.sections:
            size = self.sections[SECTION_LAGRANGE_G1][1]
            # snarkjs writes blocks 2^0 .. 2^(power+1); accept files that stop at 2^power.
            if size not in {((1 << (power + k)) - 1) * G1_SIZE for k in (1, 2)}:
                raise PtauError(f"section 12 has {size} bytes: not Lagrange points for 2^{power}")
        for sid, size in expect.items():
            if self.sections[sid][1] != size:
                raise PtauError(
                    f"section {sid} has {self.sections[sid][1]} bytes, "
                    f"expected {size} for power {power}"
                )
        return hdr

    # -- points --------------------------------------------------------------------
    def _g1_view(self, sid: int, start: int, count: int) -> np.ndarray:
        off, _ = self.sections[sid]
        a = off + start * G1_SIZE
        raw = self._buf[a : a + count * G1_SIZE]
        # The section offset need not be 8-byte aligned; copy into an aligned array.
        return np.frombuffer(raw.tobytes(), dtype="<u8").reshape(count, 2, 4)

    def tau_g1(self, count: int) -> np.ndarray:
        """The first ``count`` points [tau^i]_1 as a (count, 2, 4) uint64 Montgomery array."""
        avail = (1 << (self.header.power + 1)) - 1
        if count > avail:
            raise PtauError(f"file has {avail} tauG1 points, {count} needed")
        return self._g1_view(SECTION_TAU_G1, 0, count)

    def has_lagrange(self, log_n: int) -> bool:
        """Whether section 12 holds the Lagrange points of the domain of size 2^log_n."""
        return SECTION_LAGRANGE_G1 in self.sections and log_n <= self.header.power

    def lagrange_g1(self, log_n: int) -> np.ndarray:
        """[L_i(tau)]_1 for i < 2^log_n (natural order) as a (2^log_n, 2, 4) array."""
        if not self.has_lagrange(log_n):
            raise PtauError(f"file has no Lagrange points for 2^{log_n}")
        n = 1 << log_n
        return self._g1_view(SECTION_LAGRANGE_G1, n - 1, n)

    def tau_g2(self, count: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """The first ``count`` points [tau^i]_2 as standard-form ((x0, x1), (y0, y1)) ints."""
        if count > 1 << self.header.power:
            raise PtauError(f"file has {1 << self.header.power} tauG2 points, {count} needed")
        off, _ = self.sections[SECTION_TAU_G2]
        raw = bytes(self._buf[off : off + count * G2_SIZE])
        out = []
        for k in range(count):
            c = [
                int.from_bytes(raw[k * G2_SIZE + j * N8 : k * G2_SIZE + (j + 1) * N8], "little")
                for j in range(4)
            ]
            if any(v >= Q for v in c):
                raise PtauError(f"tauG2[{k}] has a coordinate not below q")
            x0, x1, y0, y1 = (v * _MONT_INV % Q for v in c)
            out.append(((x0, x1), (y0, y1)))
        return out


def limbs_below_q(arr: np.ndarray) -> bool:
    """Whether every 4-limb little-endian coordinate in ``arr`` (..., 4) is < q."""
    a = arr.reshape(-1, 4)
    below = np.zeros(len(a), dtype=bool)
    undecided = np.ones(len(a), dtype=bool)
    for i in (3, 2, 1, 0):
        lt = a[:, i] < _Q_LIMBS[i]
        gt = a[:, i] > _Q_LIMBS[i]
        below |= undecided & lt
        undecided &= ~(lt | gt)
    return bool(below.all())


__all__ = ["PtauError", "PtauFile", "PtauHeader", "limbs_below_q"]
