"""`zkpor bench arith`: timings of the numba BN254 core (fields, G1, MSM, NTT).

Every figure is the best of ``--repeat`` runs after a warm-up call (the machine is
shared, so the minimum is the least noisy estimate); ``*_cpu_*`` fields give the
process CPU time of the same kind of run (robust to time-slicing by other processes). ``compile_s`` is measured in a
fresh subprocess whose NUMBA_CACHE_DIR is an empty temporary directory: the wall time
of importing the prover core and calling every kernel once on tiny inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

_COMPILE_SCRIPT = """
import time
t0 = time.perf_counter()
import numpy as np
from zkpor.prover.arith import field as F, g1 as G, msm as M, ntt as T
one = np.ones((3, 4), dtype=np.uint64)
a = F.fr_from_ints([1, 2, 3])
F.fr_mul(a, a); F.fr_add(a, a); F.fr_sub(a, a); F.fr_sqr(a); F.fr_neg(a)
F.fr_batch_inv(a); F.fr_pow(a, 5); F.fr_powers(3, 4); F.fr_sum(a); F.fr_inner(a, a)
F.fr_eval_poly(a, 2); F.fr_div_linear(a, 2); F.fr_from_int64(np.arange(3)); F.fr_to_ints(a)
p = G.g1_fixed_base_mul(G.G1_GEN, one)
G.g1_add_affine(p, p); G.g1_scalar_mul_batch(p, one); G.g1_from_bytes(G.g1_to_bytes(p))
G.madd_chain(p, 1)
M.msm(p, one); M.msm_small(p, np.arange(3, dtype=np.uint64))
b = F.fr_from_ints(range(8)); T.intt(T.ntt(b)); T.coset_intt(T.coset_ntt(b, 5), 5)
print(time.perf_counter() - t0)
"""


_CPU: dict[str, float] = {}


def _best(fn: Callable[[], Any], repeat: int, key: str = "") -> float:
    """Best wall time of ``repeat`` runs after a warm-up; the process CPU time of the
    same best run goes to ``_CPU[key]`` (with one thread it is the contention-free
    figure on a shared machine; with more threads it is the sum over threads)."""
    fn()  # warm-up (compilation, page faults, twiddle tables)
    best = float("inf")
    cpu_best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        c = time.process_time()
        fn()
        c = time.process_time() - c
        t = time.perf_counter() - t
        best = min(best, t)
        cpu_best = min(cpu_best, c)
    if key:
        _CPU[key] = cpu_best
    return best


def measure_compile_s() -> float:
    """First-call compile time of the core with an empty numba cache (fresh subprocess)."""
    with tempfile.TemporaryDirectory(prefix="zkpor-numba-") as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        res = subprocess.run(
            [sys.executable, "-c", _COMPILE_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return float(res.stdout.strip().splitlines()[-1])


def random_scalars(n: int, rng: Any) -> Any:
    """n uniform-ish scalars below r in standard form (n, 4) (top limb reduced mod r's)."""
    import numpy as np

    from zkpor.prover.arith.mont import FR_C

    s = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    s[:, 3] %= FR_C.m[3]
    return s


def run_bench(log_n: int, threads: int, repeat: int = 3, compile_time: bool = True) -> dict:
    import numba
    import numpy as np

    from zkpor.prover.arith import field as F
    from zkpor.prover.arith import g1 as G
    from zkpor.prover.arith.msm import choose_window, msm, msm_small
    from zkpor.prover.arith.ntt import ntt

    numba.set_num_threads(threads)
    rng = np.random.default_rng(20240601)
    n = 1 << log_n
    res: dict[str, Any] = {"log_n": log_n, "threads": threads, "repeat": repeat}

    nm = 1 << 20
    a = F.fr_from_standard(random_scalars(nm, rng))
    b = F.fr_from_standard(random_scalars(nm, rng))
    out = np.empty_like(a)
    res["fr_mul_ns"] = _best(lambda: F.fr_mul(a, b, out=out), repeat, "fr_mul") / nm * 1e9
    res["fr_mul_cpu_ns"] = _CPU["fr_mul"] / nm * 1e9

    t = time.perf_counter()
    scalars = random_scalars(n, rng)
    points = G.g1_fixed_base_mul(G.G1_GEN, random_scalars(n, rng))
    res["points_gen_s"] = time.perf_counter() - t

    nmadd = min(n, 1 << 16)
    res["g1_madd_ns"] = _best(lambda: G.madd_chain(points[:nmadd], 1), repeat, "madd") / nmadd * 1e9
    res["g1_madd_cpu_ns"] = _CPU["madd"] / nmadd * 1e9

    res["msm_window"] = list(choose_window(n, 254, threads))
    res["msm_full_s"] = _best(lambda: msm(points, scalars), repeat, "msm")
    res["msm_full_cpu_s"] = _CPU["msm"]
    small = rng.integers(0, 1 << 16, size=n, dtype=np.uint64)
    res["msm_16bit_s"] = _best(lambda: msm_small(points, small), repeat, "msm16")
    res["msm_16bit_cpu_s"] = _CPU["msm16"]

    coeffs = F.fr_from_standard(random_scalars(n, rng))
    res["ntt_s"] = _best(lambda: ntt(coeffs), repeat, "ntt")
    res["ntt_cpu_s"] = _CPU["ntt"]
    if compile_time:
        res["compile_s"] = measure_compile_s()
    return res


def format_table(res: dict) -> str:
    rows = [
        ("fr_mul_ns", "ns", "Fr Montgomery mul, 2^20 array"),
        ("g1_madd_ns", "ns", "G1 Jacobian mixed add"),
        ("msm_full_s", "s", f"MSM 2^{res['log_n']}, 254-bit scalars"),
        ("msm_16bit_s", "s", f"MSM 2^{res['log_n']}, 16-bit scalars"),
        ("ntt_s", "s", f"NTT 2^{res['log_n']}"),
        ("compile_s", "s", "numba compile, empty cache"),
    ]
    lines = [f"zkpor bench arith  (K={res['log_n']}, threads={res['threads']})"]
    lines.append(f"  {'':<36} {'wall':>10}   {'cpu':>10}")
    for key, unit, label in rows:
        if key in res:
            ck = key.replace("_ns", "_cpu_ns") if unit == "ns" else key.replace("_s", "_cpu_s")
            cpu = f"{res[ck]:>10.3f}" if ck in res else f"{'':>10}"
            lines.append(f"  {label:<36} {res[key]:>10.3f}   {cpu} {unit}")
    return "\n".join(lines)


@click.command("arith")
@click.option("--log-n", "log_n", type=click.IntRange(1, 26), default=20, show_default=True)
@click.option("--threads", type=int, default=None, help="numba threads (default: all)")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--repeat", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--no-compile", is_flag=True, help="skip the compile-time subprocess")
def bench_arith(
    log_n: int, threads: int | None, json_path: Path | None, repeat: int, no_compile: bool
) -> None:
    """Benchmark field multiplication, G1 addition, MSM and NTT at size 2^K."""
    import numba

    t = threads or numba.config.NUMBA_NUM_THREADS
    if not 1 <= t <= numba.config.NUMBA_NUM_THREADS:
        raise click.BadParameter(f"threads must be in 1..{numba.config.NUMBA_NUM_THREADS}")
    res = run_bench(log_n, t, repeat, not no_compile)
    click.echo(format_table(res))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(res, indent=2) + "\n")
