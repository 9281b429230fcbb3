"""A Snapshot as one exact Parquet file: how a shard's users reach a cluster worker.

One row per user: ``uid`` (string) and the list columns ``asset`` (int32), ``hi``
(int64) and ``lo`` (uint64) of the user's entries, with b = hi * 2^64 + lo exactly as
in :class:`Snapshot`; symbols and prices are schema metadata (JSON, prices as decimal
strings). Nothing is parsed from text, so reading is exact and fast. Written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from zkpor.prover.atomic import atomic_path
from zkpor.prover.exchange.snapshot import Snapshot, SnapshotError

META_KEY = b"zkpor.snapshot"
FORMAT = "zkpor-snapshot-parquet-v1"


def write_snapshot_parquet(snapshot: Snapshot, path: str | Path) -> None:
    """Write ``snapshot`` to ``path`` (whole or absent)."""
    offsets = pa.array(snapshot.offsets.astype(np.int32))
    table = pa.table(
        {
            "uid": pa.array(snapshot.uids, type=pa.string()),
            "asset": pa.ListArray.from_arrays(offsets, pa.array(snapshot.asset.astype(np.int32))),
            "hi": pa.ListArray.from_arrays(offsets, pa.array(snapshot.amount_hi.astype(np.int64))),
            "lo": pa.ListArray.from_arrays(offsets, pa.array(snapshot.amount_lo.astype(np.uint64))),
        }
    )
    meta = {
        "format": FORMAT,
        "symbols": snapshot.symbols,
        "prices": [str(p) for p in snapshot.prices],
    }
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()})
    with atomic_path(Path(path)) as tmp:
        pq.write_table(table, tmp)


def read_snapshot_parquet(path: str | Path) -> Snapshot:
    """Read a file written by :func:`write_snapshot_parquet`; validates the snapshot."""
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[META_KEY])
    except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
        raise SnapshotError(f"not a zkpor snapshot file ({exc})", path) from None
    if meta.get("format") != FORMAT:
        raise SnapshotError("not a zkpor snapshot file (format)", path)
    assets = table.column("asset").combine_chunks()
    offsets = np.asarray(assets.offsets, dtype=np.int64)
    offsets = offsets - offsets[0]

    def values(name: str, dtype: type) -> np.ndarray:
        return np.asarray(table.column(name).combine_chunks().flatten(), dtype=dtype)

    snapshot = Snapshot(
        list(meta["symbols"]),
        [int(p) for p in meta["prices"]],
        table.column("uid").to_pylist(),
        offsets,
        values("asset", np.int32),
        values("hi", np.int64),
        values("lo", np.uint64),
    )
    snapshot.validate()
    return snapshot
