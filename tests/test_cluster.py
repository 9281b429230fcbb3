"""Shards on Dask (issue 11): an in-process cluster, a real scheduler with two worker
processes on 127.0.0.1, and a worker killed while it proves.

Every fixture has a timeout and stops what it started, whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkpor.prover.cli.main import main
from zkpor.verifier.cli import main as verify_main

distributed = pytest.importorskip("distributed")

USERS = 9
START_TIMEOUT_S = 120
RUN_TIMEOUT_S = 900
DASK = Path(sys.executable).with_name("dask")


def snapshot_csv() -> str:
    rows = ["uid,asset,amount"]
    for i in range(USERS):
        rows += [f"c{i},BTC,{(i % 4) / 10}", f"c{i},USDT,{500 + 10 * i}"]
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("cluster")
    (work / "snap.csv").write_text(snapshot_csv())
    (work / "prices.csv").write_text("asset,price_usd\nBTC,90000\nUSDT,1\n")
    return work


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """`dask scheduler` and `workers` `dask worker` processes (no nanny) on 127.0.0.1."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs: list[subprocess.Popen] = []
    start = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        procs.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"], **start,
        ))  # fmt: skip
        for i in range(workers):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"w{i}", "--memory-limit", "0"], **start,
            ))  # fmt: skip
        with distributed.Client(address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT_S)
        yield address, procs
    finally:
        _stop(procs)


def _prove_args(exchange: Path, srs: Path, out: Path, *extra: str) -> list[str]:
    return ["prove", str(exchange / "snap.csv"), "--prices", str(exchange / "prices.csv"),
            "--srs", str(srs), "--out", str(out), "--shard-users", "3", "--dummy-users", "1",
            *extra]  # fmt: skip


def _verify_users(out: Path, uids: list[str]) -> set[int]:
    """Verify the folder with the base-install CLI and check each user; their shards."""
    result = CliRunner().invoke(verify_main, ["verify", str(out / "public"), "--allow-insecure"])
    assert result.exit_code == 0, result.output
    assert "3 shards" in result.output
    shards = set()
    for uid in uids:
        path = out.parent / f"{out.name}-{uid}.json"
        result = CliRunner().invoke(
            main, ["inclusion", "export", str(out / "private"), "--uid", uid, "-o", str(path)]
        )
        assert result.exit_code == 0, result.output
        shards.add(json.loads(path.read_text())["shard"])
        result = CliRunner().invoke(
            verify_main,
            ["inclusion", "verify", str(path), "--public", str(out / "public"), "--uid", uid,
             "--allow-insecure"],
        )  # fmt: skip
        assert result.exit_code == 0 and "PASS: you are included" in result.output, result.output
    return shards


def test_in_process_cluster_runs_the_shards(exchange: Path, dev_srs_dir) -> None:  # noqa: ANN001
    """A LocalCluster with thread workers (the cheapest real Dask path) behind --scheduler."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
        host="127.0.0.1", protocol="tcp",
    )  # fmt: skip
    try:
        out = exchange / "inproc"
        result = CliRunner().invoke(
            main, _prove_args(exchange, dev_srs_dir(16), out, "--scheduler", cluster.scheduler_address)
        )
        assert result.exit_code == 0, result.output
        assert "3 shards on tcp://127.0.0.1" in result.output
    finally:
        cluster.close(timeout=30)
    assert len(_verify_users(out, [f"c{i}" for i in range(USERS)])) == 3


@pytest.mark.slow
def test_scheduler_and_two_worker_processes(exchange: Path, dev_srs_dir) -> None:  # noqa: ANN001
    """`dask scheduler` + two `dask worker` processes; the CLI sends the 3 shards to them."""
    with dask_cluster(2) as (address, _):
        out = exchange / "procs"
        result = subprocess.run(
            [str(Path(sys.executable).with_name("zkpor")), *_prove_args(exchange, dev_srs_dir(16), out),
             "--scheduler", address],
            capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert "3 shards on tcp://127.0.0.1" in result.stderr
    assert len(_verify_users(out, ["c0", "c4", "c8", "c2"])) >= 2


@pytest.mark.slow
def test_a_worker_killed_mid_shard_loses_nothing(exchange: Path, dev_srs_dir) -> None:  # noqa: ANN001
    """Kill the worker proving a shard: the scheduler reruns it on the other worker."""
    with dask_cluster(2) as (address, procs):
        out = exchange / "killed"
        prove = subprocess.Popen(
            [str(Path(sys.executable).with_name("zkpor")), *_prove_args(exchange, dev_srs_dir(16), out),
             "--scheduler", address],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            killed = None
            with distributed.Client(address, timeout=START_TIMEOUT_S) as client:
                deadline = time.monotonic() + START_TIMEOUT_S
                while killed is None and time.monotonic() < deadline:
                    for worker, keys in client.processing().items():
                        if any(str(k).startswith("zkpor-shard-") for k in keys):
                            name = client.scheduler_info()["workers"][worker]["name"]
                            killed = procs[1 + int(str(name)[1:])].pid  # worker wI is procs[1 + I]
                            break
                    time.sleep(0.2)
                assert killed is not None, "no worker started a shard"
                time.sleep(1.0)  # mid-shard: it has read its input and begun proving
                os.kill(killed, signal.SIGKILL)
            stdout, stderr = prove.communicate(timeout=RUN_TIMEOUT_S)
        finally:
            if prove.poll() is None:
                os.killpg(prove.pid, signal.SIGKILL)
                prove.wait(timeout=10)
        assert prove.returncode == 0, stderr[-3000:]
        finished_by = [line for line in stderr.splitlines() if "peak" in line]
        assert len(finished_by) == 3 and not any(line.endswith(f":{killed}") for line in finished_by)
    assert len(_verify_users(out, ["c1", "c5"])) >= 1
