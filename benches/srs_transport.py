"""How a Dask worker should get the SRS: from a path it can read, or through Dask.

``python -m benches.srs_transport SRS_DIR [--json OUT]`` starts a LocalCluster of one
worker process and times, on that worker: (a) ``SRS.load(path)`` and reading every page
of its point files (what a shard proof does), and (b) the same arrays sent from the
client with ``client.scatter`` and received by the worker. The figures decide
``prover/cluster/dask.py``'s design (path, shared storage) and are in docs/benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def _load_by_path(path: str) -> float:
    import numpy as np

    from zkpor.prover.setup.srs import SRS

    start = time.perf_counter()
    srs = SRS.load(path)
    total = int(np.asarray(srs.monomial[::512]).sum() + np.asarray(srs.lagrange[::512]).sum())
    assert total >= 0
    return time.perf_counter() - start


def _rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _received(arrays: list) -> float:
    return float(sum(a.nbytes for a in arrays))


def measure(srs_dir: Path) -> dict[str, object]:
    import numpy as np
    from distributed import Client, LocalCluster

    from zkpor.prover.setup.srs import SRS

    srs = SRS.load(srs_dir)
    nbytes = srs.monomial.nbytes + srs.lagrange.nbytes
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit=0) as cluster, Client(cluster) as client:  # fmt: skip
        client.run(lambda: None)
        by_path = min(client.submit(_load_by_path, str(srs_dir), pure=False).result() for _ in range(3))
        arrays = [np.ascontiguousarray(srs.monomial), np.ascontiguousarray(srs.lagrange)]
        start = time.perf_counter()
        futures = client.scatter(arrays, direct=True)
        client.submit(_received, futures, pure=False).result()
        scatter = time.perf_counter() - start
        worker_rss = max(client.run(_rss).values())
    return {
        "log_n": srs.log_n, "srs_bytes": nbytes, "by_path_s": round(by_path, 3),
        "scatter_s": round(scatter, 3), "worker_rss_after_scatter_mb": round(worker_rss / 2**20),
        "load_avg": os.getloadavg(),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("srs_dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.srs_dir)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
