"""Lazy re-exports for the prover's package roots, as py_ecc's ``__init__`` does.

Importing a prover layer compiles numba code, so a package root names its public API
without importing it: the first access to a name imports the module that defines it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, names: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose ``names`` map to submodules."""

    def getattr_(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        globals_ = importlib.import_module(package).__dict__
        globals_[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(names)

    return getattr_, dir_
