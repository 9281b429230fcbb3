"""The prover: from an exchange's snapshot to a published solvency proof.

Layers, bottom to top; a layer imports only the layers before it (and itself),
``zkpor.prover.atomic`` (a leaf), ``zkpor.verifier`` and ``zkpor.circuits``:

============  ===========================================================  ==================
package       holds                                                        may import
============  ===========================================================  ==================
``arith``     Montgomery fields, G1, MSM, NTT, prefix sums (numba)         (nothing)
``exchange``  ingestion, snapshot, account builder, synthetic exchanges    (nothing)
``setup``     .ptau import, SRS, KZG commitments and openings              arith
``argument``  trace, rounds, quotient, fused constraint kernel, publishing arith, setup, exchange
              and sharding (plan, one shard, assembly)
``cluster``   where shards run: in process or on Dask (``cluster`` extra)  the layers above
``cli``       the ``zkpor`` click commands and the demo                    every layer
============  ===========================================================  ==================

``zkpor.verifier`` and ``zkpor.circuits`` import nothing from here (tests/test_layers.py).
Names below are re-exported lazily: ``import zkpor.prover`` loads no numba code.
"""

from zkpor.prover.lazy import lazy_exports

_NAMES = {
    "SolvencyProver": "argument",
    "ProofBundle": "argument",
    "build_trace": "argument",
    "write_outputs": "argument",
    "Snapshot": "exchange",
    "load_snapshot": "exchange",
    "load_prices": "exchange",
    "SRS": "setup",
    "dev_srs": "setup",
    "import_ptau": "setup",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
