"""Errors the verifier reports as one line (never a trace)."""


class VerificationError(Exception):
    """The proof, statement or inclusion data is invalid: the check FAILS (exit 1)."""


class InputError(Exception):
    """An input cannot be read at all (missing file, not JSON, ...): unusable (exit 2)."""


class MalformedInput(InputError, VerificationError):
    """An input file is not well formed (not UTF-8, not JSON, too large or deep, a field of
    the wrong type): unusable (exit 2). It is a VerificationError too, so a caller that
    only asks "does this verify?" gets "no"."""
