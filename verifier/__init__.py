"""The lightweight verifier: pure Python with py_ecc and hashlib (no numba, no numpy)."""
