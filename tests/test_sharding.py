"""Sharding (PROTOCOL.md section 9): the plan, the aggregation rule and dishonest shards.

One 3-shard proof is made in process (the single-machine executor); dishonest variants
are made from it by editing the published folder, or by the real prover run on edited
traces, and the pure-Python verifier must reject each with its reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from zkpor.prover.argument.prove import SolvencyProver
from zkpor.prover.argument.publish import write_outputs
from zkpor.prover.argument.shards import (
    assemble,
    assign_users,
    is_finished,
    plan_shards,
    prove_shard,
)
from zkpor.prover.argument.trace import build_trace
from zkpor.prover.cli.main import main
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.prover.exchange.snapshot_file import read_snapshot_parquet, write_snapshot_parquet
from zkpor.prover.setup.srs import SRS
from zkpor.verifier.cli import main as verify_main
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.public import load_public, published_digest
from zkpor.verifier.sharded import TopStatement, global_root
from zkpor.verifier.srs import VK_FILE

COIN = 10**8
USERS = 12


def snapshot_csv() -> str:
    rows = ["uid,asset,amount"]
    for i in range(USERS):
        rows += [f"u{i:02d},BTC,{(i % 5) / 10}", f"u{i:02d},USDT,{1000 - 90 * i}"]
    return "\n".join(rows) + "\n"


PRICES = "asset,price_usd\nBTC,90000\nUSDT,1\n"


def _prove(work: Path, srs: Path, out: str, sid: str, *extra: str) -> None:
    result = CliRunner().invoke(
        main,
        ["prove", str(work / "snap.csv"), "--prices", str(work / "prices.csv"), "--srs", str(srs),
         "--out", str(work / out), "--snapshot-id", sid, "--shard-users", "4",
         "--dummy-users", "3", *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def sharded(dev_srs_dir, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    work = tmp_path_factory.mktemp("sharded")
    (work / "snap.csv").write_text(snapshot_csv())
    (work / "prices.csv").write_text(PRICES)
    _prove(work, dev_srs_dir(16), "out", "shard-1")
    _prove(work, dev_srs_dir(16), "other", "shard-2")
    return work


def _check(public: Path) -> object:
    return load_public(public).check(allow_insecure=True)


def _top(public: Path) -> TopStatement:
    return TopStatement.from_json(json.loads((public / "statement.json").read_text()))


def _write_top(public: Path, top: TopStatement) -> None:
    (public / "statement.json").write_text(top.dumps())


def _copy(sharded: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "public"
    shutil.copytree(sharded / "out" / "public", dst)
    return dst


def _shard_files(public: Path, i: int) -> tuple[bytes, bytes, bytes]:
    base = public / "shards" / str(i)
    return tuple((base / n).read_bytes() for n in ("statement.json", "proof.bin", "fingerprints.bin"))  # type: ignore[return-value]


# -- the plan ---------------------------------------------------------------------------
def test_assignment_is_a_random_partition_of_near_equal_parts() -> None:
    parts = assign_users(10, 4, np.random.default_rng(1))
    assert len(parts) == 3 and sorted(len(p) for p in parts) == [3, 3, 4]
    assert sorted(np.concatenate(parts).tolist()) == list(range(10))
    again = assign_users(10, 4, np.random.default_rng(1))
    assert all((a == b).all() for a, b in zip(parts, again, strict=True))
    other = assign_users(10, 4, np.random.default_rng(2))
    assert any((a != b).any() for a, b in zip(parts, other, strict=True))
    assert len(assign_users(5, 100, np.random.default_rng(0))) == 1


def test_shard_input_file_is_exact(tmp_path: Path) -> None:
    snap = Snapshot.from_users(
        ["BTC", "USDT"], [9 * 10**12, 10**8],
        {"a": [("BTC", 5), ("USDT", -(1 << 100))], "b": [], "c": [("USDT", (1 << 127) - 1)]},
    )  # fmt: skip
    part = snap.select(np.array([2, 0, 1]))
    write_snapshot_parquet(part, tmp_path / "s.parquet")
    back = read_snapshot_parquet(tmp_path / "s.parquet")
    assert back.uids == ["c", "a", "b"] and back.prices == snap.prices
    assert back.amounts() == [(1 << 127) - 1, 5, -(1 << 100)]
    assert back.offsets.tolist() == [0, 1, 3, 3]


# -- honest sharded proofs --------------------------------------------------------------
def test_sharded_folder_verifies_and_sums(sharded: Path) -> None:
    checked = _check(sharded / "out" / "public")
    top = checked.statement
    assert len(top.shards) == 3 and top.n_u == USERS + 3 * (3 + 1)
    totals = {a.symbol: a.total for a in top.assets}
    assert totals == {"BTC": sum((i % 5) * COIN // 10 for i in range(USERS)),
                      "USDT": sum((1000 - 90 * i) * COIN for i in range(USERS))}  # fmt: skip
    shards = checked.verified.shards
    assert [v.statement.shard for v in shards] == [(0, 3), (1, 3), (2, 3)]


def test_users_of_every_shard_check_inclusion(sharded: Path) -> None:
    out = sharded / "out"
    first_of_shard: dict[int, str] = {}  # the assignment is random: find users of each shard
    for uid in (f"u{i:02d}" for i in range(USERS)):
        path = sharded / f"{uid}.json"
        result = CliRunner().invoke(
            main, ["inclusion", "export", str(out / "private"), "--uid", uid, "-o", str(path)]
        )
        assert result.exit_code == 0, result.output
        first_of_shard.setdefault(json.loads(path.read_text())["shard"], uid)
    assert sorted(first_of_shard) == [0, 1, 2]
    for uid in first_of_shard.values():
        path = sharded / f"{uid}.json"
        result = CliRunner().invoke(
            verify_main,
            ["inclusion", "verify", str(path), "--public", str(out / "public"), "--uid", uid,
             "--allow-insecure"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "PASS: you are included" in result.output
    record = json.loads((sharded / "u05.json").read_text())
    record["shard"] = (record["shard"] + 1) % 3
    (sharded / "moved.json").write_text(json.dumps(record))
    result = CliRunner().invoke(
        verify_main,
        ["inclusion", "verify", str(sharded / "moved.json"), "--public", str(out / "public"),
         "--allow-insecure"],
    )  # fmt: skip
    assert result.exit_code == 1 and "PASS" not in result.output


def test_export_all_covers_every_shard(sharded: Path) -> None:
    target = sharded / "all"
    result = CliRunner().invoke(
        main, ["inclusion", "export", str(sharded / "out" / "private"), "--all", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in target.iterdir()) == [f"u{i:02d}" for i in range(USERS)]


def test_base_install_verifier_checks_a_sharded_folder(sharded: Path) -> None:
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('numpy', 'numba', 'llvmlite', 'pyarrow', 'distributed'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from zkpor.verifier.cli import main\n"
        "sys.exit(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker, "verify", str(sharded / "out" / "public"), "--allow-insecure"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 shards" in result.stdout and "PASS" in result.stdout


def test_resume_keeps_finished_shards(sharded: Path, dev_srs_dir, tmp_path: Path) -> None:  # noqa: ANN001
    snapshot = load_csv_snapshot(sharded)
    out = tmp_path / "out"
    specs = plan_shards(snapshot, 6, out, dev_srs_dir(16), "resume-1", "2026-12-01T00:00:00Z", 0)
    prove_shard(specs[0])  # an interrupted run finished shard 0 only
    kept = (Path(specs[0].output) / "public" / "proof.bin").read_bytes()
    assert is_finished(specs[0]) and not is_finished(specs[1])
    result = CliRunner().invoke(
        main,
        ["prove", str(sharded / "snap.csv"), "--prices", str(sharded / "prices.csv"), "--srs",
         str(dev_srs_dir(16)), "--out", str(out), "--shard-users", "6", "--resume"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "resuming 2 shards" in result.output
    assert (out / "public" / "shards" / "0" / "proof.bin").read_bytes() == kept
    assert not (tmp_path / "out.work").exists()
    _check(out / "public")


def load_csv_snapshot(sharded: Path) -> Snapshot:
    from zkpor.prover.exchange.ingest import load_prices, load_snapshot

    return load_snapshot(sharded / "snap.csv", load_prices(sharded / "prices.csv"))


# -- dishonest shards: each rejected with its reason ------------------------------------
def _reindex(top: TopStatement, entries: list) -> TopStatement:
    """A top statement re-made consistent (indices, totals, global root) over ``entries``."""
    entries = [replace(e, index=i) for i, e in enumerate(entries)]
    assets = tuple(
        replace(a, total=sum(e.totals[j] for e in entries)) for j, a in enumerate(top.assets)
    )
    return replace(top, shards=tuple(entries), assets=assets,
                   global_root=global_root([e.merkle_root for e in entries]))  # fmt: skip


def _rejects(public: Path, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        _check(public)


def test_dropped_shard_is_rejected(sharded: Path, tmp_path: Path) -> None:
    public = _copy(sharded, tmp_path)
    top = _top(public)
    _write_top(public, _reindex(top, list(top.shards[:2])))
    shutil.rmtree(public / "shards" / "2")
    _rejects(public, r"names shard \(0, 3\)")


def test_duplicated_shard_is_rejected(sharded: Path, tmp_path: Path) -> None:
    public = _copy(sharded, tmp_path)
    top = _top(public)
    shutil.rmtree(public / "shards" / "2")
    shutil.copytree(public / "shards" / "1", public / "shards" / "2")
    _write_top(public, _reindex(top, [top.shards[0], top.shards[1], top.shards[1]]))
    _rejects(public, r"shard 2: its statement names shard \(1, 3\)")
    # relabelling the copy's statement as shard 2 changes its transcript: the proof fails
    statement = json.loads((public / "shards" / "2" / "statement.json").read_text())
    statement["shard"]["index"] = 2
    (public / "shards" / "2" / "statement.json").write_text(json.dumps(statement))
    entry = replace(top.shards[1], digest=published_digest(*_shard_files(public, 2)))
    _write_top(public, _reindex(top, [top.shards[0], top.shards[1], entry]))
    _rejects(public, r"shard 2: the (constraints|KZG)")


def test_swapped_shards_are_rejected(sharded: Path, tmp_path: Path) -> None:
    public = _copy(sharded, tmp_path)
    top = _top(public)
    os.rename(public / "shards" / "0", public / "shards" / "tmp")
    os.rename(public / "shards" / "1", public / "shards" / "0")
    os.rename(public / "shards" / "tmp", public / "shards" / "1")
    _write_top(public, _reindex(top, [top.shards[1], top.shards[0], top.shards[2]]))
    _rejects(public, r"shard 0: its statement names shard \(1, 3\)")


def test_shard_from_another_snapshot_is_rejected(sharded: Path, tmp_path: Path) -> None:
    public = _copy(sharded, tmp_path)
    top = _top(public)
    foreign = sharded / "other" / "public" / "shards" / "1"
    shutil.rmtree(public / "shards" / "1")
    shutil.copytree(foreign, public / "shards" / "1")
    foreign_entry = _top(sharded / "other" / "public").shards[1]
    _write_top(public, _reindex(top, [top.shards[0], foreign_entry, top.shards[2]]))
    _rejects(public, "shard 1: its statement is for another snapshot")
    statement = json.loads((public / "shards" / "1" / "statement.json").read_text())
    statement["snapshot_id"], statement["snapshot_time"] = top.snapshot_id, top.snapshot_time
    (public / "shards" / "1" / "statement.json").write_text(json.dumps(statement))
    entry = replace(foreign_entry, digest=published_digest(*_shard_files(public, 1)))
    _write_top(public, _reindex(top, [top.shards[0], entry, top.shards[2]]))
    _rejects(public, r"shard 1: the (constraints|KZG)")


def test_totals_that_do_not_sum_are_rejected(sharded: Path, tmp_path: Path) -> None:
    public = _copy(sharded, tmp_path)
    top = _top(public)
    lowered = replace(top, assets=(replace(top.assets[0], total=top.assets[0].total - 1),
                                   *top.assets[1:]))  # fmt: skip
    _write_top(public, lowered)
    _rejects(public, "shard totals of BTC do not sum")
    # moving the difference into a shard entry keeps the sum but not the shard's statement
    entry = replace(top.shards[0], totals=(top.shards[0].totals[0] - 1, *top.shards[0].totals[1:]))
    _write_top(public, _reindex(top, [entry, *top.shards[1:]]))
    _rejects(public, "shard 0: its totals differ")


def test_edited_digest_or_root_is_rejected(sharded: Path, tmp_path: Path) -> None:
    public = _copy(sharded, tmp_path)
    top = _top(public)
    _write_top(public, replace(top, global_root=bytes(32)))
    _rejects(public, "global root")
    proof = bytearray(_shard_files(public, 2)[1])
    proof[100] ^= 1
    (public / "shards" / "2" / "proof.bin").write_bytes(bytes(proof))
    _write_top(public, top)
    _rejects(public, "shard 2: files do not match the digest")


def test_one_fingerprint_in_two_shards_is_rejected(sharded: Path, dev_srs_dir, tmp_path: Path) -> None:  # noqa: ANN001
    """A dishonest prover gives shard 1's padding row the mask of shard 0's: both shard
    proofs are valid, and the same leaf stands in two shards."""
    snapshot = load_csv_snapshot(sharded)
    out = tmp_path / "dup"
    srs_dir = dev_srs_dir(16)
    specs = plan_shards(snapshot, 6, out, srs_dir, "dup-1", "2026-12-01T00:00:00Z", 0)
    srs = SRS.load(srs_dir)
    masks = []
    for spec in specs:
        part = read_snapshot_parquet(spec.input)
        trace = build_trace(part, spec.snapshot_id, 0, min_log_n=srs.log_n)
        last = trace.n - 1
        if masks:
            trace.mask[last] = masks[0]
        masks.append(trace.mask[last].copy())
        prover = SolvencyProver(srs, trace, spec.snapshot_id, spec.snapshot_time,
                                shard=(spec.index, spec.count))  # fmt: skip
        write_outputs(Path(spec.output), prover.prove(), part, srs_dir / VK_FILE)
    assemble(out, specs)
    _rejects(out / "public", "a fingerprint appears in two shards")
