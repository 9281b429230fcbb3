"""`zkpor page build`: the static site on which users check their inclusion in the browser.

The site is self-contained; the exchange hosts it as it is:

- ``index.html``, ``page.css``, ``page.js``, ``worker.js``, ``favicon.svg`` from the
  checkout's ``web/``;
- ``pyodide/``: the Pyodide runtime from the npm package pinned in ``web/package.json``
  (``npm ci --prefix web``; ``make`` does it);
- ``py/``: two zip archives unpacked into Pyodide's site-packages: py_ecc as installed
  here (its package and dist-info, no eth_utils or eth_typing: its bn128 modules import
  neither), and zkpor's ``zkpor.verifier`` and ``zkpor.circuits`` sources, no prover;
- ``public/``: a copy of the published folder;
- ``config.json``: what the page loads, and ``allow_insecure`` (``--allow-insecure``).

The page calls :func:`zkpor.verifier.page.check_page`, the user's check of
``zkpor inclusion verify``. The builder lives with the exchange's commands rather than in
``verifier/`` so that what is shipped into the page is exactly the verifier, nothing more.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.metadata
import io
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

import zkpor.circuits
import zkpor.verifier
from zkpor.prover.atomic import atomic_dir
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.public import (
    STATEMENT,
    VK,
    ShardedFolder,
    load_public,
)
from zkpor.verifier.text import echo

WEB_FILES = ("index.html", "page.css", "page.js", "worker.js", "favicon.svg")
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
    "package.json",  # name, version and licence (MPL-2.0) of the runtime shipped
)
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
    "connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
)
"""The page's Content-Security-Policy: index.html's meta tag says the same (a test checks);
a host should also send it as a header, which covers the worker too (``serve_site`` does)."""
MIME = {".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
        ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm",
        ".svg": "image/svg+xml", ".zip": "application/zip", ".bin": "application/octet-stream"}  # fmt: skip
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same sources give the same archive bytes


class PageError(click.ClickException):
    exit_code = 2


@dataclass(frozen=True)
class Site:
    root: Path
    files: int
    size: int
    parts: dict[str, int]
    """Bytes per top-level part: page, pyodide, py, public."""


def find_web() -> Path:
    """The checkout's web/ folder: beside these sources, else the working directory or a parent."""
    here = Path(__file__).resolve().parents[2]
    for root in (here, Path.cwd().resolve(), *Path.cwd().resolve().parents):
        if (root / "web" / "index.html").is_file() and (root / "web" / "package.json").is_file():
            return root / "web"
    raise PageError("web/ not found: run `zkpor page build` inside a zkpor checkout, or pass --web")


def _zip(entries: list[tuple[str, Path]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _sources(package: object, prefix: str) -> list[tuple[str, Path]]:
    root = Path(package.__path__[0])  # type: ignore[attr-defined]
    return [(f"{prefix}/{p.relative_to(root).as_posix()}", p) for p in sorted(root.rglob("*.py"))]


def zkpor_archive() -> tuple[str, bytes]:
    """zkpor.verifier and zkpor.circuits as a namespace package (no zkpor/__init__.py)."""
    version = importlib.metadata.version("zkpor")
    entries = _sources(zkpor.verifier, "zkpor/verifier") + _sources(
        zkpor.circuits, "zkpor/circuits"
    )
    return f"zkpor-verifier-{version}.zip", _zip(entries)


def py_ecc_archive() -> tuple[str, bytes]:
    """py_ecc as installed here: its package and dist-info (``py_ecc.__version__`` reads it)."""
    dist = importlib.metadata.distribution("py_ecc")
    entries = []
    for file in dist.files or ():
        name = file.as_posix()
        top = name.split("/")[0]
        if "__pycache__" in name or name.endswith(".pyc"):
            continue
        if top == "py_ecc" or top.endswith(".dist-info") and not name.endswith("/RECORD"):
            entries.append((name, Path(str(dist.locate_file(file)))))
    if not any(n == "py_ecc/__init__.py" for n, _ in entries):
        raise PageError("py_ecc's installed files were not found")
    return f"py_ecc-{dist.version}.zip", _zip(entries)


def _site_packages(pyodide: Path) -> str:
    """Pyodide's site-packages folder, from its lock file's Python version."""
    try:
        python = json.loads((pyodide / "pyodide-lock.json").read_text())["info"]["python"]
    except (OSError, ValueError, KeyError) as exc:
        raise PageError(f"{pyodide}/pyodide-lock.json: unreadable ({exc})") from None
    major, minor = python.split(".")[:2]
    return f"/lib/python{major}.{minor}/site-packages"


def _tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def build_site(
    public: Path, out: Path, *, allow_insecure: bool = False, web: Path | None = None,
    pyodide: Path | None = None,
) -> Site:  # fmt: skip
    """Write the site for ``public`` (a published folder) to ``out``, whole or not at all."""
    web = web or find_web()
    pyodide = pyodide or web / "node_modules" / "pyodide"
    missing = [n for n in PYODIDE_FILES if not (pyodide / n).is_file()]
    if missing:
        raise PageError(
            f"{pyodide}: no Pyodide runtime ({', '.join(missing)} missing): run `npm ci --prefix web`"
        )
    for name in WEB_FILES:
        if not (web / name).is_file():
            raise PageError(f"{web / name}: missing")
    if not public.is_dir():
        raise PageError(f"{public}: not a folder")
    if not (public / STATEMENT).is_file() or not (public / VK).is_file():
        raise PageError(f"{public}: not a published folder ({STATEMENT} and {VK} needed)")
    try:
        folder = load_public(public)
    except (VerificationError, InputError) as exc:
        raise PageError(str(exc)) from None
    names = folder.names()
    statement = folder.top if isinstance(folder, ShardedFolder) else folder.statement
    archives = [py_ecc_archive(), zkpor_archive()]
    with atomic_dir(out) as stage:
        for name in WEB_FILES:
            shutil.copyfile(web / name, stage / name)
        (stage / "pyodide").mkdir()
        for name in PYODIDE_FILES:
            shutil.copyfile(pyodide / name, stage / "pyodide" / name)
        (stage / "py").mkdir()
        for name, data in archives:
            (stage / "py" / name).write_bytes(data)
        for name in names:
            (stage / "public" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(public / name, stage / "public" / name)
        config = {
            "format": "zkpor-page",
            "version": 1,
            "allow_insecure": allow_insecure,
            "snapshot_id": statement.snapshot_id,
            "snapshot_time": statement.snapshot_time,
            "python": [f"py/{name}" for name, _ in archives],
            "site_packages": _site_packages(pyodide),
            "public": "public/",
            "files": names,
        }
        (stage / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    parts = {"page": sum((out / n).stat().st_size for n in (*WEB_FILES, "config.json"))}
    for part in ("pyodide", "py", "public"):
        parts[part] = _tree_size(out / part)[1]
    files, size = _tree_size(out)
    return Site(out, files, size, parts)


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the page's MIME types and CSP header, no directory listings, quiet."""

    extensions_map = MIME

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def list_directory(self, path):  # noqa: ANN001, ANN201
        self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve_site(root: Path, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``root`` on ``host`` (a free port by default) in a thread; yields the site's URL."""
    handler = functools.partial(_SiteHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, name="zkpor-page-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@click.group("page")
def page() -> None:
    """The browser page on which users check their inclusion (a static site)."""


@page.command("build")
@click.argument("public", type=click.Path(path_type=Path))
@click.option(
    "-o", "--out", required=True, type=click.Path(path_type=Path), help="The site folder to write."
)
@click.option(
    "--allow-insecure",
    is_flag=True,
    help="Let the page accept a development SRS (known tau; proves nothing): tests and demos only.",
)
@click.option(
    "--web",
    type=click.Path(path_type=Path),
    help="The page's sources (default: the checkout's web/).",
)
@click.option(
    "--pyodide",
    type=click.Path(path_type=Path),
    help="The Pyodide runtime (default: web/node_modules/pyodide).",
)
def build_command(
    public: Path, out: Path, allow_insecure: bool, web: Path | None, pyodide: Path | None
) -> None:
    """Write a self-contained static site for PUBLIC (the published folder) to OUT."""
    site = build_site(public, out, allow_insecure=allow_insecure, web=web, pyodide=pyodide)
    mb = 1024 * 1024
    echo(
        f"site {site.root}/: {site.files} files, {site.size / mb:.1f} MiB "
        + "("
        + ", ".join(f"{k} {v / mb:.2f} MiB" for k, v in site.parts.items())
        + ")"
    )
    if allow_insecure:
        echo("INSECURE: the page accepts a development SRS (known tau) and says so: demos only")
    echo(f"open it through a web server: zkpor page serve {site.root} (or any static server)")


@page.command("serve")
@click.argument("site", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def serve_command(site: Path, port: int) -> None:
    """Serve a built SITE on this computer only (127.0.0.1), with the page's CSP header."""
    with serve_site(site, port) as url:
        echo(f"serving {site}/ at {url} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
