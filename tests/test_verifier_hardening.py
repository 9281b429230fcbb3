"""Verifier hardening: every altered, malformed or out-of-bounds input is a VerificationError.

One honest proof (shared with the soundness tests) is altered field by field, byte by
byte, truncated and extended; the fingerprint file and the statement are broken in
every way the protocol's statement checks name (PROTOCOL.md sections 1, 2 and 5). Any
exception other than :class:`VerificationError` fails these tests. The last test runs
the whole verifier (and a user's inclusion check) in a subprocess where numpy and numba
cannot be imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from py_ecc.optimized_bn128 import G1, multiply
from solvency_helpers import honest_margin_bundle, verify_bundle

from zkpor.circuits.solvency import OPENED_AT_ZETA, OPENED_AT_ZETA_PREV
from zkpor.prover.argument.prove import ProofBundle
from zkpor.prover.argument.publish import inclusion_record
from zkpor.prover.setup.kzg import SRS
from zkpor.verifier.encoding import G1_BYTES, SCALAR_BYTES, encode_g1
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import Q, R
from zkpor.verifier.merkle import merkle_root, tree_levels
from zkpor.verifier.proof import HEADER, MAGIC, PROOF_BYTES, Proof
from zkpor.verifier.rounds import replay
from zkpor.verifier.statement import Statement
from zkpor.verifier.verify import verify

TWO_G1 = encode_g1(multiply(G1, 2))
INFINITY = bytes(G1_BYTES)
N_COMMIT = len(OPENED_AT_ZETA)
EVALS_AT = len(HEADER) + G1_BYTES * N_COMMIT
"""Byte offset of the first evaluation at zeta in the serialized proof."""
EVALS_PREV_AT = EVALS_AT + SCALAR_BYTES * N_COMMIT
OPENINGS_AT = EVALS_PREV_AT + SCALAR_BYTES * len(OPENED_AT_ZETA_PREV)


@pytest.fixture(scope="module")
def srs(dev_srs_dir) -> SRS:  # noqa: ANN001
    return SRS.load(dev_srs_dir(16))


@pytest.fixture(scope="module")
def bundle(srs: SRS) -> ProofBundle:
    return honest_margin_bundle(srs)[1]


def fps_bytes(fingerprints: list[int]) -> bytes:
    return b"".join(f.to_bytes(32, "big") for f in fingerprints)


def rejects(
    srs: SRS,
    bundle: ProofBundle,
    *,
    proof: Proof | bytes | None = None,
    statement: Statement | None = None,
    fingerprints: bytes | None = None,
    match: str | None = None,
) -> None:
    """Parse (for bytes) and verify the honest bundle with one part replaced: must raise
    VerificationError, and nothing else."""
    with pytest.raises(VerificationError, match=match) as info:
        if isinstance(proof, bytes):
            proof = Proof.from_bytes(proof)
        verify(
            statement or bundle.statement,
            fps_bytes(bundle.fingerprints) if fingerprints is None else fingerprints,
            proof or bundle.proof,
            srs.vk,
        )
    message = str(info.value)
    assert message and "\n" not in message  # one line, never a trace


def test_the_honest_proof_verifies_from_its_bytes(srs: SRS, bundle: ProofBundle) -> None:
    data = bundle.proof.to_bytes()
    assert len(data) == PROOF_BYTES
    assert OPENINGS_AT + 2 * G1_BYTES == PROOF_BYTES
    verify(bundle.statement, fps_bytes(bundle.fingerprints), Proof.from_bytes(data), srs.vk)
    text = bundle.statement.dumps()
    verify(Statement.loads(text), fps_bytes(bundle.fingerprints), bundle.proof, srs.vk)


# ---------------------------------------------------------------------------
# every field of the proof, in turn
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPENED_AT_ZETA)
def test_commitment_replaced_by_another_point(srs: SRS, bundle: ProofBundle, name: str) -> None:
    proof = bundle.proof
    assert proof.commitments[name] != TWO_G1
    altered = replace(proof, commitments={**proof.commitments, name: TWO_G1})
    rejects(srs, bundle, proof=altered.to_bytes())


@pytest.mark.parametrize("name", OPENED_AT_ZETA)
def test_evaluation_at_zeta_incremented(srs: SRS, bundle: ProofBundle, name: str) -> None:
    proof = bundle.proof
    evals = {**proof.evals, name: (proof.evals[name] + 1) % R}
    rejects(srs, bundle, proof=replace(proof, evals=evals).to_bytes())


@pytest.mark.parametrize("name", OPENED_AT_ZETA_PREV)
def test_evaluation_at_zeta_omega_inv_incremented(srs: SRS, bundle: ProofBundle, name: str) -> None:
    proof = bundle.proof
    evals_prev = {**proof.evals_prev, name: (proof.evals_prev[name] + 1) % R}
    rejects(srs, bundle, proof=replace(proof, evals_prev=evals_prev).to_bytes())


@pytest.mark.parametrize("which", ["w_zeta", "w_zeta_prev"])
@pytest.mark.parametrize("point", ["2G1", "infinity", "swapped", "a commitment"])
def test_opening_proof_replaced(srs: SRS, bundle: ProofBundle, which: str, point: str) -> None:
    proof = bundle.proof
    other = "w_zeta_prev" if which == "w_zeta" else "w_zeta"
    new = {
        "2G1": TWO_G1,
        "infinity": INFINITY,
        "swapped": getattr(proof, other),
        "a commitment": proof.commitments["g"],
    }[point]
    rejects(srs, bundle, proof=replace(proof, **{which: new}).to_bytes(), match="pairing")


def test_quotient_evaluations_shifted_consistently_fail_the_pairing(
    srs: SRS, bundle: ProofBundle
) -> None:
    """t0 + zeta^N t1 kept equal (t0 += zeta^N, t1 -= 1): the constraint identity still
    holds at zeta, so the KZG opening check alone must catch the false evaluations."""
    proof = bundle.proof
    zeta = replay(bundle.statement, proof)["zeta"]
    z_n = pow(zeta, bundle.statement.n, R)
    evals = dict(proof.evals)
    evals["t0"] = (evals["t0"] + z_n) % R
    evals["t1"] = (evals["t1"] - 1) % R
    altered = replace(proof, evals=evals)
    assert replay(bundle.statement, altered)["zeta"] == zeta
    rejects(srs, bundle, proof=altered.to_bytes(), match="pairing")


# ---------------------------------------------------------------------------
# the serialized proof
# ---------------------------------------------------------------------------

FLIP_OFFSETS = {
    "magic[0]": 0,
    "magic[6]": len(MAGIC) - 1,
    "version": len(MAGIC),
    "l0.x msb": len(HEADER),
    "l0.x lsb": len(HEADER) + 31,
    "l0.y msb": len(HEADER) + 32,
    "l0.y lsb": len(HEADER) + 63,
    "eq.x mid": len(HEADER) + G1_BYTES * OPENED_AT_ZETA.index("eq") + 17,
    "fp.y mid": len(HEADER) + G1_BYTES * OPENED_AT_ZETA.index("fp") + 50,
    "g.x lsb": len(HEADER) + G1_BYTES * OPENED_AT_ZETA.index("g") + 31,
    "t2.y lsb": EVALS_AT - 1,
    "eval l0 msb": EVALS_AT,
    "eval l0 lsb": EVALS_AT + 31,
    "eval s mid": EVALS_AT + SCALAR_BYTES * OPENED_AT_ZETA.index("s") + 16,
    "eval h_f lsb": EVALS_AT + SCALAR_BYTES * OPENED_AT_ZETA.index("h_f") + 31,
    "eval t1 msb": EVALS_AT + SCALAR_BYTES * OPENED_AT_ZETA.index("t1"),
    "eval t2 lsb": EVALS_PREV_AT - 1,
    "eval_prev s msb": EVALS_PREV_AT,
    "eval_prev eq lsb": EVALS_PREV_AT + SCALAR_BYTES + 31,
    "eval_prev g lsb": OPENINGS_AT - 1,
    "W_zeta.x msb": OPENINGS_AT,
    "W_zeta.y lsb": OPENINGS_AT + 63,
    "W_zeta_prev.x lsb": OPENINGS_AT + 64 + 31,
    "W_zeta_prev.y mid": OPENINGS_AT + 64 + 40,
    "last byte": PROOF_BYTES - 1,
}


@pytest.mark.parametrize("xor", [0x01, 0x80], ids=["bit0", "bit7"])
@pytest.mark.parametrize("offset", list(FLIP_OFFSETS.values()), ids=list(FLIP_OFFSETS))
def test_flipped_bit_in_serialized_proof(
    srs: SRS, bundle: ProofBundle, offset: int, xor: int
) -> None:
    data = bytearray(bundle.proof.to_bytes())
    data[offset] ^= xor
    rejects(srs, bundle, proof=bytes(data))


@pytest.mark.parametrize(
    "size", [0, 1, len(MAGIC), len(HEADER), EVALS_AT, PROOF_BYTES - 32, PROOF_BYTES - 1]
)
def test_truncated_proof(srs: SRS, bundle: ProofBundle, size: int) -> None:
    rejects(srs, bundle, proof=bundle.proof.to_bytes()[:size])


@pytest.mark.parametrize("suffix", [b"\x00", bytes(32), b"\xff" * 64], ids=["1", "32", "64"])
def test_extended_proof(srs: SRS, bundle: ProofBundle, suffix: bytes) -> None:
    rejects(srs, bundle, proof=bundle.proof.to_bytes() + suffix, match="bytes")
    rejects(srs, bundle, proof=bundle.proof.to_bytes() * 2, match="bytes")


def _point(x: int, y: int) -> bytes:
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


@pytest.mark.parametrize("where", ["commitment", "opening"])
def test_point_not_on_the_curve_or_not_canonical(srs: SRS, bundle: ProofBundle, where: str) -> None:
    proof = bundle.proof
    x = int.from_bytes(TWO_G1[:32], "big")
    y = int.from_bytes(TWO_G1[32:], "big")
    bad_points = [
        _point(1, 1),
        _point(0, 1),
        _point(x, (y + 1) % Q),
        _point(x + Q, y),  # same point, non-canonical coordinate
        _point(x, y + Q),
        b"\xff" * 64,
    ]
    for bad in bad_points:
        if where == "commitment":
            altered = replace(proof, commitments={**proof.commitments, "mask": bad})
        else:
            altered = replace(proof, w_zeta=bad)
        rejects(srs, bundle, proof=altered.to_bytes(), match="point")
        rejects(srs, bundle, proof=altered)


@pytest.mark.parametrize("value", [R, R + 1, 2**256 - 1], ids=["r", "r+1", "2^256-1"])
@pytest.mark.parametrize("at", [EVALS_AT, EVALS_PREV_AT - SCALAR_BYTES, OPENINGS_AT - SCALAR_BYTES])
def test_scalar_not_below_r_in_bytes(srs: SRS, bundle: ProofBundle, value: int, at: int) -> None:
    data = bytearray(bundle.proof.to_bytes())
    data[at : at + SCALAR_BYTES] = value.to_bytes(SCALAR_BYTES, "big")
    rejects(srs, bundle, proof=bytes(data), match="below")


def test_scalar_not_below_r_in_a_proof_object(srs: SRS, bundle: ProofBundle) -> None:
    """verify() itself must refuse a Proof built in memory (not parsed by from_bytes) whose
    evaluation is >= r: e + r and e hash and compute alike, so the non-canonical proof must
    not verify, and never with anything but VerificationError."""
    proof = bundle.proof
    rejects(srs, bundle, proof=replace(proof, evals={**proof.evals, "a": proof.evals["a"] + R}))
    prev = {**proof.evals_prev, "g": proof.evals_prev["g"] + R}
    rejects(srs, bundle, proof=replace(proof, evals_prev=prev))


def test_proof_object_with_a_missing_commitment(srs: SRS, bundle: ProofBundle) -> None:
    """Same root cause: verify() trusts the shape of a Proof object."""
    commitments = {k: v for k, v in bundle.proof.commitments.items() if k != "g"}
    rejects(srs, bundle, proof=replace(bundle.proof, commitments=commitments))


@pytest.mark.parametrize("version", [0, 2, 255])
def test_wrong_version_byte(srs: SRS, bundle: ProofBundle, version: int) -> None:
    data = bytearray(bundle.proof.to_bytes())
    data[len(MAGIC)] = version
    rejects(srs, bundle, proof=bytes(data), match="version")


def test_wrong_magic(srs: SRS, bundle: ProofBundle) -> None:
    data = bundle.proof.to_bytes()
    rejects(srs, bundle, proof=b"ZKPORPG" + data[len(MAGIC) :], match="magic")
    rejects(srs, bundle, proof=b"\x00" * PROOF_BYTES, match="magic")


# ---------------------------------------------------------------------------
# the fingerprint file
# ---------------------------------------------------------------------------


def test_fingerprint_file_altered(srs: SRS, bundle: ProofBundle) -> None:
    fps = list(bundle.fingerprints)
    data = fps_bytes(fps)
    cases = {
        "truncated by one entry": data[:-32],
        "truncated by one byte": data[:-1],
        "empty": b"",
        "extra entry": data + (fps[-1] + 1).to_bytes(32, "big"),
        "extra byte": data + b"\x00",
        "reordered": fps_bytes([fps[1], fps[0], *fps[2:]]),
        "reversed": fps_bytes(fps[::-1]),
        "one entry changed": fps_bytes([*fps[:-1], fps[-1] + 1 if fps[-1] + 1 < R else 0]),
        "an entry >= r": fps_bytes([*fps[:-1], R]),
        "an entry 2^256-1": data[:-32] + b"\xff" * 32,
        "duplicated entry": fps_bytes([fps[0], *fps[:-1]]),
    }
    for label, bad in cases.items():
        assert bad != data, label
        rejects(srs, bundle, fingerprints=bad)


def test_fingerprint_file_with_matching_statement_but_another_list(
    srs: SRS, bundle: ProofBundle
) -> None:
    """The statement re-published for a different F (n_u and root updated): transcript changes."""
    fps = list(bundle.fingerprints)
    for other in (fps[1:], sorted([*fps, 12345]), sorted([*fps[1:], 67890])):
        statement = replace(bundle.statement, n_u=len(other), merkle_root=merkle_root(other))
        rejects(srs, bundle, statement=statement, fingerprints=fps_bytes(other))


# ---------------------------------------------------------------------------
# the statement's bounds
# ---------------------------------------------------------------------------


def _asset(statement: Statement, j: int, **changes: object) -> Statement:
    assets = list(statement.assets)
    assets[j] = replace(assets[j], **changes)
    return replace(statement, assets=tuple(assets))


def test_statement_over_the_bounds(srs: SRS, bundle: ProofBundle) -> None:
    st = bundle.statement
    n = st.n
    a0, a1 = st.assets[0], st.assets[1]
    cases = {
        "N not a power of two": replace(st, n=n + 1),
        "N = 3 * 2^16": replace(st, n=3 * n),
        "N below 2^16": replace(st, n=n // 2),
        "N above 2^26": replace(st, n=1 << 27),
        "N = 0": replace(st, n=0),
        "total = 2^160": _asset(st, 0, total=1 << 160),
        "total = -2^160": _asset(st, 0, total=-(1 << 160)),
        "total = total - r": _asset(st, 2, total=st.assets[2].total - R),
        "total = total + r": _asset(st, 2, total=st.assets[2].total + R),
        "price = 2^64": _asset(st, 0, price=1 << 64),
        "price < 0": _asset(st, 0, price=-1),
        "price + r": _asset(st, 0, price=a0.price + R),
        "duplicate symbols": _asset(st, 1, symbol=a0.symbol),
        "empty symbol": _asset(st, 1, symbol=""),
        "no assets": replace(st, assets=()),
        "an asset twice": replace(st, assets=(*st.assets, a1)),
        "n_u > N": replace(st, n_u=n + 1),
        "n_u = 0": replace(st, n_u=0),
        "n_u off by one": replace(st, n_u=st.n_u + 1),
        "Merkle root changed": replace(st, merkle_root=bytes(32)),
        "Merkle root short": replace(st, merkle_root=st.merkle_root[:31]),
        "SRS digest changed": replace(st, srs_digest=bytes(32)),
        "SRS digest short": replace(st, srs_digest=st.srs_digest[:31]),
        "empty snapshot id": replace(st, snapshot_id=""),
    }
    for label, bad in cases.items():
        assert bad != st, label
        rejects(srs, bundle, statement=bad)


def test_statement_json_over_the_bounds(srs: SRS, bundle: ProofBundle) -> None:
    good = bundle.statement.to_json()
    changes = [
        ("domain_size", 65537),
        ("domain_size", "65536"),
        ("domain_size", True),
        ("n_fingerprints", good["domain_size"] + 1),
        ("assets", [{**good["assets"][0], "total": str(1 << 160)}, *good["assets"][1:]]),
        ("assets", [{**good["assets"][0], "total": "-0"}, *good["assets"][1:]]),
        ("assets", [{**good["assets"][0], "total": "1e3"}, *good["assets"][1:]]),
        ("assets", [{**good["assets"][0], "price": int(good["assets"][0]["price"])}]),
        ("assets", [good["assets"][0], {**good["assets"][1], "symbol": "BTC"}]),
        ("version", 2),
        ("srs_digest", "zz"),
        ("merkle_root", 5),
    ]
    for key, value in changes:
        data = json.loads(json.dumps({**good, key: value}))
        with pytest.raises(VerificationError):
            verify(Statement.from_json(data), fps_bytes(bundle.fingerprints), bundle.proof, srs.vk)
    with pytest.raises(VerificationError):
        Statement.loads("{not json")
    with pytest.raises(VerificationError):
        Statement.from_json({k: v for k, v in good.items() if k != "assets"})


def test_statement_srs_insecure_flag_must_match_the_key(srs: SRS, bundle: ProofBundle) -> None:
    """The statement says whether its SRS is insecure; that claim must be bound to the proof.

    ``srs_insecure`` is neither absorbed in the transcript nor compared with the verifier
    key, so a statement published as ``"srs_insecure": false`` over a development SRS
    (known tau: anyone can forge proofs) would verify and read as secure.
    """
    assert srs.vk.insecure and bundle.statement.srs_insecure
    rejects(srs, bundle, statement=replace(bundle.statement, srs_insecure=False))


def test_proof_checked_against_its_statement_with_another_key(
    srs: SRS,
    bundle: ProofBundle,
    dev_srs_dir,  # noqa: ANN001
) -> None:
    other = SRS.load(dev_srs_dir(16, "other"))
    with pytest.raises(VerificationError, match="digest mismatch"):
        verify(bundle.statement, fps_bytes(bundle.fingerprints), bundle.proof, other.vk)
    # a statement re-labelled with the other key's digest: the transcript changes
    relabelled = replace(bundle.statement, srs_digest=other.digest)
    with pytest.raises(VerificationError):
        verify(relabelled, fps_bytes(bundle.fingerprints), bundle.proof, other.vk)


# ---------------------------------------------------------------------------
# the verifier without numpy and numba
# ---------------------------------------------------------------------------

BLOCKED_RUN = r"""
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("numpy", "numba", "llvmlite"):
            raise ImportError("blocked " + name)

sys.meta_path.insert(0, Block())
for name in list(sys.modules):
    if name.split(".")[0] in ("numpy", "numba", "llvmlite"):
        del sys.modules[name]
try:
    import numpy  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("numpy is importable: the blocker does not work")

from pathlib import Path

from zkpor.verifier.errors import VerificationError
from zkpor.verifier.inclusion import InclusionRecord, check_inclusion
from zkpor.verifier.proof import Proof
from zkpor.verifier.srs import load_vk
from zkpor.verifier.statement import Statement
from zkpor.verifier.verify import verify

d = Path(sys.argv[1])
statement = Statement.loads((d / "statement.json").read_text())
data = (d / "proof.bin").read_bytes()
fps = (d / "fingerprints.bin").read_bytes()
vk = load_vk(d / "vk.json")
verified = verify(statement, fps, Proof.from_bytes(data), vk)
result = check_inclusion(InclusionRecord.loads((d / "user.json").read_text()), verified)
tampered = bytearray(data)
tampered[len(data) // 2] ^= 1
try:
    verify(statement, fps, Proof.from_bytes(bytes(tampered)), vk)
except VerificationError:
    pass
else:
    raise SystemExit("a tampered proof verified")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "numba", "llvmlite"))
if loaded:
    raise SystemExit(f"loaded {loaded}")
print("VERIFIED", statement.n_u, result.uid, result.equity)
"""


def test_verifier_runs_from_saved_bytes_without_numpy_or_numba(
    srs: SRS, bundle: ProofBundle, tmp_path: Path
) -> None:
    snapshot, same = honest_margin_bundle(srs)
    assert same is bundle
    (tmp_path / "statement.json").write_text(bundle.statement.dumps())
    (tmp_path / "proof.bin").write_bytes(bundle.proof.to_bytes())
    (tmp_path / "fingerprints.bin").write_bytes(fps_bytes(bundle.fingerprints))
    (tmp_path / "vk.json").write_bytes((srs.path / "vk.json").read_bytes())
    record = inclusion_record(bundle, snapshot, 1, tree_levels(bundle.fingerprints))
    (tmp_path / "user.json").write_text(record.dumps())
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    equity = snapshot.equities()[1]
    assert result.stdout.split() == ["VERIFIED", str(bundle.statement.n_u), "bob", str(equity)]
    verify_bundle(srs, bundle)
