"""The solvency argument: trace, prover rounds, quotient, fused constraint kernel, publishing.

May import ``zkpor.prover.arith``, ``setup``, ``exchange`` and ``atomic``. The rounds'
Fiat-Shamir schedule is ``zkpor.verifier.rounds``, shared with the verifier.
"""

from zkpor.prover.lazy import lazy_exports

_NAMES = {
    "Trace": "trace",
    "TraceError": "trace",
    "build_trace": "trace",
    "SolvencyProver": "prove",
    "ProofBundle": "prove",
    "ProverError": "prove",
    "write_outputs": "publish",
    "PrivateFolder": "publish",
    "inclusion_record": "publish",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
