"""The snarkjs .ptau reader and the import checks on corrupted files."""

from __future__ import annotations

import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.optimized_bn128 import add, multiply, normalize

from zkpor.prover.setup.ptau import PtauError, PtauFile, limbs_below_q
from zkpor.prover.setup.srs import SetupError, import_ptau
from zkpor.verifier.field import Q, R, root_of_unity

RINV = pow(1 << 256, -1, Q)


def _affine(arr: np.ndarray) -> tuple[int, int]:
    """Standard affine ints of one (2, 4) Montgomery point (pure Python)."""
    x, y = (int.from_bytes(arr[k].astype("<u8").tobytes(), "little") * RINV % Q for k in (0, 1))
    return (x, y)


def write_small_ptau(src: Path, dst: Path, power: int, drop: tuple[int, ...] = ()) -> None:
    """A valid-looking snarkjs file of a smaller power cut from ``src`` (sections 1-3, 12)."""
    pf = PtauFile(src)
    raw = src.read_bytes()

    def sec(sid: int, start: int, count: int, size: int) -> bytes:
        off = pf.sections[sid][0] + start * size
        return raw[off : off + count * size]

    header = struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<II", power, power)
    body = {
        1: header,
        2: sec(2, 0, (1 << (power + 1)) - 1, 64),
        3: sec(3, 0, 1 << power, 128),
        12: sec(12, 0, (1 << (power + 1)) - 1, 64),
    }
    body = {k: v for k, v in body.items() if k not in drop}
    out = b"ptau" + struct.pack("<II", 1, len(body))
    for sid, data in body.items():
        out += struct.pack("<IQ", sid, len(data)) + data
    dst.write_bytes(out)


@pytest.fixture(scope="module")
def small_ptau(ptau16: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("ptau") / "pot6.ptau"
    write_small_ptau(ptau16, p, 6)
    return p


def test_header_and_sections(ptau16: Path) -> None:
    pf = PtauFile(ptau16)
    assert pf.header.power == 16 and pf.header.q == Q and pf.header.n8 == 32
    assert {1, 2, 3, 12} <= set(pf.sections)
    g1 = pf.tau_g1(4)
    assert g1.shape == (4, 2, 4) and g1.dtype == np.uint64
    assert _affine(g1[0]) == (1, 2)
    assert limbs_below_q(g1)
    (x0, x1), (y0, y1) = pf.tau_g2(1)[0]
    assert x0 == 10857046999023057135944570762232829481370756359578518086990519993285655852781
    assert pf.has_lagrange(16) and not pf.has_lagrange(17)
    with pytest.raises(PtauError):
        pf.tau_g1(1 << 17)


def test_lagrange_order_matches_protocol_domain(ptau16: Path) -> None:
    """snarkjs section 12 is L_i(tau) in natural order of omega = 5^((r-1)/n)."""
    pf = PtauFile(ptau16)
    mono = [(FQ(x), FQ(y), FQ(1)) for x, y in map(_affine, pf.tau_g1(8))]
    for log_n in (1, 2, 3):
        n = 1 << log_n
        w, n_inv = root_of_unity(n), pow(n, -1, R)
        lag = [_affine(p) for p in pf.lagrange_g1(log_n)]
        for i in range(n):
            acc = multiply(mono[0], n_inv)
            for j in range(1, n):
                acc = add(acc, multiply(mono[j], n_inv * pow(w, -i * j % n, R) % R))
            assert tuple(int(c) for c in normalize(acc)) == lag[i]


def _patch(path: Path, offset: int, fn: Callable[[bytes], bytes], length: int = 1) -> None:
    data = bytearray(path.read_bytes())
    data[offset : offset + length] = fn(bytes(data[offset : offset + length]))
    path.write_bytes(bytes(data))


def _flip(b: bytes) -> bytes:
    return bytes([b[0] ^ 0x01]) + b[1:]


def _expect_reject(src: Path, tmp_path: Path, match: str, log_n: int = 4) -> None:
    out = tmp_path / "srs"
    with pytest.raises(SetupError, match=match) as info:
        import_ptau(src, log_n, out)
    assert "\n" not in str(info.value)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".srs")] == []


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "bad.ptau"
    shutil.copyfile(src, dst)
    return dst


def test_small_file_imports(small_ptau: Path, tmp_path: Path) -> None:
    vk = import_ptau(small_ptau, 5, tmp_path / "srs")
    assert vk.n == 32 and not vk.insecure and (tmp_path / "srs" / "vk.json").exists()


def test_flipped_byte_in_tau_g1(ptau16: Path, tmp_path: Path) -> None:
    bad = _copy(ptau16, tmp_path)
    off = PtauFile(ptau16).sections[2][0]
    _patch(bad, off + 3 * 64 + 5, _flip)
    _expect_reject(bad, tmp_path, "tauG1 point 3 is not on the curve")


def test_wrong_power_in_tau_g1(small_ptau: Path, tmp_path: Path) -> None:
    """A valid curve point in the wrong place fails the consecutive-powers check."""
    bad = _copy(small_ptau, tmp_path)
    off = PtauFile(small_ptau).sections[2][0]
    data = bad.read_bytes()
    _patch(bad, off + 3 * 64, lambda _: data[off + 4 * 64 : off + 5 * 64], 64)
    _expect_reject(bad, tmp_path, "consecutive powers")


def test_flipped_byte_in_tau_g2(small_ptau: Path, tmp_path: Path) -> None:
    bad = _copy(small_ptau, tmp_path)
    off = PtauFile(small_ptau).sections[3][0]
    _patch(bad, off + 128 + 7, _flip)
    _expect_reject(bad, tmp_path, "tauG2")


def test_flipped_byte_in_lagrange(small_ptau: Path, tmp_path: Path) -> None:
    bad = _copy(small_ptau, tmp_path)
    off = PtauFile(small_ptau).sections[12][0]
    _patch(bad, off + (15 + 5) * 64 + 9, _flip)  # block 2^4 starts at point 15
    _expect_reject(bad, tmp_path, "Lagrange point 5 is not on the curve")


def test_swapped_lagrange_points(small_ptau: Path, tmp_path: Path) -> None:
    bad = _copy(small_ptau, tmp_path)
    off = PtauFile(small_ptau).sections[12][0] + 15 * 64
    data = bad.read_bytes()
    p1, p2 = data[off + 64 : off + 128], data[off + 128 : off + 192]
    _patch(bad, off + 64, lambda _: p2 + p1, 128)
    _expect_reject(bad, tmp_path, "Lagrange points disagree")


def test_truncated(small_ptau: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ptau"
    bad.write_bytes(small_ptau.read_bytes()[:-100])
    _expect_reject(bad, tmp_path, "truncated")


def test_wrong_curve(small_ptau: Path, tmp_path: Path) -> None:
    bad = _copy(small_ptau, tmp_path)
    off = PtauFile(small_ptau).sections[1][0] + 4
    _patch(bad, off, _flip)
    _expect_reject(bad, tmp_path, "not a BN254 file")


def test_bad_magic(small_ptau: Path, tmp_path: Path) -> None:
    bad = _copy(small_ptau, tmp_path)
    _patch(bad, 0, lambda _: b"zkey", 4)
    _expect_reject(bad, tmp_path, "bad magic")


def test_power_too_small(small_ptau: Path, ptau16: Path, tmp_path: Path) -> None:
    _expect_reject(small_ptau, tmp_path, "too small", log_n=7)
    _expect_reject(ptau16, tmp_path, "too small", log_n=17)


def test_missing_file(tmp_path: Path) -> None:
    _expect_reject(tmp_path / "nope.ptau", tmp_path, "cannot read")


def test_derives_missing_lagrange(small_ptau: Path, ptau16: Path, tmp_path: Path) -> None:
    """Without section 12 the Lagrange points are derived and equal snarkjs's."""
    from zkpor.prover.setup.srs import SRS

    nolag = tmp_path / "nolag.ptau"
    write_small_ptau(ptau16, nolag, 6, drop=(12,))
    msgs: list[str] = []
    import_ptau(nolag, 5, tmp_path / "derived", log=msgs.append)
    assert any("deriving" in m for m in msgs)
    import_ptau(small_ptau, 5, tmp_path / "file")
    a, b = SRS.load(tmp_path / "derived"), SRS.load(tmp_path / "file")
    assert np.array_equal(a.lagrange, b.lagrange)
    assert a.digest == b.digest
