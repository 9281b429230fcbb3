"""Shards on a Dask cluster (``dask.distributed``, the ``cluster`` extra): one task per shard.

``scheduler`` connects to an existing cluster (``tcp://HOST:PORT``); otherwise a
``LocalCluster`` of ``workers`` processes starts here on 127.0.0.1 and stops after the
run. Tasks carry only a :class:`ShardSpec` (paths): every worker must read the Parquet
inputs and the SRS and write the shard folders on storage shared with the client (the
SRS is memory-mapped from its path rather than shipped through Dask: at 2^22 the path
takes 0.14 s and no copy, a scatter 6.3 s and 537 MB more per worker; docs/benchmarks).
A worker that dies mid-shard loses nothing: the scheduler reruns its task on another
worker (up to ``distributed.scheduler.allowed-failures`` times), and a shard's folder
appears only when complete.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from distributed import Client, LocalCluster, as_completed

from zkpor.prover.argument.shards import ShardResult, ShardSpec, prove_shard
from zkpor.prover.cluster.executor import Progress

POLL_S = 0.5


def _running(client: Client, keys: set[str]) -> int:
    processing = client.processing()
    return sum(1 for tasks in processing.values() for key in tasks if key in keys)


def run_on_dask(
    specs: Sequence[ShardSpec], progress: Progress, scheduler: str | None = None, workers: int = 1
) -> list[ShardResult]:
    """Submit one task per shard and wait for all; the first failure is raised."""
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, memory_limit=0,
        )  # fmt: skip
    try:
        with Client(cluster if cluster is not None else scheduler, timeout="30s") as client:
            futures = [
                client.submit(prove_shard, spec, key=f"zkpor-shard-{spec.snapshot_id}-{spec.index}",
                              pure=False)
                for spec in specs
            ]  # fmt: skip
            keys = {f.key for f in futures}
            results: list[ShardResult] = []
            pending = as_completed(futures)
            last = 0.0
            while len(results) < len(futures):
                batch = pending.next_batch(block=False)
                for future in batch:
                    results.append(future.result())
                    keys.discard(future.key)
                now = time.monotonic()
                if batch or now - last > POLL_S:
                    progress.update(done=progress.total - len(specs) + len(results),
                                    running=_running(client, keys))  # fmt: skip
                    last = now
                if not batch:
                    time.sleep(POLL_S / 5)
            return results
    finally:
        if cluster is not None:
            cluster.close()
