"""Trusted setup and commitments: snarkjs .ptau import, the SRS, KZG commit and open.

May import ``zkpor.prover.arith`` and ``zkpor.prover.atomic``. The verifier's
counterpart of ``kzg.py`` is ``zkpor.verifier.kzg``.
"""

from zkpor.prover.lazy import lazy_exports

_NAMES = {
    "SRS": "srs",
    "SetupError": "srs",
    "dev_srs": "srs",
    "import_ptau": "srs",
    "commit_evals": "kzg",
    "commit_evals_small": "kzg",
    "open_batch": "kzg",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
