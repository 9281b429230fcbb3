"""The layout: imports go down the layers, lazy names resolve, imports are the same anywhere."""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]

# Each prover layer and the layers it may import (besides itself, atomic, lazy,
# zkpor.verifier and zkpor.circuits); the table in prover/__init__.py says the same.
PROVER_LAYERS: dict[str, set[str]] = {
    "arith": set(),
    "exchange": set(),
    "setup": {"arith"},
    "argument": {"arith", "setup", "exchange"},
    "cluster": {"arith", "setup", "exchange", "argument"},
    "cli": {"arith", "setup", "exchange", "argument", "cluster"},
}
LEAVES = {"atomic", "lazy"}
HEAVY = {"numpy", "numba", "llvmlite", "pyarrow"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, relative ones included as written."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.append((node.lineno, module))
            if node.module in ("zkpor.prover", "zkpor.prover.arith"):
                found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", ["verifier", "circuits"])
def test_verifier_and_circuits_import_no_prover_numba_or_numpy(folder: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sources(folder)
        for line, module in imported_modules(path)
        if module.startswith("zkpor.prover") or module.split(".")[0] in HEAVY
    ]
    assert not bad, bad


def test_imports_are_absolute() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for folder in ("prover", "verifier", "circuits", "benches")
        for path in sources(folder)
        for line, module in imported_modules(path)
        if module.startswith(".")
    ]
    assert not bad, bad


def test_prover_imports_go_down_the_layers() -> None:
    bad = []
    for path in sources("prover"):
        parts = path.relative_to(ROOT / "prover").parts
        layer = parts[0] if len(parts) > 1 else None
        for line, module in imported_modules(path):
            if not module.startswith("zkpor.prover."):
                continue
            target = module.split(".")[2]
            if target in LEAVES or target == layer:
                continue
            allowed = PROVER_LAYERS.get(layer, set()) if layer else set()
            if target not in allowed:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert not bad, bad


def test_every_prover_module_belongs_to_a_layer() -> None:
    for path in sources("prover"):
        parts = path.relative_to(ROOT / "prover").parts
        if len(parts) == 1:
            assert path.stem in LEAVES | {"__init__"}, f"{path} is outside the layers"
        else:
            assert parts[0] in PROVER_LAYERS, f"{path} is in an unknown layer"


LAZY_PACKAGES = [
    "zkpor.prover",
    "zkpor.prover.arith",
    "zkpor.prover.exchange",
    "zkpor.prover.setup",
    "zkpor.prover.argument",
    "zkpor.prover.cluster",
]


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_lazy_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__, f"{package} has no docstring"
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def _lazy_targets(group: click.Group, prefix: str = "") -> list[tuple[str, str]]:
    from zkpor.prover.cli.main import LazyGroup

    out: list[tuple[str, str]] = []
    if isinstance(group, LazyGroup):
        out += [(f"{prefix}{name}", target) for name, target in group.lazy.items()]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            out += _lazy_targets(command, f"{prefix}{name} ")
    return out


def test_every_cli_target_resolves() -> None:
    from zkpor.prover.cli.main import ensure_benches_importable, main

    ensure_benches_importable()
    targets = _lazy_targets(main)
    assert len(targets) >= 11
    for name, target in targets:
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command), name


def test_package_roots_import_no_numba() -> None:
    """`import zkpor.prover` and the CLI group load no numba (lazy re-exports)."""
    code = (
        "import sys, zkpor.prover, zkpor.prover.arith, zkpor.prover.cli.main\n"
        "print(sorted(m for m in ('numba', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_regular_install_resolves_from_the_checkout(tmp_path: Path) -> None:
    """A non-editable install imports the same from the checkout root as from anywhere."""
    source, target = tmp_path / "src", tmp_path / "site"
    for name in ("circuits", "prover", "verifier"):  # a copy: the build leaves build/ behind
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    code = "import zkpor.prover.cli.main as m, zkpor.verifier.verify as v; print(m.__file__); print(v.__file__)"
    env = dict(os.environ, PYTHONPATH=str(target))
    for cwd in (ROOT, tmp_path):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        assert all(line.startswith(str(target)) for line in out.stdout.split()), out.stdout


def test_bench_arith_runs_inside_the_checkout() -> None:
    """`zkpor bench arith` from the checkout: its compile-time subprocess imports the prover."""
    zkpor = Path(sys.executable).with_name("zkpor")
    out = subprocess.run(
        [str(zkpor), "bench", "arith", "--log-n", "10", "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "compile" in out.stdout and "msm" in out.stdout.lower(), out.stdout
