"""One bounded JSON reader for every file the verifier reads (and the prover's JSON inputs).

``json.loads`` on hostile input misbehaves in several ways: a few MB of nested brackets
overflow the C stack (py_ecc raises the recursion limit to 100,000, so Python's guard
never fires), a 5,000-digit integer raises a ValueError from ``int()``, ``NaN`` and
``Infinity`` are accepted, a ``"\\ud800"`` escape yields a string that cannot be
encoded, and a repeated key silently keeps the last value. :func:`loads` refuses all of
these before or while parsing, with one line ``NAME[:LINE]: reason`` raised as
:class:`~zkpor.verifier.errors.MalformedInput` (exit code 2 in the CLI).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from json import JSONDecodeError, JSONDecoder
from pathlib import Path
from typing import Any

from zkpor.verifier.errors import MalformedInput

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects any of our files has is 3."""
MAX_INT_DIGITS = 80
"""Longest integer (and number text) accepted; our largest bound, 2^254, has 77 digits."""

KiB, MiB = 1 << 10, 1 << 20
STATEMENT_MAX_BYTES = 32 * MiB
"""2^16 assets of about 200 bytes each, with room to spare."""
VK_MAX_BYTES = 64 * KiB
INCLUSION_MAX_BYTES = 32 * MiB
PRICES_MAX_BYTES = 32 * MiB
LINE_MAX_BYTES = 16 * MiB
"""One line of a JSON lines file (one account)."""

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGER = re.compile(r"-?[0-9]+")


class JsonInputError(MalformedInput):
    """A refused JSON document; ``name``, ``line`` (or None) and ``reason`` are kept apart."""

    def __init__(self, name: str, line: int | None, reason: str):
        self.name, self.line, self.reason = name, line, reason
        super().__init__(f"{name}:{line}: {reason}" if line is not None else f"{name}: {reason}")


class _Refused(Exception):
    """Raised inside a json hook; turned into MalformedInput with the file name."""


def parse_int(text: str, max_digits: int = MAX_INT_DIGITS) -> int:
    """``[-]digits`` (ASCII only) to int, refusing more than ``max_digits`` digits."""
    if not isinstance(text, str) or not _INTEGER.fullmatch(text):
        raise ValueError(f"{text!r} is not an integer")
    if len(text.lstrip("-")) > max_digits:
        raise ValueError(f"integer of {len(text.lstrip('-'))} digits (at most {max_digits})")
    return int(text)


def _number_text(text: str) -> str:
    if len(text) > MAX_INT_DIGITS:
        raise _Refused(f"a number of {len(text)} characters (at most {MAX_INT_DIGITS})")
    return text


def _int_hook(text: str) -> int:
    try:
        return parse_int(text)
    except ValueError as exc:
        raise _Refused(str(exc)) from None


def _fraction_hook(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, kept exact (no field accepts one)."""
    return Decimal(_number_text(text))


def _constant_hook(text: str) -> Any:
    raise _Refused(f"{text} is not JSON")


def _check_string(s: str) -> str:
    m = _SURROGATE.search(s)
    if m:
        raise _Refused(f"a string holds a lone surrogate {m.group()!r} (not encodable as UTF-8)")
    return s


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        _check_string(key)
        if key in obj:
            raise _Refused(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _walk_strings(value: Any) -> None:
    """Lone surrogates in values (keys are checked by the pairs hook); depth is capped."""
    if isinstance(value, str):
        _check_string(value)
    elif isinstance(value, list):
        for item in value:
            _walk_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_strings(item)


def _decoder(exact_numbers: bool) -> JSONDecoder:
    if exact_numbers:  # the prover's inputs: numbers kept as their exact text
        return JSONDecoder(
            parse_int=_number_text,
            parse_float=_number_text,
            parse_constant=_constant_hook,
            object_pairs_hook=_pairs_hook,
        )
    return JSONDecoder(
        parse_int=_int_hook,
        parse_float=_fraction_hook,
        parse_constant=_constant_hook,
        object_pairs_hook=_pairs_hook,
    )


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> int | None:
    """The 1-based line where nesting first exceeds ``max_depth`` (strings skipped), or None."""
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > max_depth:
                return text.count("\n", 0, m.start()) + 1
        elif c in "]}":
            depth -= 1
    return None


def decode_utf8(data: bytes, name: str) -> str:
    """Strict UTF-8; the error names the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise JsonInputError(name, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def loads(
    data: bytes | str,
    name: str,
    max_bytes: int,
    *,
    exact_numbers: bool = False,
) -> Any:
    """Parse one JSON document within the caps; raise MalformedInput naming ``name``."""
    if isinstance(data, str):
        if len(data) > max_bytes:
            raise JsonInputError(name, None, f"larger than {max_bytes:,} bytes")
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise JsonInputError(name, None, "text holds a lone surrogate") from None
    if len(data) > max_bytes:
        raise JsonInputError(name, None, f"larger than {max_bytes:,} bytes")
    text = decode_utf8(data, name)
    line = check_depth(text)
    if line is not None:
        raise JsonInputError(name, line, f"nested deeper than {MAX_DEPTH} levels")
    try:
        value = _decoder(exact_numbers).decode(text)
        _walk_strings(value)
    except JSONDecodeError as exc:
        raise JsonInputError(name, exc.lineno, f"not valid JSON ({exc.msg})") from None
    except _Refused as exc:
        raise JsonInputError(name, None, str(exc)) from None
    except (RecursionError, MemoryError):  # cannot happen below MAX_DEPTH; one line anyway
        raise JsonInputError(name, None, "too deeply nested or too large") from None
    return value


def read_bytes(path: str | os.PathLike, max_bytes: int, what: str = "file") -> bytes:
    """Read a file after checking its size (never more than ``max_bytes`` + 1 bytes)."""
    p = Path(path)
    try:
        with open(p, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise JsonInputError(
                    str(p), None, f"{what} of {size:,} bytes (at most {max_bytes:,})"
                )
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise JsonInputError(str(p), None, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise JsonInputError(str(p), None, f"{what} larger than {max_bytes:,} bytes")
    return data


def load(path: str | os.PathLike, max_bytes: int, *, exact_numbers: bool = False) -> Any:
    """:func:`read_bytes` then :func:`loads`; errors name the file."""
    return loads(read_bytes(path, max_bytes), str(path), max_bytes, exact_numbers=exact_numbers)


__all__ = [
    "INCLUSION_MAX_BYTES",
    "JsonInputError",
    "LINE_MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "PRICES_MAX_BYTES",
    "STATEMENT_MAX_BYTES",
    "VK_MAX_BYTES",
    "check_depth",
    "decode_utf8",
    "load",
    "loads",
    "parse_int",
    "read_bytes",
]
