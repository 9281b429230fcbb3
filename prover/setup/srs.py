"""The prover's SRS directory: import from a snarkjs ``.ptau``, development SRS, load, checks.

Directory layout (``SRS_DIR``)::

    vk.json        the verifier key (verifier/srs.py): log_n, n, source, insecure,
                   g1, g2, tau_g2, g1_digest, digest; usable on its own next to a proof
    monomial.npy   [tau^i]_1 for 0 <= i <= N+2, (N+3, 2, 4) uint64 Montgomery Fq
    lagrange.npy   [L_i(tau)]_1 for 0 <= i < N, (N, 2, 4) uint64 Montgomery Fq

``g1_digest`` is SHA-256 over the 64-byte encodings of all monomial then all Lagrange
points. Every output is built in a temporary directory beside the target and renamed
into place at the end, so a failed import leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from py_ecc.optimized_bn128 import G1, G2, is_inf, multiply
from py_ecc.optimized_bn128 import eq as point_eq

from zkpor.prover.atomic import atomic_dir
from zkpor.prover.setup.ptau import PtauError, PtauFile, limbs_below_q
from zkpor.verifier.encoding import encode_g1, encode_g2, g2_from_affine
from zkpor.verifier.field import R, root_of_unity
from zkpor.verifier.srs import (
    VK_FILE,
    SrsError,
    VerifierKey,
    g2_in_subgroup,
    load_vk,
    parse_vk,
    vk_dict,
)

MONOMIAL_FILE = "monomial.npy"
LAGRANGE_FILE = "lagrange.npy"
EXTRA_POWERS = 3  # [tau^i]_1 for i <= N+2: blinding up to degree 2 times Z_H
MIN_LOG_N = 2
MAX_LOG_N = 28
DEV_TAG = b"zkpor-dev-srs-v1"

Log = Callable[[str], None]


class SetupError(ValueError):
    """The trusted-setup input or an SRS directory failed a check (one-line message)."""


def _quiet(_msg: str) -> None:
    pass


# -- helpers ------------------------------------------------------------------------
def ints_to_limbs(values: list[int]) -> np.ndarray:
    """Standard-form (not Montgomery) little-endian uint64 limbs (n, 4) of ints < 2^256."""
    data = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(data, dtype="<u8").reshape(len(values), 4).copy()


def random_small_scalars(n: int, bits: int = 128) -> tuple[np.ndarray, list[int]]:
    """n random ``bits``-bit scalars as standard limbs and as ints (check coefficients)."""
    vals = [secrets.randbits(bits) for _ in range(n)]
    return ints_to_limbs(vals), vals


def _g1_generator_array() -> np.ndarray:
    from zkpor.prover.arith.g1 import g1_from_affine_ints

    return np.asarray(g1_from_affine_ints([(1, 2)]), dtype=np.uint64).reshape(2, 4)


def g1_digest(monomial: np.ndarray, lagrange: np.ndarray) -> bytes:
    """SHA-256 over the 64-byte encodings of all monomial points, then all Lagrange points."""
    from zkpor.prover.arith.g1 import g1_to_bytes

    h = hashlib.sha256()
    for arr in (monomial, lagrange):
        for a in range(0, len(arr), 1 << 16):
            h.update(g1_to_bytes(np.ascontiguousarray(arr[a : a + (1 << 16)])))
    return h.digest()


def _msm_point(points: np.ndarray, scalars_standard: np.ndarray) -> tuple[int, int]:
    from zkpor.prover.arith.msm import msm

    x, y = msm(np.ascontiguousarray(points), np.ascontiguousarray(scalars_standard))
    return (int(x), int(y))


def _py_g1(p: tuple[int, int]) -> tuple:
    from zkpor.verifier.encoding import g1_from_affine

    return g1_from_affine(*p)


# -- checks -------------------------------------------------------------------------
def check_srs(
    monomial: np.ndarray,
    lagrange: np.ndarray,
    g2: tuple,
    tau_g2: tuple,
    log: Log = _quiet,
) -> None:
    """Check the SRS by random linear combinations; raise :class:`SetupError` on failure.

    Checks: coordinates reduced and every G1 point on the curve (vectorised), G2 points
    in the subgroup with [1]_2 the generator, [tau^0]_1 the generator, consecutive
    powers (one pairing product), Lagrange points equal to the interpolation of the
    monomial points (two MSMs and an inverse NTT).
    """
    from py_ecc.fields import optimized_bn128_FQ12 as FQ12
    from py_ecc.optimized_bn128 import neg, pairing

    from zkpor.prover.arith.field import fr_from_ints, fr_to_standard
    from zkpor.prover.arith.g1 import g1_on_curve
    from zkpor.prover.arith.ntt import intt
    from zkpor.verifier.kzg import final_exponentiation

    n = len(lagrange)
    if n < 1 or n & (n - 1) or len(monomial) != n + EXTRA_POWERS:
        raise SetupError(f"SRS arrays have sizes {len(monomial)} and {n}: inconsistent")
    for name, arr in (("tauG1", monomial), ("Lagrange", lagrange)):
        if arr.dtype != np.uint64 or arr.shape[1:] != (2, 4):
            raise SetupError(f"{name} points have the wrong array layout")
        if not limbs_below_q(arr):
            raise SetupError(f"check failed: a {name} coordinate is not reduced mod q")
        ok = np.asarray(g1_on_curve(np.ascontiguousarray(arr)), dtype=bool)
        if not ok.all():
            i = int(np.argmin(ok))
            raise SetupError(f"check failed: {name} point {i} is not on the curve")
    log("G1 points on the curve")
    if not np.array_equal(np.asarray(monomial[0]), _g1_generator_array()):
        raise SetupError("check failed: tauG1[0] is not the G1 generator")
    if not point_eq(g2, G2):
        raise SetupError("check failed: tauG2[0] is not the G2 generator")
    if is_inf(tau_g2) or not g2_in_subgroup(tau_g2):
        raise SetupError("check failed: tauG2[1] is not a non-zero point of the G2 subgroup")
    log("G2 points in the subgroup")

    m = n + EXTRA_POWERS - 1
    c_std, _ = random_small_scalars(m)
    hi = _msm_point(monomial[1:], c_std)
    lo = _msm_point(monomial[:-1], c_std)
    f = pairing(G2, _py_g1(hi), final_exponentiate=False) * pairing(
        tau_g2, neg(_py_g1(lo)), final_exponentiate=False
    )
    if final_exponentiation(f) != FQ12.one():
        raise SetupError("check failed: tauG1 points are not consecutive powers of tau in tauG2")
    log("consecutive powers consistent")

    c_std, c_ints = random_small_scalars(n)
    lhs = _msm_point(lagrange, c_std)
    coeffs = fr_to_standard(intt(fr_from_ints(c_ints)))
    rhs = _msm_point(monomial[:n], coeffs)
    if lhs != rhs:
        raise SetupError("check failed: Lagrange points disagree with the tauG1 powers")
    log("Lagrange points agree with the powers")


# -- writing ------------------------------------------------------------------------
def _staging_dir(out: Path, force: bool) -> AbstractContextManager[Path]:
    """A staging folder that replaces ``out`` on success (refuses an existing ``out``)."""
    if out.exists() and not force:
        raise SetupError(f"output {out.resolve()} already exists (use --force to replace it)")
    return atomic_dir(out)


def write_srs(
    out: str | Path,
    log_n: int,
    monomial: np.ndarray,
    lagrange: np.ndarray,
    g2: tuple,
    tau_g2: tuple,
    source: str,
    insecure: bool,
    force: bool = False,
) -> VerifierKey:
    """Write an SRS directory atomically and return its verifier key."""
    with _staging_dir(Path(out), force) as tmp:
        np.save(tmp / MONOMIAL_FILE, np.ascontiguousarray(monomial, dtype=np.uint64))
        np.save(tmp / LAGRANGE_FILE, np.ascontiguousarray(lagrange, dtype=np.uint64))
        obj = vk_dict(
            log_n,
            source,
            insecure,
            encode_g1(G1),
            encode_g2(g2),
            encode_g2(tau_g2),
            g1_digest(monomial, lagrange),
        )
        (tmp / VK_FILE).write_text(json.dumps(obj, indent=2) + "\n")
        vk = parse_vk(obj)
    return vk


def _check_args(log_n: int, out: str | Path, force: bool) -> None:
    if not MIN_LOG_N <= log_n <= MAX_LOG_N:
        raise SetupError(f"--log-n must be between {MIN_LOG_N} and {MAX_LOG_N}, got {log_n}")
    if Path(out).exists() and not force:
        raise SetupError(f"output {Path(out).resolve()} already exists (use --force to replace it)")


# -- import ---------------------------------------------------------------------------
def derive_lagrange(monomial: np.ndarray, progress: bool = False) -> np.ndarray:
    """[L_i(tau)]_1 for i < N from [tau^j]_1 (j < N): a group inverse NTT over G1.

    L_i(tau) = (1/N) sum_j omega^(-ij) tau^j; decimation in frequency on the points,
    with twiddle multiplications by g1_scalar_mul_batch, then a bit-reversal.
    """
    from zkpor.prover.arith.g1 import g1_add_affine, g1_neg, g1_scalar_mul_batch

    n = len(monomial)
    log_n = n.bit_length() - 1
    w_inv = pow(root_of_unity(n), -1, R)
    a = np.array(monomial, dtype=np.uint64, copy=True)
    bar = _progress_bar(progress, "deriving Lagrange points", log_n + 1)
    with bar as p:
        task = p.add_task("deriving Lagrange points", total=log_n + 1)
        half = n // 2
        while half >= 1:
            # stage with blocks of size 2*half; twiddle w_inv^(j * n / (2*half))
            step = n // (2 * half)
            tw = ints_to_limbs([pow(w_inv, j * step, R) for j in range(half)])
            blocks = a.reshape(n // (2 * half), 2, half, 2, 4)
            top = np.ascontiguousarray(blocks[:, 0]).reshape(-1, 2, 4)
            bot = np.ascontiguousarray(blocks[:, 1]).reshape(-1, 2, 4)
            tw_all = np.tile(tw, (n // (2 * half), 1))
            s = g1_add_affine(top, bot)
            d = g1_scalar_mul_batch(g1_add_affine(top, g1_neg(bot)), tw_all)
            blocks[:, 0] = np.asarray(s).reshape(n // (2 * half), half, 2, 4)
            blocks[:, 1] = np.asarray(d).reshape(n // (2 * half), half, 2, 4)
            half //= 2
            p.advance(task)
        rev = _bit_reverse_indices(log_n)
        a = a[rev]
        n_inv = ints_to_limbs([pow(n, -1, R)] * n)
        a = np.asarray(g1_scalar_mul_batch(np.ascontiguousarray(a), n_inv), dtype=np.uint64)
        p.advance(task)
    return a


def _bit_reverse_indices(log_n: int) -> np.ndarray:
    n = 1 << log_n
    idx = np.arange(n, dtype=np.int64)
    rev = np.zeros(n, dtype=np.int64)
    for b in range(log_n):
        rev |= ((idx >> b) & 1) << (log_n - 1 - b)
    return rev


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *_a: object, **_k: object) -> int:
        return 0

    def advance(self, *_a: object) -> None:
        return None


def _progress_bar(enabled: bool, _desc: str, _total: int):  # noqa: ANN202
    if not enabled:
        return _NoBar()
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())


def import_ptau(
    ptau: str | Path,
    log_n: int,
    out: str | Path,
    force: bool = False,
    progress: bool = False,
    log: Log = _quiet,
) -> VerifierKey:
    """Import the SRS for N = 2^log_n from a snarkjs ``.ptau``; check it; write ``out``."""
    _check_args(log_n, out, force)
    n = 1 << log_n
    try:
        pf = PtauFile(ptau)
        if pf.header.power < log_n:
            raise SetupError(
                f"{Path(ptau).name} has power {pf.header.power}, too small for --log-n {log_n}"
            )
        monomial = pf.tau_g1(n + EXTRA_POWERS)
        (g2x, g2y), (tx, ty) = pf.tau_g2(2)
        lagrange = pf.lagrange_g1(log_n) if pf.has_lagrange(log_n) else None
    except PtauError as exc:
        raise SetupError(str(exc)) from None
    try:
        g2 = g2_from_affine(g2x, g2y)
        tau_g2 = g2_from_affine(tx, ty)
    except ValueError as exc:
        raise SetupError(f"check failed: tauG2: {exc}") from None
    if lagrange is None:
        log(f"no Lagrange section for 2^{log_n} in the file: deriving it from the powers")
        from zkpor.prover.arith.g1 import g1_on_curve

        if not np.asarray(g1_on_curve(np.ascontiguousarray(monomial)), dtype=bool).all():
            raise SetupError("check failed: a tauG1 point is not on the curve")
        lagrange = derive_lagrange(monomial[:n], progress=progress)
    check_srs(monomial, lagrange, g2, tau_g2, log=log)
    source = f"ptau:{Path(ptau).name}:power={pf.header.power}"
    return write_srs(out, log_n, monomial, lagrange, g2, tau_g2, source, False, force)


# -- development SRS --------------------------------------------------------------------
def dev_tau(seed: str) -> int:
    """The known (insecure) tau of a development SRS: a hash of the seed, mod r."""
    x = DEV_TAG + seed.encode()
    t = int.from_bytes(hashlib.sha256(x + b"\x00").digest() + hashlib.sha256(x + b"\x01").digest())
    return t % R


def lagrange_at(tau: int, n: int) -> np.ndarray:
    """L_i(tau) = omega^i (tau^n - 1) / (n (tau - omega^i)) for i < n, Montgomery (n, 4)."""
    from zkpor.prover.arith.field import (
        fr_batch_inv,
        fr_from_int,
        fr_mul,
        fr_mul_int,
        fr_powers,
        fr_sub,
    )

    zh = (pow(tau, n, R) - 1) % R
    if zh == 0:
        raise SetupError("tau lies in the evaluation domain; choose another seed")
    w = fr_powers(root_of_unity(n), n)
    den = fr_mul_int(fr_sub(fr_from_int(tau), w), n)
    return fr_mul_int(fr_mul(w, fr_batch_inv(den)), zh)


FIXED_BASE_MIN = 1 << 13  # below this, building the window table costs more than it saves


def _generator_mul(scalars_standard: np.ndarray) -> np.ndarray:
    """scalars[i] * G1 for standard-form scalars: fixed-base tables for large batches."""
    from zkpor.prover.arith.g1 import g1_fixed_base_mul, g1_scalar_mul_batch

    base = _g1_generator_array()
    if len(scalars_standard) >= FIXED_BASE_MIN:
        return np.asarray(g1_fixed_base_mul(base, scalars_standard), dtype=np.uint64)
    bases = np.ascontiguousarray(np.broadcast_to(base, (len(scalars_standard), 2, 4)))
    return np.asarray(g1_scalar_mul_batch(bases, scalars_standard), dtype=np.uint64)


def dev_srs(log_n: int, out: str | Path, seed: str = "0", force: bool = False) -> VerifierKey:
    """Write an INSECURE development SRS from tau = dev_tau(seed) (fixed-base tables)."""
    from zkpor.prover.arith.field import fr_powers, fr_to_standard

    _check_args(log_n, out, force)
    n = 1 << log_n
    tau = dev_tau(seed)
    monomial = _generator_mul(fr_to_standard(fr_powers(tau, n + EXTRA_POWERS)))
    lagrange = _generator_mul(fr_to_standard(lagrange_at(tau, n)))
    tau_g2 = multiply(G2, tau)
    return write_srs(out, log_n, monomial, lagrange, G2, tau_g2, f"dev:seed={seed}", True, force)


# -- loading --------------------------------------------------------------------------
@dataclass
class SRS:
    """A loaded SRS directory: memory-mapped point arrays and the verifier key."""

    path: Path
    vk: VerifierKey
    monomial: np.ndarray
    lagrange: np.ndarray

    @property
    def n(self) -> int:
        return self.vk.n

    @property
    def log_n(self) -> int:
        return self.vk.log_n

    @property
    def digest(self) -> bytes:
        return self.vk.digest

    @property
    def insecure(self) -> bool:
        return self.vk.insecure

    @classmethod
    def load(cls, path: str | Path, verify: bool = False) -> SRS:
        """Load ``path`` (memory-mapped); ``verify`` also recomputes ``g1_digest``."""
        p = Path(path)
        if not p.is_dir():
            raise SetupError(f"SRS directory {p} does not exist")
        try:
            vk = load_vk(p / VK_FILE)
        except SrsError as exc:
            raise SetupError(str(exc)) from None
        arrays = []
        for name, rows in ((MONOMIAL_FILE, vk.n + EXTRA_POWERS), (LAGRANGE_FILE, vk.n)):
            try:
                a = np.load(p / name, mmap_mode="r")
            except (OSError, ValueError) as exc:
                raise SetupError(f"cannot read {p / name}: {exc}") from None
            if a.dtype != np.uint64 or a.shape != (rows, 2, 4):
                raise SetupError(f"{p / name} has shape {a.shape}, expected ({rows}, 2, 4)")
            arrays.append(a)
        srs = cls(p, vk, arrays[0], arrays[1])
        if verify:
            srs.verify_digest()
        return srs

    def verify_digest(self) -> None:
        """Recompute ``g1_digest`` from the point files; raise SetupError on mismatch."""
        if g1_digest(self.monomial, self.lagrange) != self.vk.g1_digest:
            raise SetupError(f"SRS {self.path}: point files do not match vk.json g1_digest")

    def check(self, log: Log = _quiet) -> None:
        """Digest plus the full random-combination checks of :func:`check_srs`."""
        self.verify_digest()
        check_srs(self.monomial, self.lagrange, self.vk.g2, self.vk.tau_g2, log=log)


__all__ = [
    "LAGRANGE_FILE",
    "MONOMIAL_FILE",
    "SRS",
    "SetupError",
    "check_srs",
    "derive_lagrange",
    "dev_srs",
    "dev_tau",
    "g1_digest",
    "import_ptau",
    "ints_to_limbs",
    "lagrange_at",
    "write_srs",
]
