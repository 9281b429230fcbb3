"""A tiny expression language for constraints, evaluated by both prover and verifier.

Leaves are columns (optionally shifted: the value at omega^-1 * x), challenges and
integer constants. :func:`evaluate` folds an expression with a backend that knows how
to add, subtract and multiply its values: Python integers mod r on the verifier side,
coset vectors on the prover side. Shared subexpressions are evaluated once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class Expr:
    """Base class; supports +, -, * with other expressions and ints."""

    def __add__(self, other: Expr | int) -> Expr:
        return Add(self, lift(other))

    def __radd__(self, other: int) -> Expr:
        return Add(lift(other), self)

    def __sub__(self, other: Expr | int) -> Expr:
        return Sub(self, lift(other))

    def __rsub__(self, other: int) -> Expr:
        return Sub(lift(other), self)

    def __mul__(self, other: Expr | int) -> Expr:
        return Mul(self, lift(other))

    def __rmul__(self, other: int) -> Expr:
        return Mul(lift(other), self)


@dataclass(frozen=True, eq=False)
class Col(Expr):
    """A polynomial's value at x (or at omega^-1 * x when shifted)."""

    name: str
    shifted: bool = False

    @property
    def prev(self) -> Col:
        return Col(self.name, True)


@dataclass(frozen=True, eq=False)
class Chal(Expr):
    """A Fiat-Shamir challenge or a value derived from challenges and public data."""

    name: str


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: int


@dataclass(frozen=True, eq=False)
class Add(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Sub(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Mul(Expr):
    left: Expr
    right: Expr


def lift(x: Expr | int) -> Expr:
    return x if isinstance(x, Expr) else Const(x)


class Backend(Protocol, Generic[T]):
    """Arithmetic over a value type; constants and challenges arrive as Python ints."""

    def add(self, x: T | int, y: T | int) -> T | int: ...

    def sub(self, x: T | int, y: T | int) -> T | int: ...

    def mul(self, x: T | int, y: T | int) -> T | int: ...


def evaluate(
    expr: Expr,
    backend: Backend[T],
    column: Callable[[str, bool], T | int],
    challenge: Callable[[str], int],
    memo: dict[int, T | int] | None = None,
) -> T | int:
    """Evaluate ``expr``; ``memo`` (keyed by node identity) may be shared across calls."""
    memo = {} if memo is None else memo

    def go(e: Expr) -> T | int:
        key = id(e)
        if key in memo:
            return memo[key]
        if isinstance(e, Col):
            out = column(e.name, e.shifted)
        elif isinstance(e, Chal):
            out = challenge(e.name)
        elif isinstance(e, Const):
            out = e.value
        elif isinstance(e, Add):
            out = backend.add(go(e.left), go(e.right))
        elif isinstance(e, Sub):
            out = backend.sub(go(e.left), go(e.right))
        elif isinstance(e, Mul):
            out = backend.mul(go(e.left), go(e.right))
        else:
            raise TypeError(f"unknown expression node {e!r}")
        memo[key] = out
        return out

    return go(expr)


class IntBackend:
    """Field arithmetic on Python integers modulo ``modulus`` (the verifier's backend)."""

    def __init__(self, modulus: int) -> None:
        self.modulus = modulus

    def add(self, x: int, y: int) -> int:
        return (x + y) % self.modulus

    def sub(self, x: int, y: int) -> int:
        return (x - y) % self.modulus

    def mul(self, x: int, y: int) -> int:
        return x * y % self.modulus
