"""Batched KZG opening verification (PROTOCOL.md section 5, step 5), pure Python.

Commitments C_k opened at z and C'_k opened at z2, with claimed evaluations, batched
with challenge v (per point) and u (across the two points), are accepted iff

    e(W_z + u W_z2, [tau]_2) = e(z W_z + u z2 W_z2 + Fc - E g1, [1]_2),
    Fc = sum_k v^k C_k + u sum_k v^k C'_k,  E = the same combination of evaluations,

checked as one product of two Miller loops and a single final exponentiation (split into
its Frobenius "easy part" and a ~760-bit "hard part"). The G1
linear combination (about 35 points) is one Pippenger MSM on plain integers in
Jacobian coordinates, which is far faster than py_ecc's field objects.

Points may be py_ecc optimized_bn128 G1 points (as :func:`decode_g1` returns) or
affine integer pairs (x, y) with (0, 0) the point at infinity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.fields import optimized_bn128_FQ12 as FQ12
from py_ecc.optimized_bn128 import Z1, b, is_inf, is_on_curve, pairing

from zkpor.verifier.field import Q, R
from zkpor.verifier.srs import VerifierKey

Affine = tuple[int, int] | None
Jac = tuple[int, int, int]
_INF: Jac = (1, 1, 0)


def _jac_double(p: Jac) -> Jac:
    x, y, z = p
    if z == 0 or y == 0:
        return _INF
    a = x * x % Q
    bb = y * y % Q
    c = bb * bb % Q
    d = 2 * ((x + bb) * (x + bb) - a - c) % Q
    e = 3 * a % Q
    x3 = (e * e - 2 * d) % Q
    return (x3, (e * (d - x3) - 8 * c) % Q, 2 * y * z % Q)


def _jac_add(p: Jac, q: Jac) -> Jac:
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == 0:
        return q
    if z2 == 0:
        return p
    z1z1 = z1 * z1 % Q
    z2z2 = z2 * z2 % Q
    u1 = x1 * z2z2 % Q
    u2 = x2 * z1z1 % Q
    s1 = y1 * z2 * z2z2 % Q
    s2 = y2 * z1 * z1z1 % Q
    h = (u2 - u1) % Q
    rr = (s2 - s1) % Q
    if h == 0:
        return _jac_double(p) if rr == 0 else _INF
    hh = h * h % Q
    hhh = h * hh % Q
    v = u1 * hh % Q
    x3 = (rr * rr - hhh - 2 * v) % Q
    y3 = (rr * (v - x3) - s1 * hhh) % Q
    return (x3, y3, z1 * z2 * h % Q)


def _jac_add_affine(p: Jac, x2: int, y2: int) -> Jac:
    x1, y1, z1 = p
    if z1 == 0:
        return (x2, y2, 1)
    z1z1 = z1 * z1 % Q
    u2 = x2 * z1z1 % Q
    s2 = y2 * z1 * z1z1 % Q
    h = (u2 - x1) % Q
    rr = (s2 - y1) % Q
    if h == 0:
        return _jac_double(p) if rr == 0 else _INF
    hh = h * h % Q
    hhh = h * hh % Q
    v = x1 * hh % Q
    x3 = (rr * rr - hhh - 2 * v) % Q
    y3 = (rr * (v - x3) - y1 * hhh) % Q
    return (x3, y3, z1 * h % Q)


def _to_affine(p: Jac) -> Affine:
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, -1, Q)
    zi2 = zi * zi % Q
    return (x * zi2 % Q, y * zi2 * zi % Q)


def msm(points: Sequence[Affine], scalars: Sequence[int]) -> Affine:
    """sum_i scalars[i] * points[i] (Pippenger, unsigned windows); None is infinity."""
    pairs = [(p, s % R) for p, s in zip(points, scalars, strict=True) if p is not None and s % R]
    if not pairs:
        return None
    c = 3 if len(pairs) < 8 else 4 if len(pairs) < 48 else 5
    mask = (1 << c) - 1
    acc = _INF
    for w in range((R.bit_length() + c - 1) // c - 1, -1, -1):
        for _ in range(c):
            acc = _jac_double(acc)
        buckets: list[Jac] = [_INF] * mask
        shift = w * c
        for (x, y), s in pairs:
            d = (s >> shift) & mask
            if d:
                buckets[d - 1] = _jac_add_affine(buckets[d - 1], x, y)
        running, window = _INF, _INF
        for bucket in reversed(buckets):
            running = _jac_add(running, bucket)
            window = _jac_add(window, running)
        acc = _jac_add(acc, window)
    return _to_affine(acc)


def as_affine(p: object) -> Affine:
    """An input G1 point as affine integers (None for infinity), checked on the curve."""
    if isinstance(p, tuple) and len(p) == 2 and all(isinstance(c, int) for c in p):
        x, y = p
        if x == 0 and y == 0:
            return None
        if not (0 <= x < Q and 0 <= y < Q) or (y * y - x * x * x - 3) % Q:
            raise ValueError("G1 point is not on the curve")
        return (x, y)
    if isinstance(p, tuple) and len(p) == 3 and all(isinstance(c, FQ) for c in p):
        if is_inf(p):
            return None
        if not is_on_curve(p, b):
            raise ValueError("G1 point is not on the curve")
        zi = pow(int(p[2]), -1, Q)
        return (int(p[0]) * zi % Q, int(p[1]) * zi % Q)
    raise ValueError("G1 point must be a py_ecc point or an (x, y) integer pair")


# -- final exponentiation ------------------------------------------------------------------
# py_ecc's final_exponentiate raises to (q^12 - 1)/r directly (~3000-bit exponent). Split
# as (q^6 - 1)(q^2 + 1) * (q^4 - q^2 + 1)/r: the first two factors are Frobenius maps,
# the hard part has ~760 bits. py_ecc's FQ12 is F_q[w]/(w^12 - 18 w^6 + 82), so
# w^6 = 9 + i and (sum c_j w^j)^(q^k) = sum c_j (w * (9 + i)^((q^k - 1)/6))^j.
_HARD_EXP = (Q**4 - Q**2 + 1) // R
_FROB2: list[FQ12] = []


def _frobenius_table(k: int) -> list[FQ12]:
    """[(w^(q^k))^j for j < 12] as FQ12 elements."""
    g = FQ2([9, 1]) ** ((Q**k - 1) // 6)
    a, c = (int(x) for x in g.coeffs)
    wq = FQ12([0, 1] + [0] * 10) * FQ12([(a - 9 * c) % Q, 0, 0, 0, 0, 0, c] + [0] * 5)
    out = [FQ12.one()]
    for _ in range(11):
        out.append(out[-1] * wq)
    return out


def _frobenius2(f: FQ12) -> FQ12:
    if not _FROB2:
        _FROB2.extend(_frobenius_table(2))
    acc = FQ12.zero()
    for c, p in zip(f.coeffs, _FROB2, strict=True):
        if int(c):
            acc = acc + p * int(c)
    return acc


def final_exponentiation(f: FQ12) -> FQ12:
    """f^((q^12 - 1)/r), equal to py_ecc's final_exponentiate, about 3.5 times faster."""
    conj = FQ12([c if j % 2 == 0 else -c for j, c in enumerate(f.coeffs)])  # f^(q^6)
    f1 = conj / f
    return (_frobenius2(f1) * f1) ** _HARD_EXP


def _py_ecc(p: Affine) -> tuple:
    return Z1 if p is None else (FQ(p[0]), FQ(p[1]), FQ.one())


def _scalar(x: object, what: str) -> int:
    if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < R:
        raise ValueError(f"{what} is not a field element below r")
    return x


Terms = tuple[Affine, Affine]
"""(A, B) of one batched opening check e(A, [tau]_2) = e(B, [1]_2)."""


def opening_terms(
    vk: VerifierKey,
    z: int,
    commitments_z: Sequence[object],
    evals_z: Sequence[int],
    W_z: object,
    z2: int,
    commitments_z2: Sequence[object],
    evals_z2: Sequence[int],
    W_z2: object,
    v: int,
    u: int,
) -> Terms:
    """The two G1 points of the batched check (see the module doc), pairing not yet done.

    Raises ValueError on malformed input (a point off the curve, a scalar not below r,
    mismatched list lengths). For a single opening point pass empty lists for z2 and
    W_z2 = (0, 0).
    """
    if len(commitments_z) != len(evals_z) or len(commitments_z2) != len(evals_z2):
        raise ValueError("each commitment needs exactly one claimed evaluation")
    for name, x in (("z", z), ("z2", z2), ("v", v), ("u", u)):
        _scalar(x, name)
    evals = [_scalar(e, "evaluation") for e in (*evals_z, *evals_z2)]
    wz, wz2 = as_affine(W_z), as_affine(W_z2)
    comms = [as_affine(c) for c in (*commitments_z, *commitments_z2)]
    coeffs: list[int] = []
    for k in range(len(commitments_z)):
        coeffs.append(pow(v, k, R))
    for k in range(len(commitments_z2)):
        coeffs.append(u * pow(v, k, R) % R)
    e_total = sum(c * e for c, e in zip(coeffs, evals, strict=True)) % R
    g1 = as_affine(vk.g1)
    rhs = msm([wz, wz2, *comms, g1], [z, u * z2 % R, *coeffs, (R - e_total) % R])
    lhs = msm([wz, wz2], [1, u])
    return lhs, rhs


def pairings_hold(vk: VerifierKey, terms: Sequence[Terms], weights: Sequence[int]) -> bool:
    """Whether e(sum w_i A_i, [tau]_2) * e(-sum w_i B_i, [1]_2) = 1: one product of two
    Miller loops and one final exponentiation for any number of checks (PROTOCOL.md
    section 9: with weights drawn by the verifier after the proofs, all checks hold
    unless with probability at most 2^-128)."""
    if len(terms) != len(weights) or not terms:
        raise ValueError("one weight per check, at least one check")
    lhs = msm([a for a, _ in terms], weights)
    rhs = msm([b for _, b in terms], weights)
    rhs_neg = None if rhs is None else (rhs[0], (Q - rhs[1]) % Q)
    f = pairing(vk.tau_g2, _py_ecc(lhs), final_exponentiate=False) * pairing(
        vk.g2, _py_ecc(rhs_neg), final_exponentiate=False
    )
    return final_exponentiation(f) == FQ12.one()


def verify_openings(vk: VerifierKey, *args: Any, **kwargs: Any) -> bool:
    """Check two batched KZG openings (arguments of :func:`opening_terms`) with one pairing
    equation; False if it fails."""
    return pairings_hold(vk, [opening_terms(vk, *args, **kwargs)], [1])


__all__ = [
    "as_affine",
    "final_exponentiation",
    "msm",
    "opening_terms",
    "pairings_hold",
    "verify_openings",
]
