"""Ingest benchmark: generate a long CSV (default 10,000,000 rows) and time load_snapshot.

    .venv/bin/python benches/bench_ingest.py [--rows 10000000] [--keep DIR] [--json OUT]

The CSV is generated in a temp dir (about 5 rows per user, shuffled so a user's rows
are not adjacent, 20 assets, amounts with up to 8 decimals). The load runs in a child
process so its peak RSS (ru_maxrss) is measured alone. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


def generate(path: str, rows: int, assets: int, seed: int = 7) -> str:
    rng = np.random.default_rng(seed)
    users = max(1, rows // 5)
    symbols = [f"A{j:03d}" for j in range(assets)]
    prices_path = os.path.join(os.path.dirname(path), "prices.csv")
    with open(prices_path, "w") as f:
        f.write("asset,price_usd\n")
        for j, s in enumerate(symbols):
            f.write(f"{s},{1 + 37 * j}.{j:02d}\n")
    chunk = 2_000_000
    header = True
    with open(path, "wb") as out:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            r = np.arange(start, start + n, dtype=np.int64)
            # each (user, asset) pair once: row -> user r % users, asset (r // users) % assets
            uid = r % users
            asset = (r // users) % assets
            units = rng.integers(-(10**12), 10**14, size=n, dtype=np.int64)
            perm = rng.permutation(n)
            uid, asset, units = uid[perm], asset[perm], units[perm]
            q = np.abs(units) // 10**8
            rem = np.abs(units) % 10**8
            uid_s = pc.binary_join_element_wise("u", pc.cast(pa.array(uid), pa.string()), "")
            sym = pa.array(symbols).take(pa.array(asset))
            frac = pc.utf8_lpad(pc.cast(pa.array(rem), pa.string()), 8, "0")
            sign = pc.if_else(pa.array(units < 0), "-", "")
            amt = pc.binary_join_element_wise(
                sign, pc.cast(pa.array(q), pa.string()), ".", frac, ""
            )
            table = pa.table({"uid": uid_s, "asset": sym, "amount": amt})
            pacsv.write_csv(
                table,
                out,
                write_options=pacsv.WriteOptions(include_header=header, quoting_style="none"),
            )
            header = False
    return prices_path


def child(csv_path: str, prices_path: str) -> None:
    from zkpor.prover.exchange.ingest import load_prices, load_snapshot

    t0 = time.perf_counter()
    snap = load_snapshot(csv_path, load_prices(prices_path))
    dt = time.perf_counter() - t0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": round(dt, 2),
                "peak_rss_mib": round(rss_kib / 1024, 1),
                "users": snap.n_users,
                "entries": snap.n_entries,
                "assets": snap.n_assets,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--assets", type=int, default=20)
    ap.add_argument("--keep", help="directory to keep the generated files in")
    ap.add_argument("--json", help="write the result JSON here")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    d = a.keep or tempfile.mkdtemp(prefix="zkpor-bench-ingest-")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "snapshot.csv")
    t0 = time.perf_counter()
    prices_path = generate(path, a.rows, a.assets)
    gen_s = time.perf_counter() - t0
    out = subprocess.run(
        [sys.executable, __file__, "--child", path, prices_path],
        check=True,
        capture_output=True,
        text=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res.update(
        {
            "rows": a.rows,
            "file_mib": round(os.path.getsize(path) / 2**20, 1),
            "generate_seconds": round(gen_s, 2),
        }
    )
    if not a.keep:
        os.unlink(path)
        os.unlink(prices_path)
        os.rmdir(d)
    text = json.dumps(res)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
