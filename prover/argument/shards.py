"""Sharding (PROTOCOL.md section 9): plan the shards, prove one, assemble the published folder.

Three plain functions and no cluster: :func:`plan_shards` assigns users to shards
uniformly at random and names each shard's input and output; :func:`prove_shard` is the
unit of work a worker runs (read the shard's Parquet input and the SRS from paths, prove
with today's argument, write the shard's folders atomically); :func:`assemble` builds the
top statement from the finished shards and writes OUT/public and OUT/private atomically.
``zkpor.prover.cluster`` decides where :func:`prove_shard` runs.

Work folder (beside OUT, kept by an interrupted run for ``--resume``)::

    OUT.work/plan.json            snapshot id and time, K, the shard specs
    OUT.work/inputs/<i>.parquet   shard i's users (exchange/snapshot_file.py)
    OUT.work/shards/<i>/          shard i's public/ and private/ (present = finished)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from zkpor.prover.argument.prove import SolvencyProver
from zkpor.prover.argument.publish import write_outputs
from zkpor.prover.argument.trace import build_trace
from zkpor.prover.atomic import atomic_dir, atomic_write
from zkpor.prover.exchange.haircuts import load_haircuts
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.prover.exchange.snapshot_file import read_snapshot_parquet, write_snapshot_parquet
from zkpor.prover.setup.srs import SRS
from zkpor.verifier.public import (
    FINGERPRINTS,
    PROOF,
    PROOF_JSON,
    SHARDS,
    STATEMENT,
    VK,
    published_digest,
)
from zkpor.verifier.sharded import ShardEntry, TopStatement, global_root
from zkpor.verifier.srs import VK_FILE
from zkpor.verifier.statement import AssetInfo, Statement

PLAN = "plan.json"
SMALL_SHARD = 1000
"""Below this many users per shard the shard totals say more about single balances."""


@dataclass(frozen=True)
class ShardSpec:
    """Everything a worker needs for one shard, by path (shared storage)."""

    index: int
    count: int
    users: int
    input: str
    srs: str
    output: str
    snapshot_id: str
    snapshot_time: str
    dummy_users: int | None = None
    haircuts: str | None = None
    """The tier tables' CSV (PROTOCOL.md section 10), by path like the rest."""


@dataclass(frozen=True)
class ShardResult:
    index: int
    seconds: float
    peak_rss_mb: float
    timings: dict[str, float]
    worker: str


def work_folder(out: Path) -> Path:
    return out.with_name(out.name + ".work")


def assign_users(n_users: int, shard_users: int, rng: np.random.Generator) -> list[np.ndarray]:
    """K = ceil(n_users / shard_users) parts of a uniformly random permutation of the users,
    sizes differing by at most one; each part sorted (the trace shuffles again)."""
    if shard_users < 1:
        raise ValueError("--shard-users must be at least 1")
    count = max(1, -(-n_users // shard_users))
    perm = rng.permutation(n_users)
    return [np.sort(part) for part in np.array_split(perm, count)]


def plan_shards(
    snapshot: Snapshot,
    shard_users: int,
    out: Path,
    srs: Path,
    snapshot_id: str,
    snapshot_time: str,
    dummy_users: int | None = None,
    rng: np.random.Generator | None = None,
    haircuts: Path | None = None,
) -> list[ShardSpec]:
    """Assign users to shards, write each shard's Parquet input and the plan; return the specs.

    ``rng`` defaults to a CSPRNG-seeded generator (pass one to make the same plan twice).
    """
    if rng is None:
        rng = np.random.default_rng(int.from_bytes(os.urandom(32), "big"))
    work = work_folder(out)
    (work / "inputs").mkdir(parents=True, exist_ok=True)
    parts = assign_users(snapshot.n_users, shard_users, rng)
    specs = []
    for i, users in enumerate(parts):
        path = work / "inputs" / f"{i}.parquet"
        write_snapshot_parquet(snapshot.select(users), path)
        specs.append(
            ShardSpec(
                index=i, count=len(parts), users=len(users), input=str(path.resolve()),
                srs=str(Path(srs).resolve()), output=str((work / SHARDS / str(i)).resolve()),
                snapshot_id=snapshot_id, snapshot_time=snapshot_time, dummy_users=dummy_users,
                haircuts=None if haircuts is None else str(Path(haircuts).resolve()),
            )
        )  # fmt: skip
    plan = {"snapshot_id": snapshot_id, "snapshot_time": snapshot_time,
            "specs": [asdict(s) for s in specs]}  # fmt: skip
    atomic_write(work / PLAN, (json.dumps(plan, indent=2) + "\n").encode())
    return specs


def load_plan(out: Path) -> list[ShardSpec]:
    """The specs of an interrupted run (``--resume``)."""
    try:
        plan = json.loads((work_folder(out) / PLAN).read_text())
        return [ShardSpec(**s) for s in plan["specs"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{work_folder(out) / PLAN}: no plan to resume ({exc})") from None


def is_finished(spec: ShardSpec) -> bool:
    return (Path(spec.output) / "public" / STATEMENT).is_file()


def prove_shard(spec: ShardSpec) -> ShardResult:
    """Prove one shard from its spec (runs on a worker); its folder appears whole or not at all."""
    start = time.perf_counter()
    snapshot = read_snapshot_parquet(spec.input)
    srs = SRS.load(spec.srs)
    tiers = load_haircuts(spec.haircuts, snapshot.symbols) if spec.haircuts else None
    trace = build_trace(
        snapshot, spec.snapshot_id, spec.dummy_users, min_log_n=srs.log_n, tiers=tiers
    )
    prover = SolvencyProver(
        srs, trace, spec.snapshot_id, spec.snapshot_time, shard=(spec.index, spec.count)
    )
    bundle = prover.prove()
    write_outputs(Path(spec.output), bundle, snapshot, Path(spec.srs) / VK_FILE)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ShardResult(
        spec.index, time.perf_counter() - start, peak_mb, dict(bundle.timings),
        f"{socket.gethostname()}:{os.getpid()}",
    )  # fmt: skip


def top_statement(specs: Sequence[ShardSpec]) -> TopStatement:
    """The top statement over finished shards (their public statements and files)."""
    entries, statements = [], []
    for spec in specs:
        public = Path(spec.output) / "public"
        files = [(public / n).read_bytes() for n in (STATEMENT, PROOF, FINGERPRINTS)]
        st = Statement.loads(files[0].decode())
        statements.append(st)
        entries.append(
            ShardEntry(spec.index, published_digest(*files), st.merkle_root, st.n_u,
                       tuple(a.total for a in st.assets))
        )  # fmt: skip
    first = statements[0]
    assets = tuple(
        AssetInfo(a.symbol, a.price, sum(e.totals[j] for e in entries), a.tiers)
        for j, a in enumerate(first.assets)
    )
    return TopStatement(
        snapshot_id=first.snapshot_id,
        snapshot_time=first.snapshot_time,
        assets=assets,
        srs_digest=first.srs_digest,
        srs_insecure=first.srs_insecure,
        shards=tuple(entries),
        global_root=global_root([e.merkle_root for e in entries]),
    )


def assemble(out: Path, specs: Sequence[ShardSpec]) -> TopStatement:
    """Write OUT/public and OUT/private from the finished shards, then drop the work folder."""
    top = top_statement(specs)
    text = top.dumps().encode()
    with atomic_dir(out) as stage:
        public, private = stage / "public", stage / "private"
        (public / SHARDS).mkdir(parents=True)
        (private / SHARDS).mkdir(parents=True)
        (public / STATEMENT).write_bytes(text)
        (private / STATEMENT).write_bytes(text)
        shutil.copyfile(Path(specs[0].srs) / VK_FILE, public / VK)
        for spec in specs:
            src = Path(spec.output)
            dst = public / SHARDS / str(spec.index)
            dst.mkdir()
            for name in (STATEMENT, PROOF, PROOF_JSON, FINGERPRINTS):
                shutil.copyfile(src / "public" / name, dst / name)
            shutil.copytree(src / "private", private / SHARDS / str(spec.index))
    shutil.rmtree(work_folder(out), ignore_errors=True)
    return top
