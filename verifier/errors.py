"""Errors the verifier reports as one line (never a trace)."""


class VerificationError(Exception):
    """The proof, statement or inclusion data is invalid: the check FAILS (exit 1)."""


class InputError(Exception):
    """An input cannot be read at all (missing file, not JSON, ...): unusable (exit 2)."""
