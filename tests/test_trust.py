"""Which keys the verifier trusts (issue: verifier trust), the uid check and the published digest.

A key published beside the proof proves nothing by itself: a key from a known tau,
relabelled as a ceremony's, lets its maker forge any proof. The verifier accepts only
pinned ceremonies, the auditor's own key (--srs) or, with --allow-insecure, a
development SRS; the user's check compares the uid they type.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from py_ecc.optimized_bn128 import G2, b2, is_inf, is_on_curve, multiply, normalize

from zkpor.prover.cli.main import main
from zkpor.verifier.ceremonies import CEREMONIES, HERMEZ, key_origin, pinned_ceremony
from zkpor.verifier.cli import main as verify_main
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R
from zkpor.verifier.public import load_public, published_digest
from zkpor.verifier.srs import load_vk, vk_dict

SNAPSHOT = "uid,asset,amount\nalice,BTC,0.5\nalice,USDT,-100\nbob,ETH,-3\nbob,USDT,12300\n"
PRICES = "asset,price_usd\nBTC,90000\nETH,3000\nUSDT,1\n"
# snarkjs verifier contracts' [1]_2 constants (G2x1, G2x2, G2y1, G2y2): x1 is coefficient 0
SNARKJS_G2 = (
    10857046999023057135944570762232829481370756359578518086990519993285655852781,
    11559732032986387107991004021392285783925812861821192530917403151452391805634,
    8495653923123431417604973247489272438418190587263600148770280649306958101930,
    4082367875863433681332203403145435568316851327593401208105741076214120093531,
)


def test_pinned_ceremonies_are_points_of_the_g2_subgroup() -> None:
    assert CEREMONIES
    for ceremony in CEREMONIES:
        point = ceremony.point()
        assert len(ceremony.sources) >= 2
        assert is_on_curve(point, b2) and not is_inf(point)
        assert is_inf(multiply(point, R)), ceremony.name
        assert pinned_ceremony(point) is ceremony


def test_py_ecc_generator_is_the_snarkjs_generator() -> None:
    x, y = normalize(G2)
    assert (*x.coeffs, *y.coeffs) == SNARKJS_G2


def _relabel(src: Path, dst: Path, source: str, insecure: bool) -> Path:
    """A copy of an SRS folder whose vk.json claims another origin (digest recomputed)."""
    shutil.copytree(src, dst)
    vk = json.loads((src / "vk.json").read_text())
    parts = {k: bytes.fromhex(vk[k]) for k in ("g1", "g2", "tau_g2", "g1_digest")}
    relabelled = vk_dict(vk["log_n"], source, insecure, **parts)
    (dst / "vk.json").write_text(json.dumps(relabelled))
    return dst


@pytest.fixture(scope="module")
def work(dev_srs_dir, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    """One honest proof with a dev SRS, one with the same known-tau SRS relabelled as a ceremony."""
    root = tmp_path_factory.mktemp("trust")
    (root / "snap.csv").write_text(SNAPSHOT)
    (root / "prices.csv").write_text(PRICES)
    fake = _relabel(
        dev_srs_dir(16), root / "fake-srs", "ptau:powersOfTau28_hez_final_16.ptau:power=28", False
    )
    for name, srs in (("dev", dev_srs_dir(16)), ("fake", fake)):
        result = CliRunner().invoke(
            main,
            ["prove", str(root / "snap.csv"), "--prices", str(root / "prices.csv"), "--srs",
             str(srs), "--out", str(root / name), "--snapshot-id", "trust-1"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    for uid in ("alice", "bob"):
        result = CliRunner().invoke(
            main,
            ["inclusion", "export", str(root / "dev" / "private"), "--uid", uid,
             "-o", str(root / f"{uid}.json")],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return root


def _verify(*args: str) -> object:
    return CliRunner().invoke(verify_main, list(args))


def test_published_key_of_known_tau_relabelled_as_ceremony_is_refused(work: Path) -> None:
    public = str(work / "fake" / "public")
    result = _verify("verify", public)
    assert result.exit_code == 1, result.output
    assert "no ceremony zkpor pins" in result.output and "PASS" not in result.output
    result = _verify("verify", public, "--allow-insecure")
    assert result.exit_code == 1 and "PASS" not in result.output


def test_auditors_own_key_is_accepted_and_named(work: Path) -> None:
    result = _verify("verify", str(work / "fake" / "public"), "--srs", str(work / "fake-srs"))
    assert result.exit_code == 0, result.output
    assert "key: your own key" in result.output


def test_development_srs_needs_allow_insecure(work: Path) -> None:
    public = str(work / "dev" / "public")
    result = _verify("verify", public)
    assert result.exit_code == 1 and "INSECURE" in result.output and "PASS" not in result.output
    result = _verify("verify", public, "--allow-insecure")
    assert result.exit_code == 0, result.output
    assert "INSECURE" in result.output and "PASS" in result.output


def test_inclusion_follows_the_same_trust_rules(work: Path) -> None:
    result = _verify(
        "inclusion", "verify", str(work / "bob.json"), "--public", str(work / "dev" / "public")
    )
    assert result.exit_code == 1 and "PASS" not in result.output


def test_key_origin_rules(work: Path) -> None:
    dev = load_vk(work / "dev" / "public" / "vk.json")
    fake = load_vk(work / "fake" / "public" / "vk.json")
    ceremony_key = replace(fake, tau_g2=HERMEZ.point())
    assert key_origin(ceremony_key, own_key=False, allow_insecure=False) == f"ceremony {HERMEZ.name}"
    with pytest.raises(VerificationError, match="no ceremony"):
        key_origin(fake, own_key=False, allow_insecure=True)
    assert "own key" in key_origin(fake, own_key=True, allow_insecure=False)
    with pytest.raises(VerificationError, match="INSECURE"):
        key_origin(dev, own_key=True, allow_insecure=False)
    assert "INSECURE" in key_origin(dev, own_key=False, allow_insecure=True)
    other_tau = replace(fake, tau_g2=multiply(G2, 12345))
    assert pinned_ceremony(other_tau.tau_g2) is None


def test_uid_is_compared_when_given(work: Path) -> None:
    public = str(work / "dev" / "public")
    base = ["inclusion", "verify", str(work / "bob.json"), "--public", public, "--allow-insecure"]
    result = _verify(*base, "--uid", "bob")
    assert result.exit_code == 0, result.output
    assert "uid not checked" not in result.output
    result = _verify(*base, "--uid", "alice")
    assert result.exit_code == 1 and "not the uid you gave" in result.output
    result = _verify(*base)
    assert result.exit_code == 0 and "uid not checked" in result.output


def test_published_digest_is_printed_by_auditor_and_user(work: Path) -> None:
    public = work / "dev" / "public"
    digest = published_digest(
        *((public / n).read_bytes() for n in ("statement.json", "proof.bin", "fingerprints.bin"))
    )
    assert load_public(public).digest == digest
    auditor = _verify("verify", str(public), "--allow-insecure")
    user = _verify(
        "inclusion", "verify", str(work / "alice.json"), "--public", str(public),
        "--allow-insecure", "--uid", "alice",
    )  # fmt: skip
    line = [x for x in auditor.output.splitlines() if x.startswith("published digest")]
    assert line and line[0].replace(" ", "").endswith(digest.hex())
    assert line[0] in user.output.splitlines()
    other = _verify("verify", str(work / "fake" / "public"), "--srs", str(work / "fake-srs"))
    assert line[0] not in other.output


def test_escapes_control_characters_in_output() -> None:
    from zkpor.verifier.text import printable

    assert printable("BTC\x1b[2K\u202e\ud800") == "BTC\\x1b[2K\\u202e\\ud800"
    assert printable("plain text, ok") == "plain text, ok"


def test_cli_output_never_carries_raw_control_characters(work: Path, tmp_path: Path) -> None:
    bad = tmp_path / "me\x1b[2K\u202e.json"
    bad.write_bytes((work / "bob.json").read_bytes())
    for runner_main in (verify_main, main):
        result = CliRunner().invoke(
            runner_main,
            ["inclusion", "verify", str(bad), "--public", str(work / "dev" / "public"),
             "--allow-insecure", "--uid", "bob\x07"],
        )  # fmt: skip
        assert result.exit_code == 1, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\\x07" in result.output
    missing = tmp_path / "gone\x1b[2K.json"
    result = CliRunner().invoke(
        verify_main, ["inclusion", "verify", str(missing), "--public", str(work / "dev" / "public")]
    )
    assert result.exit_code == 2 and "gone\\x1b[2K.json" in result.output
    assert "\x1b" not in result.output
