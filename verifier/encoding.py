"""Canonical byte encodings of G1/G2 points and scalars (PROTOCOL.md section 2).

G1 points are 64 bytes, x || y big-endian (the EVM precompile layout), the point at
infinity is 64 zero bytes. Scalars are 32 bytes big-endian and must be < r.
Decoding rejects anything non-canonical with :class:`EncodingError`.
"""

from __future__ import annotations

from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.optimized_bn128 import Z1, Z2, b2, is_inf, normalize

from zkpor.verifier.field import Q, R

G1_BYTES = 64
G2_BYTES = 128
SCALAR_BYTES = 32

# py_ecc optimized points are Jacobian-style triples (x, y, z).
G1Point = tuple
G2Point = tuple


class EncodingError(ValueError):
    """A byte string is not a canonical encoding of the expected object."""


def encode_scalar(x: int) -> bytes:
    if not 0 <= x < R:
        raise EncodingError(f"scalar {x} is not reduced modulo r")
    return x.to_bytes(SCALAR_BYTES, "big")


def decode_scalar(data: bytes) -> int:
    if len(data) != SCALAR_BYTES:
        raise EncodingError(f"a scalar takes {SCALAR_BYTES} bytes, got {len(data)}")
    x = int.from_bytes(data, "big")
    if x >= R:
        raise EncodingError("scalar is not below the field modulus r")
    return x


def g1_from_affine(x: int, y: int) -> G1Point:
    """A py_ecc optimized G1 point from affine integers; (0, 0) means infinity."""
    if x == 0 and y == 0:
        return Z1
    if not (0 <= x < Q and 0 <= y < Q):
        raise EncodingError("G1 coordinate is not below the base field modulus")
    if (y * y - x * x * x - 3) % Q != 0:
        raise EncodingError("G1 point is not on the curve y^2 = x^3 + 3")
    return (FQ(x), FQ(y), FQ.one())


def g1_to_affine(p: G1Point) -> tuple[int, int]:
    """Affine integer coordinates of a py_ecc optimized G1 point; infinity is (0, 0)."""
    if is_inf(p):
        return (0, 0)
    x, y = normalize(p)
    return (int(x), int(y))


def encode_g1(p: G1Point) -> bytes:
    x, y = g1_to_affine(p)
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def decode_g1(data: bytes) -> G1Point:
    """Decode 64 bytes x || y; the curve has prime order, so on-curve means in G1."""
    if len(data) != G1_BYTES:
        raise EncodingError(f"a G1 point takes {G1_BYTES} bytes, got {len(data)}")
    return g1_from_affine(int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big"))


def g2_from_affine(x: tuple[int, int], y: tuple[int, int]) -> G2Point:
    """A py_ecc optimized G2 point from affine F_q2 coordinates (c0, c1); zeros mean infinity."""
    if x == (0, 0) and y == (0, 0):
        return Z2
    for c in (*x, *y):
        if not 0 <= c < Q:
            raise EncodingError("G2 coordinate is not below the base field modulus")
    px, py = FQ2(list(x)), FQ2(list(y))
    if py * py - px * px * px != b2:
        raise EncodingError("G2 point is not on the twist curve")
    return (px, py, FQ2.one())


def g2_to_affine(p: G2Point) -> tuple[tuple[int, int], tuple[int, int]]:
    if is_inf(p):
        return ((0, 0), (0, 0))
    x, y = normalize(p)
    return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


def encode_g2(p: G2Point) -> bytes:
    """128 bytes: x.c1 || x.c0 || y.c1 || y.c0 big-endian (the EVM precompile order)."""
    (x0, x1), (y0, y1) = g2_to_affine(p)
    return b"".join(c.to_bytes(32, "big") for c in (x1, x0, y1, y0))


def decode_g2(data: bytes) -> G2Point:
    """Decode a G2 point and check it is on the twist; subgroup membership is the caller's."""
    if len(data) != G2_BYTES:
        raise EncodingError(f"a G2 point takes {G2_BYTES} bytes, got {len(data)}")
    x1, x0, y1, y0 = (int.from_bytes(data[i : i + 32], "big") for i in range(0, 128, 32))
    return g2_from_affine((x0, x1), (y0, y1))


__all__ = [
    "EncodingError",
    "G1_BYTES",
    "G2_BYTES",
    "SCALAR_BYTES",
    "decode_g1",
    "decode_g2",
    "decode_scalar",
    "encode_g1",
    "encode_g2",
    "encode_scalar",
    "g1_from_affine",
    "g1_to_affine",
    "g2_from_affine",
    "g2_to_affine",
]
