"""BN254 arithmetic in numba: Montgomery F_r and F_q, G1, MSM, NTT and prefix sums.

The bottom layer: imports nothing from the rest of ``zkpor.prover``; may import
``zkpor.verifier.field`` for the moduli. Every kernel is cross-checked against Python
integers or py_ecc (tests/test_fields.py, test_g1.py, test_msm.py, test_ntt.py).
"""

from zkpor.prover.lazy import lazy_exports

_NAMES = {
    "FR": "field",
    "FQ": "field",
    "fr_from_ints": "field",
    "fr_to_ints": "field",
    "choose_window": "msm",
    "msm_small": "msm",
    "intt": "ntt",
    "coset_ntt": "ntt",
    "coset_intt": "ntt",
    "cumsum": "prefix",
    "segmented_cumsum": "prefix",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
