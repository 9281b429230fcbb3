"""SRS directories: fixture import, development SRS, vk.json and its digest, CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from py_ecc.optimized_bn128 import G1, G2, multiply
from py_ecc.optimized_bn128 import eq as point_eq

from zkpor.prover.setup.srs import SRS, SetupError, dev_srs, dev_tau, g1_digest
from zkpor.verifier.encoding import encode_g1, encode_g2
from zkpor.verifier.srs import DIGEST_TAG, SrsError, load_vk, parse_vk


def test_fixture_import(srs16: SRS) -> None:
    assert srs16.n == 1 << 16 and srs16.log_n == 16
    assert srs16.monomial.shape == (srs16.n + 3, 2, 4)
    assert srs16.lagrange.shape == (srs16.n, 2, 4)
    assert isinstance(srs16.monomial, np.memmap)
    assert not srs16.insecure and srs16.vk.source.startswith("ptau:pot16_final.ptau")
    srs16.verify_digest()
    assert [p.name for p in srs16.path.parent.iterdir()] == [srs16.path.name]


def test_digest_formula(srs16: SRS) -> None:
    vk = srs16.vk
    obj = json.loads((srs16.path / "vk.json").read_text())
    assert obj["version"] == 1 and obj["n"] == vk.n and obj["insecure"] is False
    expect = hashlib.sha256(
        DIGEST_TAG
        + (16).to_bytes(4, "big")
        + g1_digest(srs16.monomial, srs16.lagrange)
        + encode_g1(G1)
        + encode_g2(G2)
        + encode_g2(vk.tau_g2)
        + b"\x00"
    ).digest()
    assert vk.digest == expect == bytes.fromhex(obj["digest"])


def test_vk_json_alone(srs16: SRS, tmp_path: Path) -> None:
    shutil.copy(srs16.path / "vk.json", tmp_path / "vk.json")
    vk = load_vk(tmp_path / "vk.json")
    assert vk == srs16.vk


def _vk_obj(path: Path) -> dict:
    return json.loads((path / "vk.json").read_text())


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("insecure", False, "digest does not match"),
        ("log_n", 9, "n .* is not 2\\^log_n"),
        ("version", 2, "unsupported version"),
        ("digest", "00" * 32, "digest does not match"),
        ("g1", "00" * 64, "not the BN254 G1 generator"),
        ("tau_g2", "00" * 128, "tau_g2"),
        ("tau_g2", "zz", "not valid hex"),
    ],
)
def test_vk_tampering(dev_srs_dir, key: str, value: object, match: str) -> None:  # noqa: ANN001
    obj = _vk_obj(dev_srs_dir(6))
    obj[key] = value
    with pytest.raises(SrsError, match=match):
        parse_vk(obj)


def test_vk_tau_g2_off_curve(dev_srs_dir) -> None:  # noqa: ANN001
    obj = _vk_obj(dev_srs_dir(6))
    b = bytearray(bytes.fromhex(obj["tau_g2"]))
    b[5] ^= 1
    obj["tau_g2"] = b.hex()
    with pytest.raises(SrsError, match="twist"):
        parse_vk(obj)


def test_dev_srs(dev_srs_dir) -> None:  # noqa: ANN001
    from zkpor.prover.arith.g1 import g1_to_affine_ints

    path = dev_srs_dir(6)
    srs = SRS.load(path, verify=True)
    assert srs.insecure and srs.vk.source == "dev:seed=0"
    tau = dev_tau("0")
    pts = g1_to_affine_ints(np.ascontiguousarray(srs.monomial[:3]))
    for i, (x, y) in enumerate(pts):
        assert point_eq(multiply(G1, pow(tau, i)), (*map(_fq, (x, y)), _fq(1)))
    assert point_eq(srs.vk.tau_g2, multiply(G2, tau))
    srs.check()  # the dev SRS passes the import checks too


def _fq(x: int):  # noqa: ANN202
    from py_ecc.fields import optimized_bn128_FQ as FQ

    return FQ(x)


def test_dev_srs_deterministic(dev_srs_dir, tmp_path: Path) -> None:  # noqa: ANN001
    dev_srs(6, tmp_path / "again")
    assert SRS.load(tmp_path / "again").digest == SRS.load(dev_srs_dir(6)).digest
    assert SRS.load(dev_srs_dir(6, "other")).digest != SRS.load(dev_srs_dir(6)).digest


def test_output_exists(dev_srs_dir, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "srs"
    dev_srs(4, out)
    with pytest.raises(SetupError, match="already exists"):
        dev_srs(4, out, seed="1")
    dev_srs(4, out, seed="1", force=True)
    assert SRS.load(out).vk.source == "dev:seed=1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["srs"]


def test_bad_log_n(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="--log-n"):
        dev_srs(1, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_corrupted_point_file(dev_srs_dir, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "srs"
    shutil.copytree(dev_srs_dir(5), path)
    lag = np.load(path / "lagrange.npy")
    lag[[1, 2]] = lag[[2, 1]]
    np.save(path / "lagrange.npy", lag)
    srs = SRS.load(path)  # loading alone does not hash the points
    with pytest.raises(SetupError, match="g1_digest"):
        srs.verify_digest()
    with pytest.raises(SetupError, match="g1_digest"):
        SRS.load(path, verify=True)


def test_missing_srs(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="does not exist"):
        SRS.load(tmp_path / "none")


def test_cli_dev_and_check(tmp_path: Path) -> None:
    from zkpor.prover.cli.main import main

    runner = CliRunner()
    res = runner.invoke(main, ["setup", "dev", "--log-n", "5", "--out", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    assert "INSECURE" in res.output
    res = runner.invoke(main, ["setup", "check", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    assert "INSECURE" in res.output and "Lagrange" in res.output


def test_cli_import_error(tmp_path: Path) -> None:
    from zkpor.prover.cli.main import main

    bad = tmp_path / "bad.ptau"
    bad.write_bytes(b"ptau" + b"\x00" * 20)
    res = CliRunner().invoke(
        main, ["setup", "import", str(bad), "--log-n", "4", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert res.output.strip().startswith("error:") and len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
